package storetest

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/connectdir/connectdir"
)

func str(field, comparison, value string) connectdir.Cond {
	return connectdir.Cond{Op: connectdir.OpString, Field: field, Comparison: comparison, Value: value}
}

func tag(k, v string) connectdir.Cond {
	return connectdir.Cond{Op: connectdir.OpTag, TagKey: k, TagValue: v}
}

func and(c ...connectdir.Cond) connectdir.Cond {
	return connectdir.Cond{Op: connectdir.OpAnd, Children: c}
}
func or(c ...connectdir.Cond) connectdir.Cond {
	return connectdir.Cond{Op: connectdir.OpOr, Children: c}
}

// groupCond makes a group condition: the raw Tx is given paths, the Directory group ids.
type groupCond func(id string, withChildren bool) connectdir.Cond

func testSearchUsers(t *testing.T, e *env) {
	ctx := t.Context()
	f := e.rawInstance(t, "i-search")
	other := e.rawInstance(t, "i-search-other")

	// g1 > g2 > g3, and g1x beside g1: its path "/g1x/" starts with "g1" but is not under "/g1/".
	// Neither is "/g1#/", though a locale's collation may sort it between "/g1/" and "/g10".
	g1 := f.group(e, "g1", "One", nil)
	g1x := f.group(e, "g1x", "One X", nil)
	g1hash := f.group(e, "g1#", "One hash", nil)
	g2 := f.group(e, "g2", "Two", &g1)
	g3 := f.group(e, "g3", "Three", &g2)
	og1 := other.group(e, "og1", "One", nil)
	e.insertGroups(t, g1, g1x, g1hash, g2, g3, og1)
	groups := map[string]connectdir.HierarchyGroup{"g1": g1, "g1x": g1x, "g1#": g1hash, "g2": g2, "g3": g3}

	type spec struct {
		id, username, first, last string
		group                     *connectdir.HierarchyGroup
		rp                        int
		sps                       []int
		tags                      map[string]string
	}
	// Ids are not in username order, so that the order of results (by id) is checked too.
	specs := []spec{
		{"u07", "Alice", "Alice", "Smith", &g1, 0, []int{0}, map[string]string{"team": "red"}},
		{"u03", "albert", "Albert", "Jones", &g2, 0, []int{0, 1}, nil},
		{"u05", "Bob", "Bob", "Smithers", &g3, 1, []int{1}, map[string]string{"team": "blue"}},
		{"u01", "carol", "Carol", `Back\slash`, &g1x, 0, []int{2}, map[string]string{"team": "red"}},
		{"u09", "100%", "Per", "Cent", nil, 0, []int{0}, nil},
		{"u02", "100x", "Hundred", "Ex", nil, 0, []int{2}, nil},
		{"u08", "a_b", "Under", "Score", nil, 0, []int{2}, nil},
		{"u04", "axb", "Xavier", "Bee", nil, 0, []int{2}, nil},
		{"u06", "dave", "Dave", "O'Brien", nil, 0, []int{2}, map[string]string{"team": "red", "role": "lead"}},
		// An id that sorts first bytewise and last in most locales.
		{"U10", "hashy", "Hash", "Tag", &g1hash, 0, []int{2}, nil},
	}
	idOf := map[string]string{}
	pathOf := map[string]string{} // by id
	var all []string
	for _, s := range specs {
		id := "i-search-" + s.id
		if s.id == "U10" {
			id = "I-SEARCH-U10"
		}
		u := f.user(e, id, s.username)
		u.IdentityInfo.FirstName, u.IdentityInfo.LastName = s.first, s.last
		if s.group != nil {
			u.HierarchyGroupID, u.HierarchyPath = s.group.ID, s.group.Path
		}
		u.RoutingProfileID = f.rps[s.rp].ID
		u.SecurityProfileIDs = nil
		for _, i := range s.sps {
			u.SecurityProfileIDs = append(u.SecurityProfileIDs, f.sps[i].ID)
		}
		e.insertUsers(t, u)
		if s.tags != nil {
			e.update(t, func(tx connectdir.Tx) error { return tx.TagResource(f.inst.ID, u.ID, s.tags) })
		}
		idOf[s.username] = u.ID
		pathOf[u.ID] = u.HierarchyPath
		all = append(all, s.username)
	}
	// A user of another instance that matches nearly everything must never show.
	ou := other.user(e, "i-search-other-u", "alice")
	ou.IdentityInfo.FirstName, ou.IdentityInfo.LastName = "Alice", "Smith"
	ou.HierarchyGroupID, ou.HierarchyPath = og1.ID, og1.Path
	e.insertUsers(t, ou)
	e.update(t, func(tx connectdir.Tx) error {
		return tx.TagResource(other.inst.ID, ou.ID, map[string]string{"team": "red", "role": "lead"})
	})

	cases := []struct {
		name string
		cond func(grp groupCond) connectdir.Cond
		want []string
	}{
		{"all", func(groupCond) connectdir.Cond { return connectdir.Cond{} }, all},
		{"username EXACT is case-insensitive", func(groupCond) connectdir.Cond { return str(connectdir.FieldUsername, "EXACT", "alice") }, []string{"Alice"}},
		{"username EXACT is whole", func(groupCond) connectdir.Cond { return str(connectdir.FieldUsername, "EXACT", "ali") }, nil},
		{"username STARTS_WITH", func(groupCond) connectdir.Cond { return str(connectdir.FieldUsername, "STARTS_WITH", "al") }, []string{"Alice", "albert"}},
		{"username CONTAINS", func(groupCond) connectdir.Cond { return str(connectdir.FieldUsername, "CONTAINS", "o") }, []string{"Bob", "carol"}},
		{"firstname EXACT", func(groupCond) connectdir.Cond { return str(connectdir.FieldFirstName, "EXACT", "albert") }, []string{"albert"}},
		{"firstname CONTAINS", func(groupCond) connectdir.Cond { return str(connectdir.FieldFirstName, "CONTAINS", "er") }, []string{"albert", "100%", "a_b", "axb"}},
		{"lastname STARTS_WITH", func(groupCond) connectdir.Cond { return str(connectdir.FieldLastName, "STARTS_WITH", "smith") }, []string{"Alice", "Bob"}},
		{"lastname EXACT", func(groupCond) connectdir.Cond { return str(connectdir.FieldLastName, "EXACT", "smith") }, []string{"Alice"}},
		{"quote in a value", func(groupCond) connectdir.Cond { return str(connectdir.FieldLastName, "CONTAINS", "o'b") }, []string{"dave"}},
		{"% is literal in CONTAINS", func(groupCond) connectdir.Cond { return str(connectdir.FieldUsername, "CONTAINS", "%") }, []string{"100%"}},
		{"% is literal in STARTS_WITH", func(groupCond) connectdir.Cond { return str(connectdir.FieldUsername, "STARTS_WITH", "100%") }, []string{"100%"}},
		{"% is literal in EXACT", func(groupCond) connectdir.Cond { return str(connectdir.FieldUsername, "EXACT", "100%") }, []string{"100%"}},
		{"_ is literal in STARTS_WITH", func(groupCond) connectdir.Cond { return str(connectdir.FieldUsername, "STARTS_WITH", "a_") }, []string{"a_b"}},
		{"_ is literal in CONTAINS", func(groupCond) connectdir.Cond { return str(connectdir.FieldUsername, "CONTAINS", "_") }, []string{"a_b"}},
		{"_ is literal in EXACT", func(groupCond) connectdir.Cond { return str(connectdir.FieldUsername, "EXACT", "a_b") }, []string{"a_b"}},
		{"backslash is literal", func(groupCond) connectdir.Cond { return str(connectdir.FieldLastName, "CONTAINS", `\`) }, []string{"carol"}},
		{"backslash before a letter is literal", func(groupCond) connectdir.Cond { return str(connectdir.FieldLastName, "CONTAINS", `k\s`) }, []string{"carol"}},
		{"resource id", func(groupCond) connectdir.Cond { return str(connectdir.FieldResourceID, "EXACT", idOf["Bob"]) }, []string{"Bob"}},
		{"routing profile", func(groupCond) connectdir.Cond { return str(connectdir.FieldRoutingProfileID, "EXACT", f.rps[1].ID) }, []string{"Bob"}},
		{"security profile", func(groupCond) connectdir.Cond { return str(connectdir.FieldSecurityProfileID, "EXACT", f.sps[1].ID) }, []string{"albert", "Bob"}},
		{"security profile among several", func(groupCond) connectdir.Cond { return str(connectdir.FieldSecurityProfileID, "EXACT", f.sps[0].ID) }, []string{"Alice", "albert", "100%"}},
		{"group EXACT", func(grp groupCond) connectdir.Cond { return grp("g1", false) }, []string{"Alice"}},
		{"group EXACT at level two", func(grp groupCond) connectdir.Cond { return grp("g2", false) }, []string{"albert"}},
		{"group with children from the top", func(grp groupCond) connectdir.Cond { return grp("g1", true) }, []string{"Alice", "albert", "Bob"}},
		{"group with children from the middle", func(grp groupCond) connectdir.Cond { return grp("g2", true) }, []string{"albert", "Bob"}},
		{"group with children at a leaf", func(grp groupCond) connectdir.Cond { return grp("g3", true) }, []string{"Bob"}},
		{"sibling with a prefix id", func(grp groupCond) connectdir.Cond { return grp("g1x", true) }, []string{"carol"}},
		{"sibling with a punctuated prefix id", func(grp groupCond) connectdir.Cond { return grp("g1#", true) }, []string{"hashy"}},
		{"missing group", func(grp groupCond) connectdir.Cond { return grp("missing", false) }, nil},
		{"missing group with children", func(grp groupCond) connectdir.Cond { return grp("missing", true) }, nil},
		{"group of another instance", func(grp groupCond) connectdir.Cond { return grp("og1", true) }, nil},
		{"tag", func(groupCond) connectdir.Cond { return tag("team", "red") }, []string{"Alice", "carol", "dave"}},
		{"tag value not present", func(groupCond) connectdir.Cond { return tag("team", "green") }, nil},
		{"tag value under another key", func(groupCond) connectdir.Cond { return tag("role", "red") }, nil},
		{"second tag", func(groupCond) connectdir.Cond { return tag("role", "lead") }, []string{"dave"}},
		{"AND", func(grp groupCond) connectdir.Cond {
			return and(str(connectdir.FieldUsername, "STARTS_WITH", "a"), grp("g1", true))
		}, []string{"Alice", "albert"}},
		{"OR", func(grp groupCond) connectdir.Cond { return or(tag("team", "blue"), grp("g1x", false)) }, []string{"Bob", "carol"}},
		{"AND of ORs", func(grp groupCond) connectdir.Cond {
			return and(or(tag("team", "red"), tag("team", "blue")),
				or(str(connectdir.FieldLastName, "STARTS_WITH", "smith"), str(connectdir.FieldUsername, "EXACT", "dave")))
		}, []string{"Alice", "Bob", "dave"}},
		{"OR of ANDs", func(grp groupCond) connectdir.Cond {
			return or(and(str(connectdir.FieldFirstName, "CONTAINS", "er"), str(connectdir.FieldUsername, "CONTAINS", "%")),
				and(grp("g2", true), tag("team", "blue")))
		}, []string{"100%", "Bob"}},
		{"three levels deep", func(grp groupCond) connectdir.Cond {
			return and(grp("g1", true), or(str(connectdir.FieldUsername, "EXACT", "bob"), and(tag("team", "red"), grp("g1", false))))
		}, []string{"Alice", "Bob"}},
		{"missing group in an OR", func(grp groupCond) connectdir.Cond {
			return or(grp("missing", true), str(connectdir.FieldUsername, "EXACT", "bob"))
		}, []string{"Bob"}},
		{"missing group in an AND", func(grp groupCond) connectdir.Cond { return and(grp("missing", false), connectdir.Cond{}) }, nil},
	}

	type searchFn func(c connectdir.Cond, after connectdir.SearchKey, limit int) ([]connectdir.User, int64, error)
	raw := func(c connectdir.Cond, after connectdir.SearchKey, limit int) (users []connectdir.User, total int64, err error) {
		err = e.s.View(ctx, func(tx connectdir.Tx) (err error) {
			users, total, err = tx.SearchUsers(f.inst.ID, c, after, limit)
			return err
		})
		return users, total, err
	}
	dir := func(c connectdir.Cond, after connectdir.SearchKey, limit int) ([]connectdir.User, int64, error) {
		return e.d.SearchUsers(ctx, f.inst.ID, c, after, limit)
	}
	rawGroup := func(id string, withChildren bool) connectdir.Cond {
		return connectdir.Cond{Op: connectdir.OpGroup, GroupPath: groups[id].Path, WithChildren: withChildren}
	}
	dirGroup := func(id string, withChildren bool) connectdir.Cond {
		return connectdir.Cond{Op: connectdir.OpGroup, GroupID: id, WithChildren: withChildren}
	}

	for _, via := range []struct {
		name   string
		search searchFn
		grp    groupCond
	}{{"Tx", raw, rawGroup}, {"Directory", dir, dirGroup}} {
		t.Run(via.name, func(t *testing.T) {
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					cond := c.cond(via.grp)
					// The order the store must give: by path and id when cond requires a group
					// condition (a NUL below every byte of a path makes the joined key sort as
					// the pair does), by id otherwise.
					key := func(path, id string) string { return id }
					if cond.PathOrdered() {
						key = func(path, id string) string { return path + "\x00" + id }
					}
					var wantKeys []string
					for _, name := range c.want {
						wantKeys = append(wantKeys, key(pathOf[idOf[name]], idOf[name]))
					}
					wantKeys = sorted(wantKeys)
					// Each page starts after the previous one's last user, as the API's token
					// says it (path and id, whatever the order).
					byID := map[string]connectdir.User{}
					for _, limit := range []int{1, 2, 100} {
						got := pageAll(t, "SearchUsers", limit, func(after string, limit int) ([]connectdir.User, error) {
							var k connectdir.SearchKey
							if after != "" {
								k = connectdir.KeyOf(byID[after[strings.LastIndexByte(after, 0)+1:]])
							}
							users, total, err := via.search(cond, k, limit)
							if err == nil && total != int64(len(wantKeys)) {
								t.Errorf("SearchUsers after %q limit %d: total %d, want %d", after, limit, total, len(wantKeys))
							}
							for _, u := range users {
								byID[u.ID] = u
							}
							return users, err
						}, func(u connectdir.User) string { return key(u.HierarchyPath, u.ID) })
						if !slices.Equal(got, wantKeys) {
							t.Errorf("SearchUsers limit %d: got %q, want %q (keys of %v)", limit, got, wantKeys, c.want)
						}
					}
				})
			}
		})
	}

	t.Run("ResultsAreWhole", func(t *testing.T) {
		users, total, err := raw(tag("team", "red"), connectdir.SearchKey{}, 1)
		must(t, "SearchUsers", err)
		if total != 3 || len(users) != 1 {
			t.Fatalf("SearchUsers limit 1: %d users of %d, want 1 of 3", len(users), total)
		}
		equal(t, "searched user", users[0], e.getUser(t, f.inst.ID, users[0].ID))
		if users[0].Tags["team"] != "red" {
			t.Errorf("SearchUsers does not attach tags: %v", users[0].Tags)
		}
	})

	t.Run("MissingInstance", func(t *testing.T) {
		_, _, err := e.d.SearchUsers(ctx, "missing", connectdir.Cond{}, connectdir.SearchKey{}, 10)
		wantKind(t, "Directory.SearchUsers of a missing instance", err, connectdir.KindNotFound)
	})

	t.Run("FederationTokenFindsTheExactUsername", func(t *testing.T) {
		bob := f.user(e, "i-search-lcbob", "bob")
		e.insertUsers(t, bob)
		for _, c := range []struct{ caller, want string }{{"bob", bob.ID}, {"Bob", idOf["Bob"]}} {
			u, tok, err := e.d.GetFederationToken(ctx, f.inst.ID, c.caller)
			must(t, "GetFederationToken "+c.caller, err)
			if u.ID != c.want || tok.AccessToken == "" || tok.RefreshToken == "" {
				t.Errorf("GetFederationToken(%s) = user %s (%s), want %s", c.caller, u.ID, u.Username, c.want)
			}
		}
		_, _, err := e.d.GetFederationToken(ctx, f.inst.ID, "BOB")
		wantKind(t, "GetFederationToken of no user", err, connectdir.KindUserNotFound)
	})
}

func names(ids []string, idOf map[string]string) []string {
	var out []string
	for _, id := range ids {
		n := "?" + id
		for name, i := range idOf {
			if i == id {
				n = name
			}
		}
		out = append(out, n)
	}
	return out
}

// testSearchUsersPaging walks searches in pages of two and writes users between the first page
// and the next: every user that matched throughout shows exactly once (users of one group share
// a path, so the id decides among them), a user written behind the page's key does not show and
// one written ahead does, whatever the order (path for a required group condition, id
// otherwise), and users without a group are in no group's range.
func testSearchUsersPaging(t *testing.T, e *env) {
	f := e.rawInstance(t, "i-gpage")
	a := f.group(e, "gp-a", "A", nil)
	b := f.group(e, "gp-b", "B", &a)
	c := f.group(e, "gp-c", "C", &b)
	ax := f.group(e, "gp-ax", "AX", nil) // "/gp-ax/" starts with "/gp-a" but is not under "/gp-a/"
	e.insertGroups(t, a, b, c, ax)
	mk := func(id, username string, g *connectdir.HierarchyGroup) connectdir.User {
		u := f.user(e, id, username)
		if g != nil {
			u.HierarchyGroupID, u.HierarchyPath = g.ID, g.Path
		}
		return u
	}
	users := []connectdir.User{
		mk("gp-a-1", "a1", &a), mk("gp-a-2", "a2", &a),
		mk("gp-b-1", "kb1", &b), mk("gp-b-2", "b2", &b), mk("gp-b-3", "kb3", &b), mk("gp-b-4", "b4", &b), mk("gp-b-5", "kb5", &b),
		mk("gp-c-1", "kc1", &c), mk("gp-c-2", "c2", &c), mk("gp-c-3", "c3", &c),
		mk("gp-n-1", "n1", nil), mk("gp-n-2", "n2", nil), mk("gp-n-3", "n3", nil),
		mk("gp-x-1", "x1", &ax), mk("gp-x-2", "x2", &ax),
	}
	// Written after the first page: ka0 sorts first in the subtree of a, kb0 first in b (by id),
	// kc9 last in c, n0 has no group.
	later := []connectdir.User{mk("gp-a-0", "ka0", &a), mk("gp-b-0", "kb0", &b), mk("gp-c-9", "kc9", &c), mk("gp-n-0", "n0", nil)}
	tagged := []string{"b2", "c2", "n1", "x1", "kb0", "kc9", "n0"}
	tagAll := func(list []connectdir.User) {
		e.update(t, func(tx connectdir.Tx) error {
			for _, u := range list {
				if slices.Contains(tagged, u.Username) {
					if err := tx.TagResource(f.inst.ID, u.ID, map[string]string{"team": "t"}); err != nil {
						return err
					}
				}
			}
			return nil
		})
	}
	e.insertUsers(t, users...)
	tagAll(users)

	grp := func(g connectdir.HierarchyGroup, withChildren bool) connectdir.Cond {
		return connectdir.Cond{Op: connectdir.OpGroup, GroupPath: g.Path, WithChildren: withChildren}
	}
	for _, tc := range []struct {
		name string
		cond connectdir.Cond
		want []string // in the order of the search
	}{
		{"subtree", grp(a, true), []string{"a1", "a2", "kb0", "kb1", "b2", "kb3", "b4", "kb5", "kc1", "c2", "c3", "kc9"}},
		{"group with equal paths", grp(b, false), []string{"kb1", "b2", "kb3", "b4", "kb5"}},
		{"subtree and name", and(grp(a, true), str(connectdir.FieldUsername, "STARTS_WITH", "k")), []string{"kb1", "kb3", "kb5", "kc1", "kc9"}},
		{"tag and subtree", and(tag("team", "t"), grp(a, true)), []string{"b2", "c2", "kc9"}},
		{"two subtrees", and(grp(a, true), and(grp(b, true))), []string{"kb1", "b2", "kb3", "b4", "kb5", "kc1", "c2", "c3", "kc9"}},
		{"groups in an OR and a subtree", and(or(grp(a, false), grp(c, false)), grp(a, true)), []string{"a1", "a2", "kc1", "c2", "c3", "kc9"}},
		{"tag alone, by id", tag("team", "t"), []string{"b2", "c2", "kc9", "n0", "n1", "x1"}},
		{"everyone, by id", connectdir.Cond{}, []string{"a1", "a2", "kb0", "kb1", "b2", "kb3", "b4", "kb5", "kc1", "c2", "c3", "kc9", "n0", "n1", "n2", "n3", "x1", "x2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			var after connectdir.SearchKey
			for page := 0; ; page++ {
				var list []connectdir.User
				var total int64
				e.view(t, func(tx connectdir.Tx) (err error) {
					list, total, err = tx.SearchUsers(f.inst.ID, tc.cond, after, 2)
					return err
				})
				if page == 0 && total != int64(len(tc.want)-countIn(tc.want, later)) {
					t.Errorf("total %d before the writes, want %d", total, len(tc.want)-countIn(tc.want, later))
				}
				for _, u := range list {
					got = append(got, u.Username)
				}
				if len(list) < 2 {
					break
				}
				after = connectdir.KeyOf(list[len(list)-1])
				if page == 0 {
					e.insertUsers(t, later...)
					tagAll(later)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("pages gave %v, want %v", got, tc.want)
			}
			e.update(t, func(tx connectdir.Tx) error {
				for _, u := range later {
					if err := tx.DeleteUser(f.inst.ID, u.ID); err != nil {
						return err
					}
				}
				return nil
			})
		})
	}
}

// countIn counts the users of list whose usernames are among names.
func countIn(names []string, list []connectdir.User) int {
	n := 0
	for _, u := range list {
		if slices.Contains(names, u.Username) {
			n++
		}
	}
	return n
}

// testPagesKeepEveryCharacter reads a user whose strings hold what JSON escapes or nests (quotes,
// backslashes, control characters, brackets, characters beyond the BMP) through every page
// query: each must give the user exactly as GetUser does and as it was written.
func testPagesKeepEveryCharacter(t *testing.T, e *env) {
	f := e.rawInstance(t, "i-chars")
	g := f.group(e, "chars-g", "G", nil)
	e.insertGroups(t, g)
	u := f.user(e, "chars-u", `odd"user\name`)
	u.IdentityInfo = connectdir.IdentityInfo{FirstName: "Zoë \"Q\" \\ 😀 \u2028", LastName: "tab\there\nnew\x01line\x1f]},[{", Email: `a"b@example.com`,
		SecondaryEmail: "null", Mobile: "+1 [2]"}
	u.HierarchyGroupID, u.HierarchyPath = g.ID, g.Path
	u.PhoneConfig.DeskPhoneNumber = `{"x":1}`
	e.insertUsers(t, u)
	tags := map[string]string{`k"ey`: `{"a":[1,"]"]}`, "back\\slash": "\x02stx", "emoji": "😀"}
	e.update(t, func(tx connectdir.Tx) error { return tx.TagResource(f.inst.ID, u.ID, tags) })
	want := e.getUser(t, f.inst.ID, u.ID)
	if want.IdentityInfo != u.IdentityInfo || want.PhoneConfig.DeskPhoneNumber != u.PhoneConfig.DeskPhoneNumber || !reflect.DeepEqual(want.Tags, tags) {
		t.Fatalf("GetUser gave %+v %q %q, want what was written", want.IdentityInfo, want.PhoneConfig.DeskPhoneNumber, want.Tags)
	}
	pages := map[string]func(tx connectdir.Tx) ([]connectdir.User, error){
		"ListUsers": func(tx connectdir.Tx) ([]connectdir.User, error) { return tx.ListUsers(f.inst.ID, "", 10) },
		"SearchUsers by id": func(tx connectdir.Tx) ([]connectdir.User, error) {
			users, _, err := tx.SearchUsers(f.inst.ID, connectdir.Cond{}, connectdir.SearchKey{}, 10)
			return users, err
		},
		"SearchUsers by path": func(tx connectdir.Tx) ([]connectdir.User, error) {
			users, _, err := tx.SearchUsers(f.inst.ID, connectdir.Cond{Op: connectdir.OpGroup, GroupPath: g.Path, WithChildren: true}, connectdir.SearchKey{}, 10)
			return users, err
		},
		"SearchUsers by tag": func(tx connectdir.Tx) ([]connectdir.User, error) {
			users, _, err := tx.SearchUsers(f.inst.ID, tag("emoji", "😀"), connectdir.SearchKey{}, 10)
			return users, err
		},
	}
	for name, page := range pages {
		users := read(t, e, page)
		if len(users) != 1 {
			t.Errorf("%s: %d users, want 1", name, len(users))
			continue
		}
		equal(t, name, users[0], want)
	}
}

package sqlstore

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/connectdir/connectdir"
)

// ---- instances ----

const instanceCols = `id, arn, alias, identity_type, directory_id, inbound, outbound, status, created_us`

func scanInstance(sc interface{ Scan(...any) error }) (connectdir.Instance, error) {
	var i connectdir.Instance
	var in, out int
	var created int64
	err := sc.Scan(&i.ID, &i.ARN, &i.Alias, &i.IdentityManagementType, &i.DirectoryID, &in, &out, &i.Status, &created)
	i.InboundCallsEnabled, i.OutboundCallsEnabled, i.CreatedTime = in == 1, out == 1, fromUS(created)
	return i, err
}

func (t *tx) InsertInstance(i connectdir.Instance) error {
	_, err := t.exec(`INSERT INTO instances (`+instanceCols+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`,
		i.ID, i.ARN, i.Alias, i.IdentityManagementType, i.DirectoryID, b2i(i.InboundCallsEnabled), b2i(i.OutboundCallsEnabled), i.Status, us(i.CreatedTime))
	return err
}

func (t *tx) GetInstance(id string) (connectdir.Instance, error) {
	i, err := scanInstance(t.row(`SELECT `+instanceCols+` FROM instances WHERE id = $1`, id))
	if err != nil {
		return i, noRows(err)
	}
	i.Tags, err = t.Tags(id, id)
	return i, err
}

func (t *tx) ListInstances(after string, limit int) ([]connectdir.Instance, error) {
	rows, err := t.query(`SELECT `+instanceCols+` FROM instances WHERE id > $1 ORDER BY id LIMIT $2`, after, limit)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanInstance)
}

func (t *tx) CountInstances() (n int, err error) {
	err = t.row(`SELECT count(*) FROM instances`).Scan(&n)
	return n, err
}

func (t *tx) DeleteInstance(id string) error {
	// Groups reference their parents; delete the users first, then groups deepest first, so no
	// foreign key sees a dangling row on the way.
	for _, q := range []string{
		`DELETE FROM users WHERE instance_id = $1`,
		`DELETE FROM hierarchy_groups WHERE instance_id = $1 AND level = 5`,
		`DELETE FROM hierarchy_groups WHERE instance_id = $1 AND level = 4`,
		`DELETE FROM hierarchy_groups WHERE instance_id = $1 AND level = 3`,
		`DELETE FROM hierarchy_groups WHERE instance_id = $1 AND level = 2`,
		`DELETE FROM hierarchy_groups WHERE instance_id = $1`,
		`DELETE FROM instances WHERE id = $1`,
	} {
		if _, err := t.exec(q, id); err != nil {
			return err
		}
	}
	return nil
}

// ---- profiles ----

const routingCols = `instance_id, id, arn, name, description, default_queue, is_default, modified_us, region`

func scanRouting(sc interface{ Scan(...any) error }) (connectdir.RoutingProfile, error) {
	var p connectdir.RoutingProfile
	var def int
	var mod int64
	err := sc.Scan(&p.InstanceID, &p.ID, &p.ARN, &p.Name, &p.Description, &p.DefaultOutboundQueueID, &def, &mod, &p.LastModifiedRegion)
	p.IsDefault, p.LastModifiedTime = def == 1, fromUS(mod)
	return p, err
}

func (t *tx) InsertRoutingProfile(p connectdir.RoutingProfile) error {
	_, err := t.exec(`INSERT INTO routing_profiles (`+routingCols+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`,
		p.InstanceID, p.ID, p.ARN, p.Name, p.Description, p.DefaultOutboundQueueID, b2i(p.IsDefault), us(p.LastModifiedTime), p.LastModifiedRegion)
	return err
}

func (t *tx) GetRoutingProfile(instanceID, id string) (connectdir.RoutingProfile, error) {
	p, err := scanRouting(t.row(`SELECT `+routingCols+` FROM routing_profiles WHERE instance_id = $1 AND id = $2`, instanceID, id))
	if err != nil {
		return p, noRows(err)
	}
	p.Tags, err = t.Tags(instanceID, id)
	return p, err
}

func (t *tx) ListRoutingProfiles(instanceID, after string, limit int) ([]connectdir.RoutingProfile, error) {
	rows, err := t.query(`SELECT `+routingCols+` FROM routing_profiles WHERE instance_id = $1 AND id > $2 ORDER BY id LIMIT $3`, instanceID, after, limit)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanRouting)
}

func (t *tx) CountUsersWithRoutingProfile(instanceID, id string) (n int64, err error) {
	err = t.row(`SELECT count(*) FROM users WHERE instance_id = $1 AND routing_profile_id = $2`, instanceID, id).Scan(&n)
	return n, err
}

const securityCols = `instance_id, id, arn, name, description, modified_us, region`

func scanSecurity(sc interface{ Scan(...any) error }) (connectdir.SecurityProfile, error) {
	var p connectdir.SecurityProfile
	var mod int64
	err := sc.Scan(&p.InstanceID, &p.ID, &p.ARN, &p.Name, &p.Description, &mod, &p.LastModifiedRegion)
	p.LastModifiedTime = fromUS(mod)
	return p, err
}

func (t *tx) InsertSecurityProfile(p connectdir.SecurityProfile) error {
	_, err := t.exec(`INSERT INTO security_profiles (`+securityCols+`) VALUES ($1,$2,$3,$4,$5,$6,$7)`,
		p.InstanceID, p.ID, p.ARN, p.Name, p.Description, us(p.LastModifiedTime), p.LastModifiedRegion)
	return err
}

func (t *tx) GetSecurityProfile(instanceID, id string) (connectdir.SecurityProfile, error) {
	p, err := scanSecurity(t.row(`SELECT `+securityCols+` FROM security_profiles WHERE instance_id = $1 AND id = $2`, instanceID, id))
	if err != nil {
		return p, noRows(err)
	}
	p.Tags, err = t.Tags(instanceID, id)
	return p, err
}

func (t *tx) ListSecurityProfiles(instanceID, after string, limit int) ([]connectdir.SecurityProfile, error) {
	rows, err := t.query(`SELECT `+securityCols+` FROM security_profiles WHERE instance_id = $1 AND id > $2 ORDER BY id LIMIT $3`, instanceID, after, limit)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanSecurity)
}

// ---- users ----

// userColumns are the columns scanUser reads, in its order.
var userColumns = []string{"instance_id", "id", "arn", "username", "first_name", "last_name", "email", "secondary_email", "mobile",
	"directory_user_id", "phone_type", "auto_accept", "acw_limit", "desk_phone", "persistent", "security_profile_ids",
	"routing_profile_id", "COALESCE(%shierarchy_group_id, '')", "hierarchy_path", "channel_configs", "modified_us", "region"}

// userCols selects userColumns from users; userColsU and userColsP from users aliased u or p,
// beside other tables.
var userCols, userColsU, userColsP = selectUserCols(""), selectUserCols("u."), selectUserCols("p.")

func selectUserCols(prefix string) string {
	cols := make([]string, len(userColumns))
	for i, c := range userColumns {
		if strings.Contains(c, "%s") {
			cols[i] = fmt.Sprintf(c, prefix)
		} else {
			cols[i] = prefix + c
		}
	}
	return strings.Join(cols, ", ")
}

// channelConfigs is how the per-channel settings are kept: one JSON column, since they are only
// ever read and written whole.
type channelConfigs struct {
	AutoAccept           []connectdir.AutoAcceptConfig           `json:"aa,omitempty"`
	AfterContactWork     []connectdir.AfterContactWorkConfig     `json:"acw,omitempty"`
	PhoneNumber          []connectdir.PhoneNumberConfig          `json:"pn,omitempty"`
	PersistentConnection []connectdir.PersistentConnectionConfig `json:"pc,omitempty"`
	VoiceEnhancement     []connectdir.VoiceEnhancementConfig     `json:"ve,omitempty"`
}

func scanUser(sc interface{ Scan(...any) error }) (connectdir.User, error) {
	var u connectdir.User
	var autoAccept, acw int
	var persistent sql.NullInt64
	var sps, configs string
	var mod int64
	err := sc.Scan(&u.InstanceID, &u.ID, &u.ARN, &u.Username, &u.IdentityInfo.FirstName, &u.IdentityInfo.LastName,
		&u.IdentityInfo.Email, &u.IdentityInfo.SecondaryEmail, &u.IdentityInfo.Mobile, &u.DirectoryUserID,
		&u.PhoneConfig.PhoneType, &autoAccept, &acw, &u.PhoneConfig.DeskPhoneNumber, &persistent, &sps,
		&u.RoutingProfileID, &u.HierarchyGroupID, &u.HierarchyPath, &configs, &mod, &u.LastModifiedRegion)
	if err != nil {
		return u, err
	}
	u.PhoneConfig.AutoAccept = autoAccept == 1
	u.PhoneConfig.AfterContactWorkTimeLimit = int32(acw)
	if persistent.Valid {
		v := persistent.Int64 == 1
		u.PhoneConfig.PersistentConnection = &v
	}
	u.LastModifiedTime = fromUS(mod)
	if u.SecurityProfileIDs, err = securityProfileMemo.decode(sps); err != nil {
		return u, err
	}
	cc, err := channelConfigMemo.decode(configs)
	if err != nil {
		return u, err
	}
	u.AutoAcceptConfigs, u.AfterContactWorkConfigs, u.PhoneNumberConfigs = cc.AutoAccept, cc.AfterContactWork, cc.PhoneNumber
	u.PersistentConnectionConfigs, u.VoiceEnhancementConfigs = cc.PersistentConnection, cc.VoiceEnhancement
	// The decoded values are the memo's, shared by every user with the same column: the user gets
	// copies, which its caller may change.
	return cloneUser(u), nil
}

// The two JSON columns of users take few distinct values across an instance (combinations of
// its security profiles, default channel settings), and decoding them was the largest cost of a
// page of users after SQLite itself: each distinct value is decoded once.
var (
	securityProfileMemo jsonMemo[[]string]
	channelConfigMemo   jsonMemo[channelConfigs]
)

// jsonMemo maps a JSON text to its decoded value, for at most memoMax texts (beyond them it
// decodes every time). The values it hands out are shared: copy before changing them.
type jsonMemo[T any] struct {
	m sync.Map // string → T
	n atomic.Int32
}

const memoMax = 4096

func (m *jsonMemo[T]) decode(text string) (T, error) {
	if v, ok := m.m.Load(text); ok {
		return v.(T), nil
	}
	var v T
	if err := json.Unmarshal([]byte(text), &v); err != nil {
		return v, err
	}
	if m.n.Load() < memoMax {
		if _, loaded := m.m.LoadOrStore(text, v); !loaded {
			m.n.Add(1)
		}
	}
	return v, nil
}

// userValues are the mutable columns of a user, in the order of userSets.
func userValues(u connectdir.User) ([]any, error) {
	sps, err := json.Marshal(u.SecurityProfileIDs)
	if err != nil {
		return nil, err
	}
	cc, err := json.Marshal(channelConfigs{u.AutoAcceptConfigs, u.AfterContactWorkConfigs, u.PhoneNumberConfigs,
		u.PersistentConnectionConfigs, u.VoiceEnhancementConfigs})
	if err != nil {
		return nil, err
	}
	var persistent any
	if p := u.PhoneConfig.PersistentConnection; p != nil {
		persistent = b2i(*p)
	}
	var group any
	if u.HierarchyGroupID != "" {
		group = u.HierarchyGroupID
	}
	id := u.IdentityInfo
	return []any{id.FirstName, strings.ToLower(id.FirstName), id.LastName, strings.ToLower(id.LastName), id.Email,
		id.SecondaryEmail, id.Mobile, u.DirectoryUserID, u.PhoneConfig.PhoneType, b2i(u.PhoneConfig.AutoAccept),
		u.PhoneConfig.AfterContactWorkTimeLimit, u.PhoneConfig.DeskPhoneNumber, persistent, string(sps),
		u.RoutingProfileID, group, u.HierarchyPath, string(cc), us(u.LastModifiedTime), u.LastModifiedRegion}, nil
}

var userSets = []string{"first_name", "first_lc", "last_name", "last_lc", "email", "secondary_email", "mobile",
	"directory_user_id", "phone_type", "auto_accept", "acw_limit", "desk_phone", "persistent", "security_profile_ids",
	"routing_profile_id", "hierarchy_group_id", "hierarchy_path", "channel_configs", "modified_us", "region"}

func placeholders(from, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("$" + strconv.Itoa(from+i))
	}
	return b.String()
}

var insertUserSQL = `INSERT INTO users (instance_id, id, arn, username, username_lc, password_hash, ` +
	strings.Join(userSets, ", ") + `) VALUES (` + placeholders(1, 6+len(userSets)) + `)`

func (t *tx) InsertUser(u connectdir.User, passwordHash string) error {
	vals, err := userValues(u)
	if err != nil {
		return err
	}
	args := append([]any{u.InstanceID, u.ID, u.ARN, u.Username, strings.ToLower(u.Username), passwordHash}, vals...)
	_, err = t.exec(insertUserSQL, args...)
	return err
}

var updateUserSQL = func() string {
	sets := make([]string, len(userSets))
	for i, c := range userSets {
		sets[i] = c + " = $" + strconv.Itoa(i+3)
	}
	return `UPDATE users SET ` + strings.Join(sets, ", ") + ` WHERE instance_id = $1 AND id = $2`
}()

func (t *tx) UpdateUser(u connectdir.User) error {
	vals, err := userValues(u)
	if err != nil {
		return err
	}
	_, err = t.exec(updateUserSQL, append([]any{u.InstanceID, u.ID}, vals...)...)
	return err
}

func (t *tx) GetUser(instanceID, id string) (connectdir.User, error) {
	if t.reads != nil {
		return t.reads.get(t.ctx, instanceID, id)
	}
	g, cacheable := t.users.snapshot()
	k := userKey{instanceID, id}
	if cacheable {
		if u, ok := t.users.get(g, k); ok {
			return u, nil
		}
	}
	u, err := t.userWithTags(`u.instance_id = $1 AND u.id = $2`, instanceID, id)
	if err == nil && cacheable {
		t.users.put(g, k, u)
	}
	return u, err
}

func (t *tx) GetUserByUsername(instanceID, username string) (connectdir.User, error) {
	return t.userWithTags(`u.instance_id = $1 AND u.username = $2`, instanceID, username)
}

// userWithTags reads one user and its tags in one statement and one row: the tags come as one
// JSON object (dialect.tagObject), through the tags primary key. A join gave a row per tag, each
// repeating the user's columns, which PostgreSQL sent and pgx decoded again.
func (t *tx) userWithTags(where string, args ...any) (connectdir.User, error) {
	users, err := t.taggedUsers(`SELECT `+userColsU+`, `+t.d.tagObject("u")+` FROM users u WHERE `+where, args...)
	if err != nil {
		return connectdir.User{}, err
	}
	if len(users) == 0 {
		return connectdir.User{}, connectdir.ErrNoRows
	}
	return users[0], nil
}

// scanWith scans a row's first columns into what its caller asks for and the rest into extra.
type scanWith struct {
	rows  interface{ Scan(...any) error }
	extra []any
}

func (s scanWith) Scan(dest ...any) error { return s.rows.Scan(append(dest, s.extra...)...) }

func (t *tx) UsernameTaken(instanceID, username string) (bool, error) {
	var n int
	err := t.row(`SELECT count(*) FROM users WHERE instance_id = $1 AND username = $2`, instanceID, username).Scan(&n)
	return n > 0, err
}

func (t *tx) DeleteUser(instanceID, id string) error {
	if _, err := t.exec(`DELETE FROM tags WHERE instance_id = $1 AND resource_id = $2`, instanceID, id); err != nil {
		return err
	}
	_, err := t.exec(`DELETE FROM users WHERE instance_id = $1 AND id = $2`, instanceID, id)
	return err
}

func (t *tx) ListUsers(instanceID, after string, limit int) ([]connectdir.User, error) {
	return t.taggedUsers(`SELECT `+userColsU+`, `+t.d.tagObject("u")+` FROM users u WHERE u.instance_id = $1 AND u.username > $2 ORDER BY u.username LIMIT $3`, instanceID, after, limit)
}

// taggedUsers runs a query selecting userColumns and then the user's tags as one JSON object
// (dialect.tagObject): a page's tags come in its own rows, through the tags primary key, instead
// of a second query and a row per tag.
func (t *tx) taggedUsers(query string, args ...any) ([]connectdir.User, error) {
	rows, err := t.query(query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var users []connectdir.User
	var tags string
	for rows.Next() {
		u, err := scanUser(scanWith{rows, []any{&tags}})
		if err != nil {
			return nil, err
		}
		if u.Tags, err = decodeTags(tags); err != nil {
			return nil, err
		}
		users = append(users, u)
	}
	return users, rows.Err()
}

// decodeTags reads a tagObject; no tags is a nil map, as Tags gives it. A page decodes one per
// user (500), where encoding/json's reflection and copying was a tenth of the store's time: an
// object whose strings hold no escape is read directly, its keys and values substrings of obj.
func decodeTags(obj string) (map[string]string, error) {
	if obj == "" || obj == "{}" {
		return nil, nil
	}
	if m, ok := plainObject(obj); ok {
		return m, nil
	}
	m := make(map[string]string, 2)
	err := json.Unmarshal([]byte(obj), &m)
	return m, err
}

// plainObject reads a JSON object of strings without escapes, as SQLite's json_group_object
// and PostgreSQL's json_object_agg write it (the latter with spaces around ':' and ','); ok is
// false for anything else, which encoding/json then reads.
func plainObject(s string) (m map[string]string, ok bool) {
	i := 0
	skip := func() {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
			i++
		}
	}
	str := func() (string, bool) {
		if i >= len(s) || s[i] != '"' {
			return "", false
		}
		end := strings.IndexAny(s[i+1:], `"\`)
		if end < 0 || s[i+1+end] != '"' {
			return "", false
		}
		v := s[i+1 : i+1+end]
		i += end + 2
		return v, true
	}
	skip()
	if i >= len(s) || s[i] != '{' {
		return nil, false
	}
	i++
	m = make(map[string]string, 2)
	for {
		skip()
		k, ok := str()
		if !ok {
			return nil, false
		}
		skip()
		if i >= len(s) || s[i] != ':' {
			return nil, false
		}
		i++
		skip()
		v, ok := str()
		if !ok {
			return nil, false
		}
		m[k] = v
		skip()
		if i >= len(s) {
			return nil, false
		}
		switch s[i] {
		case ',':
			i++
		case '}':
			i++
			skip()
			return m, i == len(s)
		default:
			return nil, false
		}
	}
}

func (t *tx) ListUserSummaries(instanceID, after string, limit int) ([]connectdir.User, error) {
	rows, err := t.query(`SELECT id, arn, username, modified_us, region FROM users WHERE instance_id = $1 AND username > $2 ORDER BY username LIMIT $3`, instanceID, after, limit)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(sc interface{ Scan(...any) error }) (connectdir.User, error) {
		u := connectdir.User{InstanceID: instanceID}
		var mod int64
		err := sc.Scan(&u.ID, &u.ARN, &u.Username, &mod, &u.LastModifiedRegion)
		u.LastModifiedTime = fromUS(mod)
		return u, err
	})
}

func (t *tx) SearchUsers(instanceID string, c connectdir.Cond, after connectdir.SearchKey, limit int) ([]connectdir.User, int64, error) {
	args := []any{instanceID}
	where := compile(c, &args, nil)
	var total int64
	if err := t.row(`SELECT count(*) FROM users u WHERE u.instance_id = $1 AND `+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	if c.PathOrdered() {
		// The group's users are one range of users_path (instance_id, hierarchy_path, id), read
		// in its order from after on: a page reads its own entries and sorts nothing.
		args = []any{instanceID}
		where = compile(c, &args, &after)
		users, err := t.taggedUsers(`SELECT `+userColsU+`, `+t.d.tagObject("u")+` FROM users u WHERE u.instance_id = $1 AND `+where+
			` ORDER BY u.hierarchy_path, u.id LIMIT $`+strconv.Itoa(len(args)+1), append(args, limit)...)
		return users, total, err
	}
	n := len(args)
	args = append(args, after.ID, limit)
	page := `SELECT ` + userColsU + `, ` + t.d.tagObject("u") + ` FROM users u WHERE u.instance_id = $1 AND ` + where +
		` AND u.id > $` + strconv.Itoa(n+1) + ` ORDER BY u.id LIMIT $` + strconv.Itoa(n+2)
	if total <= sortedRangeMax && narrowsByIndex(c) {
		// Walking users_list in id order and skipping non-matches (what SQLite picks, having no
		// statistics) reads the whole instance for a few tagged users. Sorting the matches' ids
		// off the tag index costs the matches, which the count has just bounded; "|| ''" keeps
		// any index from serving the ORDER BY, so the planner takes the tag index.
		page = `SELECT ` + userColsP + `, ` + t.d.tagObject("p") + ` FROM users p WHERE p.id IN (SELECT u.id FROM users u WHERE u.instance_id = $1 AND ` + where +
			` AND u.id > $` + strconv.Itoa(n+1) + ` ORDER BY u.id || '' LIMIT $` + strconv.Itoa(n+2) + `) ORDER BY p.id`
	}
	users, err := t.taggedUsers(page, args...)
	return users, total, err
}

// sortedRangeMax bounds the matches SearchUsers sorts rather than finds in id order.
const sortedRangeMax = 20_000

// narrowsByIndex says whether c is, or requires, a tag condition: one an index answers with its
// matches alone. (A required group condition orders the search by path: Cond.PathOrdered.)
func narrowsByIndex(c connectdir.Cond) bool {
	switch c.Op {
	case connectdir.OpTag:
		return true
	case connectdir.OpAnd:
		return slices.ContainsFunc(c.Children, narrowsByIndex)
	}
	return false
}

// compile turns a condition tree into SQL over the users table aliased u, appending its
// parameters to args. A non-nil after (a path-ordered page's start) is folded into the first
// group condition that c requires, as the lower bound of its range of users_path: given as a
// second condition beside the group's own bound, SQLite keeps the group's bound and skips every
// earlier page's entries one by one.
func compile(c connectdir.Cond, args *[]any, after *connectdir.SearchKey) string {
	cp := compiler{args: args, after: after}
	return cp.compile(c)
}

type compiler struct {
	args  *[]any
	after *connectdir.SearchKey // nil once folded into a group condition
}

func (cp *compiler) arg(v any) string {
	*cp.args = append(*cp.args, v)
	return "$" + strconv.Itoa(len(*cp.args))
}

func (cp *compiler) compile(c connectdir.Cond) string {
	switch c.Op {
	case connectdir.OpAnd, connectdir.OpOr:
		if len(c.Children) == 0 {
			return "1=1"
		}
		sep := " AND "
		after := cp.after
		if c.Op == connectdir.OpOr {
			// A group condition under an OR is not required: the bound cannot go there.
			sep, cp.after = " OR ", nil
		}
		parts := make([]string, len(c.Children))
		for i, ch := range c.Children {
			parts[i] = cp.compile(ch)
		}
		if c.Op == connectdir.OpOr {
			cp.after = after
		}
		return "(" + strings.Join(parts, sep) + ")"
	case connectdir.OpString:
		col := map[string]string{
			connectdir.FieldUsername: "u.username_lc", connectdir.FieldFirstName: "u.first_lc",
			connectdir.FieldLastName: "u.last_lc", connectdir.FieldResourceID: "u.id",
			connectdir.FieldRoutingProfileID: "u.routing_profile_id",
		}[c.Field]
		if c.Field == connectdir.FieldSecurityProfileID {
			// The ids are kept as a JSON array of UUIDs; a quoted id cannot match part of another.
			return "u.security_profile_ids LIKE " + cp.arg(`%"`+likeEscape(c.Value)+`"%`) + ` ESCAPE '\'`
		}
		if col == "" {
			return "1=0"
		}
		switch c.Comparison {
		case "STARTS_WITH":
			return col + " LIKE " + cp.arg(likeEscape(c.Value)+"%") + ` ESCAPE '\'`
		case "CONTAINS":
			return col + " LIKE " + cp.arg("%"+likeEscape(c.Value)+"%") + ` ESCAPE '\'`
		default:
			return col + " = " + cp.arg(c.Value)
		}
	case connectdir.OpGroup:
		return cp.group(c)
	case connectdir.OpTag:
		// From the tag's index entries to the users, not from every user of the instance to its
		// tags: the cost follows the matches ($1 is the instance).
		return "u.id IN (SELECT t.resource_id FROM tags t WHERE t.instance_id = $1 AND t.key = " + cp.arg(c.TagKey) +
			" AND t.value = " + cp.arg(c.TagValue) + ")"
	case connectdir.OpProficiency:
		return proficiencyCond(c.Proficiency, cp.arg)
	}
	return "1=1"
}

// group compiles a group condition: one range of users_path, starting after cp.after when it is
// set (consumed here). Every path below "/a/b/" starts with it, and '0' is the byte after '/', so
// a subtree is the paths in ["/a/b/", "/a/b0").
func (cp *compiler) group(c connectdir.Cond) string {
	after := cp.after
	cp.after = nil
	if c.GroupPath == "" {
		return "1=0"
	}
	if !c.WithChildren {
		switch {
		case after == nil || after.Path < c.GroupPath:
			return "u.hierarchy_path = " + cp.arg(c.GroupPath)
		case after.Path == c.GroupPath:
			return "(u.hierarchy_path = " + cp.arg(c.GroupPath) + " AND u.id > " + cp.arg(after.ID) + ")"
		default:
			return "1=0" // the key is past the group
		}
	}
	hi := c.GroupPath[:len(c.GroupPath)-1] + "0"
	if after == nil || after.Path < c.GroupPath {
		return "(u.hierarchy_path >= " + cp.arg(c.GroupPath) + " AND u.hierarchy_path < " + cp.arg(hi) + ")"
	}
	return "((u.hierarchy_path, u.id) > (" + cp.arg(after.Path) + ", " + cp.arg(after.ID) + ") AND u.hierarchy_path < " + cp.arg(hi) + ")"
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func (t *tx) CountUsersByGroup(instanceID string) (map[string]int64, error) {
	rows, err := t.query(`SELECT hierarchy_group_id, count(*) FROM users WHERE instance_id = $1 AND hierarchy_group_id IS NOT NULL GROUP BY hierarchy_group_id`, instanceID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	m := map[string]int64{}
	for rows.Next() {
		var id string
		var n int64
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		m[id] = n
	}
	return m, rows.Err()
}

// ---- hierarchy ----

func (t *tx) GetLevels(instanceID string) ([]connectdir.HierarchyLevel, error) {
	rows, err := t.query(`SELECT level, arn, name, modified_us, region FROM hierarchy_levels WHERE instance_id = $1 ORDER BY level`, instanceID)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(sc interface{ Scan(...any) error }) (connectdir.HierarchyLevel, error) {
		var l connectdir.HierarchyLevel
		var mod int64
		err := sc.Scan(&l.Number, &l.ARN, &l.Name, &mod, &l.LastModifiedRegion)
		l.LastModifiedTime = fromUS(mod)
		return l, err
	})
}

func (t *tx) PutLevels(instanceID string, levels []connectdir.HierarchyLevel) error {
	if _, err := t.exec(`DELETE FROM hierarchy_levels WHERE instance_id = $1`, instanceID); err != nil {
		return err
	}
	for _, l := range levels {
		if _, err := t.exec(`INSERT INTO hierarchy_levels (instance_id, level, arn, name, modified_us, region) VALUES ($1,$2,$3,$4,$5,$6)`,
			instanceID, l.Number, l.ARN, l.Name, us(l.LastModifiedTime), l.LastModifiedRegion); err != nil {
			return err
		}
	}
	return nil
}

const groupCols = `instance_id, id, arn, name, level, parent_key, path, modified_us, region`

func scanGroup(sc interface{ Scan(...any) error }) (connectdir.HierarchyGroup, error) {
	var g connectdir.HierarchyGroup
	var mod int64
	err := sc.Scan(&g.InstanceID, &g.ID, &g.ARN, &g.Name, &g.Level, &g.ParentID, &g.Path, &mod, &g.LastModifiedRegion)
	g.LastModifiedTime = fromUS(mod)
	return g, err
}

func (t *tx) InsertGroup(g connectdir.HierarchyGroup) error {
	var parent any
	if g.ParentID != "" {
		parent = g.ParentID
	}
	_, err := t.exec(`INSERT INTO hierarchy_groups (instance_id, id, arn, name, level, parent_id, parent_key, path, modified_us, region)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)`,
		g.InstanceID, g.ID, g.ARN, g.Name, g.Level, parent, g.ParentID, g.Path, us(g.LastModifiedTime), g.LastModifiedRegion)
	return err
}

func (t *tx) GetGroup(instanceID, id string) (connectdir.HierarchyGroup, error) {
	g, err := scanGroup(t.row(`SELECT `+groupCols+` FROM hierarchy_groups WHERE instance_id = $1 AND id = $2`, instanceID, id))
	if err != nil {
		return g, noRows(err)
	}
	g.Tags, err = t.Tags(instanceID, id)
	return g, err
}

func (t *tx) GetGroups(instanceID string, ids []string) ([]connectdir.HierarchyGroup, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := []any{instanceID}
	for _, id := range ids {
		args = append(args, id)
	}
	rows, err := t.query(`SELECT `+groupCols+` FROM hierarchy_groups WHERE instance_id = $1 AND id IN (`+placeholders(2, len(ids))+`)`, args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanGroup)
}

func (t *tx) RenameGroup(instanceID, id, name string, at time.Time, region string) error {
	_, err := t.exec(`UPDATE hierarchy_groups SET name = $3, modified_us = $4, region = $5 WHERE instance_id = $1 AND id = $2`,
		instanceID, id, name, us(at), region)
	return err
}

func (t *tx) DeleteGroup(instanceID, id string) error {
	if _, err := t.exec(`DELETE FROM tags WHERE instance_id = $1 AND resource_id = $2`, instanceID, id); err != nil {
		return err
	}
	_, err := t.exec(`DELETE FROM hierarchy_groups WHERE instance_id = $1 AND id = $2`, instanceID, id)
	return err
}

func (t *tx) ListGroups(instanceID, after string, limit int) ([]connectdir.HierarchyGroup, error) {
	rows, err := t.query(`SELECT `+groupCols+` FROM hierarchy_groups WHERE instance_id = $1 AND id > $2 ORDER BY id LIMIT $3`, instanceID, after, limit)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanGroup)
}

func (t *tx) SiblingNamed(instanceID, parentID, name string) (string, error) {
	var id string
	err := t.row(`SELECT id FROM hierarchy_groups WHERE instance_id = $1 AND parent_key = $2 AND name = $3`, instanceID, parentID, name).Scan(&id)
	if err == sql.ErrNoRows {
		return "", nil
	}
	return id, err
}

func (t *tx) count(query string, args ...any) (n int64, err error) {
	err = t.row(query, args...).Scan(&n)
	return n, err
}

func (t *tx) CountGroups(instanceID string) (int64, error) {
	return t.count(`SELECT count(*) FROM hierarchy_groups WHERE instance_id = $1`, instanceID)
}

func (t *tx) CountUsers(instanceID string) (int64, error) {
	return t.count(`SELECT count(*) FROM users WHERE instance_id = $1`, instanceID)
}

func (t *tx) CountGroupsAtLevel(instanceID string, level int) (int64, error) {
	return t.count(`SELECT count(*) FROM hierarchy_groups WHERE instance_id = $1 AND level = $2`, instanceID, level)
}

func (t *tx) CountChildGroups(instanceID, id string) (int64, error) {
	return t.count(`SELECT count(*) FROM hierarchy_groups WHERE instance_id = $1 AND parent_id = $2`, instanceID, id)
}

func (t *tx) CountUsersInGroup(instanceID, id string) (int64, error) {
	return t.count(`SELECT count(*) FROM users WHERE instance_id = $1 AND hierarchy_group_id = $2`, instanceID, id)
}

// ---- tags ----

// TagResource writes all of a resource's new tags in one statement, keys in order so that a
// given number of tags is always the same statement text.
func (t *tx) TagResource(instanceID, resourceID string, tags map[string]string) error {
	if len(tags) == 0 {
		return nil
	}
	keys := slices.Sorted(maps.Keys(tags))
	args := make([]any, 0, 2+2*len(keys))
	args = append(args, instanceID, resourceID)
	var q strings.Builder
	q.WriteString(`INSERT INTO tags (instance_id, resource_id, key, value) VALUES `)
	for i, k := range keys {
		if i > 0 {
			q.WriteByte(',')
		}
		fmt.Fprintf(&q, "($1,$2,$%d,$%d)", 3+2*i, 4+2*i)
		args = append(args, k, tags[k])
	}
	q.WriteString(` ON CONFLICT (resource_id, key) DO UPDATE SET value = excluded.value`)
	_, err := t.exec(q.String(), args...)
	return err
}

func (t *tx) UntagResource(instanceID, resourceID string, keys []string) error {
	for _, k := range keys {
		if _, err := t.exec(`DELETE FROM tags WHERE instance_id = $1 AND resource_id = $2 AND key = $3`, instanceID, resourceID, k); err != nil {
			return err
		}
	}
	return nil
}

func (t *tx) Tags(instanceID, resourceID string) (map[string]string, error) {
	m, err := t.tagsOf(instanceID, []string{resourceID})
	return m[resourceID], err
}

// tagsOf loads the tags of many resources in one query, through the primary key (resource_id,
// key). The instance is checked on the rows it returns, not in the WHERE clause: given
// instance_id = ? as well, SQLite answers through tags_key, reading every tag of the instance for
// each page (80 ms for 100 ids at 100,000 users). The ids are padded to one of a few list
// lengths so that the statement cache holds a handful of shapes, not one per page size.
func (t *tx) tagsOf(instanceID string, ids []string) (map[string]map[string]string, error) {
	out := make(map[string]map[string]string, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	n := len(ids)
	for _, b := range idListLengths {
		if n <= b {
			n = b
			break
		}
	}
	args := make([]any, n)
	for i := range args {
		args[i] = "" // no resource has the empty id
		if i < len(ids) {
			args[i] = ids[i]
		}
	}
	rows, err := t.query(tagsByIDSQL(n), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var inst, id, k, v string
		if err := rows.Scan(&inst, &id, &k, &v); err != nil {
			return nil, err
		}
		if inst != instanceID {
			continue
		}
		if out[id] == nil {
			out[id] = map[string]string{}
		}
		out[id][k] = v
	}
	return out, rows.Err()
}

// idListLengths are the lengths tagsOf pads its id lists to (pages are at most 1,000).
var idListLengths = []int{1, 8, 64, 128, 256, 512, 1000}

var tagsSQL sync.Map // list length → query

func tagsByIDSQL(n int) string {
	if q, ok := tagsSQL.Load(n); ok {
		return q.(string)
	}
	q := `SELECT instance_id, resource_id, key, value FROM tags WHERE resource_id IN (` + placeholders(1, n) + `)`
	tagsSQL.Store(n, q)
	return q
}

// ---- credentials ----

func (t *tx) InsertAccessKey(k connectdir.AccessKey) error {
	_, err := t.exec(`INSERT INTO access_keys (id, secret_sealed, user_name, created_us, active) VALUES ($1,$2,$3,$4,$5)`,
		k.ID, k.SecretEncrypted, k.UserName, us(k.CreatedTime), k.Active)
	return err
}

func scanKey(sc interface{ Scan(...any) error }) (connectdir.AccessKey, error) {
	var k connectdir.AccessKey
	var created int64
	var lastUsed sql.NullInt64
	err := sc.Scan(&k.ID, &k.SecretEncrypted, &k.UserName, &created, &k.Active, &lastUsed)
	k.CreatedTime = fromUS(created)
	if lastUsed.Valid {
		k.LastUsedTime = fromUS(lastUsed.Int64)
	}
	return k, err
}

const keyColumns = `id, secret_sealed, user_name, created_us, active, last_used_us`

func (t *tx) GetAccessKey(id string) (connectdir.AccessKey, error) {
	k, err := scanKey(t.row(`SELECT `+keyColumns+` FROM access_keys WHERE id = $1`, id))
	return k, noRows(err)
}

func (t *tx) ListAccessKeys() ([]connectdir.AccessKey, error) {
	rows, err := t.query(`SELECT ` + keyColumns + ` FROM access_keys ORDER BY created_us, id`)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanKey)
}

func (t *tx) DeleteAccessKey(id string) error {
	return t.changedOne(t.exec(`DELETE FROM access_keys WHERE id = $1`, id))
}

func (t *tx) SetAccessKeyActive(id string, active bool) error {
	return t.changedOne(t.exec(`UPDATE access_keys SET active = $2 WHERE id = $1`, id, active))
}

func (t *tx) TouchAccessKey(id string, when time.Time) error {
	// Never moves back: replicas write their own, possibly older, observations.
	_, err := t.exec(`UPDATE access_keys SET last_used_us = $2 WHERE id = $1 AND (last_used_us IS NULL OR last_used_us < $2)`, id, us(when))
	return err
}

// changedOne turns a statement that changed no row into ErrNoRows.
func (t *tx) changedOne(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return connectdir.ErrNoRows
	}
	return nil
}

func (t *tx) InsertSessionKey(k connectdir.SessionKey, now time.Time) error {
	if _, err := t.exec(`DELETE FROM session_credentials WHERE expires_us < $1`, us(now)); err != nil {
		return err
	}
	_, err := t.exec(`INSERT INTO session_credentials (id, secret_sealed, token_hash, user_name, created_us, expires_us) VALUES ($1,$2,$3,$4,$5,$6)`,
		k.ID, k.SecretEncrypted, k.TokenHash, k.UserName, us(k.CreatedTime), us(k.Expiration))
	return err
}

func (t *tx) GetSessionKey(id string) (connectdir.SessionKey, error) {
	var k connectdir.SessionKey
	var created, expires int64
	err := t.row(`SELECT id, secret_sealed, token_hash, user_name, created_us, expires_us FROM session_credentials WHERE id = $1`, id).
		Scan(&k.ID, &k.SecretEncrypted, &k.TokenHash, &k.UserName, &created, &expires)
	k.CreatedTime, k.Expiration = fromUS(created), fromUS(expires)
	return k, noRows(err)
}

func (t *tx) InsertFederationToken(instanceID, userID string, accessHash, refreshHash []byte, tok connectdir.FederationToken) error {
	_, err := t.exec(`INSERT INTO federation_tokens (access_hash, refresh_hash, instance_id, user_id, access_exp, refresh_exp) VALUES ($1,$2,$3,$4,$5,$6)`,
		accessHash, refreshHash, instanceID, userID, us(tok.AccessTokenExpiration), us(tok.RefreshTokenExpiration))
	return err
}

func collect[T any](rows *sql.Rows, scan func(interface{ Scan(...any) error }) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

package storetest

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/connectdir/connectdir"
)

func testTags(t *testing.T, e *env) {
	f := e.rawInstance(t, "i-tags")
	other := e.rawInstance(t, "i-tags-other")
	in := f.inst.ID
	tags := func(t *testing.T, instanceID, resourceID string) map[string]string {
		t.Helper()
		return read(t, e, func(tx connectdir.Tx) (map[string]string, error) { return tx.Tags(instanceID, resourceID) })
	}
	steps := []struct {
		name string
		fn   func(tx connectdir.Tx) error
		want map[string]string
	}{
		{"first tags", func(tx connectdir.Tx) error {
			return tx.TagResource(in, "res-1", map[string]string{"a": "1", "b": "2"})
		},
			map[string]string{"a": "1", "b": "2"}},
		{"merge replaces and adds", func(tx connectdir.Tx) error {
			return tx.TagResource(in, "res-1", map[string]string{"b": "3", "c": "4"})
		},
			map[string]string{"a": "1", "b": "3", "c": "4"}},
		{"empty merge changes nothing", func(tx connectdir.Tx) error { return tx.TagResource(in, "res-1", nil) },
			map[string]string{"a": "1", "b": "3", "c": "4"}},
		{"keys are case-sensitive", func(tx connectdir.Tx) error { return tx.TagResource(in, "res-1", map[string]string{"A": "upper"}) },
			map[string]string{"a": "1", "A": "upper", "b": "3", "c": "4"}},
		{"untag, a missing key ignored", func(tx connectdir.Tx) error { return tx.UntagResource(in, "res-1", []string{"a", "missing"}) },
			map[string]string{"A": "upper", "b": "3", "c": "4"}},
		{"untag and tag in one transaction", func(tx connectdir.Tx) error {
			if err := tx.UntagResource(in, "res-1", []string{"b", "c"}); err != nil {
				return err
			}
			return tx.TagResource(in, "res-1", map[string]string{"c": "5", "unicode ✓": "välue", "": "empty key"})
		}, map[string]string{"A": "upper", "c": "5", "unicode ✓": "välue", "": "empty key"}},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			e.update(t, s.fn)
			equal(t, "Tags", tags(t, in, "res-1"), s.want)
		})
	}
	t.Run("isolated", func(t *testing.T) {
		e.update(t, func(tx connectdir.Tx) error { return tx.TagResource(in, "res-2", map[string]string{"a": "other"}) })
		equal(t, "tags of another resource", tags(t, in, "res-2"), map[string]string{"a": "other"})
		if got := tags(t, in, "res-none"); len(got) != 0 {
			t.Errorf("tags of an untagged resource: %v", got)
		}
		if got := tags(t, other.inst.ID, "res-1"); len(got) != 0 {
			t.Errorf("tags through another instance: %v", got)
		}
		e.update(t, func(tx connectdir.Tx) error { return tx.UntagResource(in, "res-2", []string{"a"}) })
		if got := tags(t, in, "res-2"); len(got) != 0 {
			t.Errorf("tags after removing the only one: %v", got)
		}
		equal(t, "tags of the first resource", tags(t, in, "res-1")["A"], "upper")
	})
	t.Run("instance must exist", func(t *testing.T) {
		wantConflict(t, "TagResource in a missing instance", e.write(t, func(tx connectdir.Tx) error {
			return tx.TagResource("missing", "res", map[string]string{"a": "b"})
		}), "foreign")
	})
}

func testDirectoryTags(t *testing.T, e *env) {
	ctx := t.Context()
	di := e.dirInstance(t, "tags", map[string]string{"initial": "yes"})
	must(t, "UpdateHierarchyStructure", e.d.UpdateHierarchyStructure(ctx, di.inst.ID, [connectdir.MaxLevels]string{"One"}))
	g, err := e.d.CreateHierarchyGroup(ctx, di.inst.ID, "G", "", nil)
	must(t, "CreateHierarchyGroup", err)
	u := e.dirUser(t, di, "tagged", "", map[string]string{"from": "create"})

	for _, c := range []struct {
		name, arn string
		initial   map[string]string
	}{
		{"instance", di.inst.ARN, map[string]string{"initial": "yes"}},
		{"user", u.ARN, map[string]string{"from": "create"}},
		{"group", g.ARN, nil},
		{"routing profile", di.rp.ARN, nil},
		{"security profile", di.sps[2].ARN, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := e.d.ListTags(ctx, c.arn)
			must(t, "ListTags", err)
			if len(got) != len(c.initial) || len(c.initial) > 0 && !equalMaps(got, c.initial) {
				t.Errorf("initial tags: %v, want %v", got, c.initial)
			}
			must(t, "TagResource", e.d.TagResource(ctx, c.arn, map[string]string{"k1": "v1", "k2": "v2"}))
			must(t, "UntagResource", e.d.UntagResource(ctx, c.arn, []string{"k1"}))
			want := map[string]string{"k2": "v2"}
			for k, v := range c.initial {
				want[k] = v
			}
			got, err = e.d.ListTags(ctx, c.arn)
			must(t, "ListTags", err)
			equal(t, "tags", got, want)

			// Going over the limit is refused after the tags were written: the write must roll back.
			many := map[string]string{}
			for i := range connectdir.MaxTags {
				many[fmt.Sprintf("many-%02d", i)] = "x"
			}
			err = e.d.TagResource(ctx, c.arn, many)
			wantKind(t, "TagResource over the limit", err, connectdir.KindInvalidParameter)
			got, err = e.d.ListTags(ctx, c.arn)
			must(t, "ListTags", err)
			equal(t, "tags after a refused TagResource", got, want)
		})
	}
	for _, c := range []struct {
		what, arn string
		kind      connectdir.Kind
	}{
		{"missing user", di.inst.ARN + "/agent/missing", connectdir.KindNotFound},
		{"missing instance", arnPrefix + "missing", connectdir.KindNotFound},
		{"other account", "arn:aws:connect:" + region + ":999999999999:instance/" + di.inst.ID, connectdir.KindNotFound},
		{"not an ARN", "nonsense", connectdir.KindInvalidParameter},
		{"untaggable type", di.inst.ARN + "/queue/q1", connectdir.KindInvalidParameter},
	} {
		wantKind(t, "TagResource of a "+c.what, e.d.TagResource(ctx, c.arn, map[string]string{"a": "b"}), c.kind)
		_, err := e.d.ListTags(ctx, c.arn)
		wantKind(t, "ListTags of a "+c.what, err, c.kind)
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func testAccessKeys(t *testing.T, e *env) {
	ctx := t.Context()
	t.Run("Tx", func(t *testing.T) {
		late := connectdir.AccessKey{ID: "AKIAAAAAAAAAAAAAAAA1", SecretEncrypted: []byte{0, 1, 2, 0xff, 0}, UserName: "late", CreatedTime: e.clock.Advance()}
		early := connectdir.AccessKey{ID: "AKIAZZZZZZZZZZZZZZZ2", SecretEncrypted: bytes.Repeat([]byte{0xab}, 60), UserName: "early", CreatedTime: late.CreatedTime.Add(-1e9)}
		e.update(t, func(tx connectdir.Tx) error {
			if err := tx.InsertAccessKey(late); err != nil {
				return err
			}
			return tx.InsertAccessKey(early)
		})
		for _, k := range []connectdir.AccessKey{late, early} {
			got := read(t, e, func(tx connectdir.Tx) (connectdir.AccessKey, error) { return tx.GetAccessKey(k.ID) })
			equal(t, "GetAccessKey", got, k)
		}
		wantNoRows(t, "GetAccessKey of a missing id", readErr(t, e, func(tx connectdir.Tx) (connectdir.AccessKey, error) { return tx.GetAccessKey("AKIAMISSING") }))
		dup := late
		dup.UserName = "other"
		wantConflict(t, "InsertAccessKey of a taken id", e.write(t, func(tx connectdir.Tx) error { return tx.InsertAccessKey(dup) }), "unique")
		list := read(t, e, func(tx connectdir.Tx) ([]connectdir.AccessKey, error) { return tx.ListAccessKeys() })
		equal(t, "ListAccessKeys (oldest first)", list, []connectdir.AccessKey{early, late})

		// Disable, record uses (never moving back), enable, delete.
		used := e.clock.Advance()
		e.update(t, func(tx connectdir.Tx) error {
			if err := tx.SetAccessKeyActive(late.ID, true); err != nil {
				return err
			}
			if err := tx.TouchAccessKey(late.ID, used); err != nil {
				return err
			}
			return tx.TouchAccessKey(late.ID, used.Add(-time.Minute))
		})
		late.Active, late.LastUsedTime = true, used
		got := read(t, e, func(tx connectdir.Tx) (connectdir.AccessKey, error) { return tx.GetAccessKey(late.ID) })
		equal(t, "GetAccessKey after enable and uses", got, late)
		e.update(t, func(tx connectdir.Tx) error { return tx.DeleteAccessKey(early.ID) })
		wantNoRows(t, "GetAccessKey of a deleted key", readErr(t, e, func(tx connectdir.Tx) (connectdir.AccessKey, error) { return tx.GetAccessKey(early.ID) }))
		wantNoRows(t, "DeleteAccessKey of a deleted key", e.write(t, func(tx connectdir.Tx) error { return tx.DeleteAccessKey(early.ID) }))
		wantNoRows(t, "SetAccessKeyActive of a missing key", e.write(t, func(tx connectdir.Tx) error { return tx.SetAccessKeyActive("AKIAMISSING", false) }))
	})

	t.Run("Directory", func(t *testing.T) {
		e.clock.Advance()
		k, secret, err := e.d.CreateAccessKey(ctx, "admin")
		must(t, "CreateAccessKey", err)
		got, user, ok, err := e.d.AccessKeySecret(ctx, k.ID)
		must(t, "AccessKeySecret", err)
		if !ok || got != secret || user != "admin" {
			t.Errorf("AccessKeySecret = %q, %q, %v; want the secret, admin, true", got, user, ok)
		}
		e.clock.Advance()
		again, err := e.d.ImportAccessKey(ctx, k.ID, secret, "admin")
		must(t, "ImportAccessKey of the same pair", err)
		equal(t, "re-imported key", again, k)
		_, err = e.d.ImportAccessKey(ctx, k.ID, secret+"x", "admin")
		wantKind(t, "ImportAccessKey with another secret", err, connectdir.KindDuplicate)
		imported, err := e.d.ImportAccessKey(ctx, "BOOTSTRAPKEY00001", "bootstrap-secret-0001", "boot")
		must(t, "ImportAccessKey", err)
		_, _, ok, err = e.d.AccessKeySecret(ctx, "AKIAUNKNOWN0000000")
		if ok || err != nil {
			t.Errorf("AccessKeySecret of an unknown key: ok %v, err %v", ok, err)
		}
		keys, err := e.d.ListAccessKeys(ctx)
		must(t, "ListAccessKeys", err)
		var ids []string
		for _, lk := range keys {
			ids = append(ids, lk.ID)
			if lk.SecretEncrypted != nil {
				t.Errorf("ListAccessKeys shows the sealed secret of %s", lk.ID)
			}
		}
		if len(keys) < 2 || ids[len(ids)-2] != k.ID || ids[len(ids)-1] != imported.ID {
			t.Errorf("ListAccessKeys ids %v: want the created key, then the imported one, last", ids)
		}
	})
}

func testFederationTokens(t *testing.T, e *env) {
	f := e.rawInstance(t, "i-tok")
	u := f.user(e, "tok-u", "tok")
	u2 := f.user(e, "tok-u2", "tok2")
	e.insertUsers(t, u, u2)
	tok := connectdir.FederationToken{AccessTokenExpiration: e.clock.Now(), RefreshTokenExpiration: e.clock.Now().Add(1e12)}
	h := func(s string) []byte { return connectdir.TokenHash(s) }
	insert := func(user string, access, refresh []byte) error {
		return e.write(t, func(tx connectdir.Tx) error { return tx.InsertFederationToken(f.inst.ID, user, access, refresh, tok) })
	}
	must(t, "InsertFederationToken", insert(u.ID, h("a1"), h("r1")))
	must(t, "InsertFederationToken of a second pair", insert(u.ID, h("a2"), h("r2")))
	wantConflict(t, "InsertFederationToken of a taken access hash", insert(u2.ID, h("a1"), h("r3")), "unique")
	wantConflict(t, "InsertFederationToken of a taken refresh hash", insert(u2.ID, h("a3"), h("r1")), "unique")
	wantConflict(t, "InsertFederationToken for a missing user", insert("missing", h("a4"), h("r4")), "foreign")
	wantConflict(t, "InsertFederationToken in a missing instance", e.write(t, func(tx connectdir.Tx) error {
		return tx.InsertFederationToken("missing", u.ID, h("a5"), h("r5"), tok)
	}), "foreign")
	must(t, "InsertFederationToken after refusals", insert(u2.ID, h("a3"), h("r3")))

	// A user's tokens go with the user.
	e.update(t, func(tx connectdir.Tx) error { return tx.DeleteUser(f.inst.ID, u.ID) })
	must(t, "InsertFederationToken reusing a deleted user's hashes", insert(u2.ID, h("a1"), h("r1")))
	wantConflict(t, "InsertFederationToken of a live user's hash", insert(u2.ID, h("a3"), h("r9")), "unique")
}

func testSessionKeys(t *testing.T, e *env) {
	ctx := t.Context()
	now := e.clock.Advance()
	old := connectdir.SessionKey{ID: "ASIAOLD0000000000001", SecretEncrypted: []byte{1, 0, 2}, TokenHash: connectdir.TokenHash("old"),
		UserName: "admin", CreatedTime: now.Add(-2 * time.Hour), Expiration: now.Add(-time.Hour)}
	cur := connectdir.SessionKey{ID: "ASIACUR0000000000001", SecretEncrypted: []byte{3, 0, 4}, TokenHash: connectdir.TokenHash("cur"),
		UserName: "admin", CreatedTime: now, Expiration: now.Add(time.Hour)}
	e.update(t, func(tx connectdir.Tx) error { return tx.InsertSessionKey(old, old.CreatedTime) })
	e.update(t, func(tx connectdir.Tx) error { return tx.InsertSessionKey(cur, now) })
	equal(t, "GetSessionKey", read(t, e, func(tx connectdir.Tx) (connectdir.SessionKey, error) { return tx.GetSessionKey(cur.ID) }), cur)
	wantNoRows(t, "GetSessionKey of one expired before the last insert", readErr(t, e, func(tx connectdir.Tx) (connectdir.SessionKey, error) { return tx.GetSessionKey(old.ID) }))
	wantConflict(t, "InsertSessionKey of a taken id", e.write(t, func(tx connectdir.Tx) error { return tx.InsertSessionKey(cur, now) }), "unique")

	creds, err := e.d.GetSessionToken(ctx, "admin", 15*time.Minute)
	must(t, "GetSessionToken", err)
	if !connectdir.IsSessionKeyID(creds.AccessKeyID) || creds.SessionToken == "" || !creds.Expiration.After(e.d.CurrentTime()) {
		t.Errorf("GetSessionToken = %+v", creds)
	}
	k, secret, ok, err := e.d.SessionKey(ctx, creds.AccessKeyID)
	must(t, "SessionKey", err)
	if !ok || secret != creds.SecretAccessKey || k.UserName != "admin" || !bytes.Equal(k.TokenHash, connectdir.TokenHash(creds.SessionToken)) {
		t.Errorf("SessionKey = %+v %q %v", k, secret, ok)
	}
	if _, _, ok, err := e.d.SessionKey(ctx, "ASIAUNKNOWN000000001"); ok || err != nil {
		t.Errorf("SessionKey of an unknown id: ok %v, err %v", ok, err)
	}
}

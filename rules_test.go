package connectdir

import (
	"slices"
	"strings"
	"testing"
)

func TestCheckPasswordPolicy(t *testing.T) {
	for _, c := range []struct {
		password string
		ok       bool
	}{
		{"Passw0rd", true},
		{"Pässw0rd€ünïcödé", true},               // any non-space character counts toward the length
		{"Pa55" + strings.Repeat("w", 60), true}, // 64
		{"Pa55" + strings.Repeat("w", 61), false},
		{"Passw0r", false},   // 7
		{"password1", false}, // no uppercase
		{"PASSWORD1", false}, // no lowercase
		{"Password", false},  // no digit
		{"Pass w0rd", false}, // whitespace
		{"", false},
	} {
		err := CheckPasswordPolicy(c.password)
		if (err == nil) != c.ok {
			t.Errorf("CheckPasswordPolicy(%q) = %v, want ok=%v", c.password, err, c.ok)
		}
		if err != nil && KindOf(err) != KindInvalidParameter {
			t.Errorf("CheckPasswordPolicy(%q) kind = %v, want InvalidParameter", c.password, KindOf(err))
		}
	}
}

func TestPasswordHash(t *testing.T) {
	long := strings.Repeat("é", 60) + "Aa1" // 123 bytes: bcrypt would silently ignore the end
	h, err := HashPassword(long)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(h, long) || !strings.HasPrefix(h, "$argon2id$") {
		t.Fatalf("hash %q is not an argon2id PHC string free of the password", h)
	}
	if !CheckPassword(h, long) {
		t.Fatal("the password does not match its own hash")
	}
	if CheckPassword(h, long[:len(long)-1]+"2") {
		t.Fatal("a password differing in its last byte matches")
	}
	h2, _ := HashPassword(long)
	if h == h2 {
		t.Fatal("two hashes of one password are equal: no salt")
	}
}

func TestSealer(t *testing.T) {
	s, err := NewSealer([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := s.Seal("AKIA1", "secret-value")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(sealed), "secret-value") {
		t.Fatal("sealed secret holds the plaintext")
	}
	if got, err := s.Open("AKIA1", sealed); err != nil || got != "secret-value" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if _, err := s.Open("AKIA2", sealed); err == nil {
		t.Fatal("a secret sealed for one key id opens for another")
	}
	sealed[len(sealed)-1] ^= 1
	if _, err := s.Open("AKIA1", sealed); err == nil {
		t.Fatal("a tampered secret opens")
	}
	other, _ := NewSealer([]byte(strings.Repeat("x", 32)))
	sealed2, _ := s.Seal("AKIA1", "v")
	if _, err := other.Open("AKIA1", sealed2); err == nil {
		t.Fatal("a secret opens under another master key")
	}
	if _, err := NewSealer([]byte("short")); err == nil {
		t.Fatal("NewSealer accepted a short key")
	}
}

func TestGroupPath(t *testing.T) {
	p := GroupPath(GroupPath(GroupPath("", "a"), "b"), "c")
	if p != "/a/b/c/" {
		t.Fatalf("path = %q", p)
	}
	if ids := PathIDs(p); !slices.Equal(ids, []string{"a", "b", "c"}) {
		t.Fatalf("PathIDs = %v", ids)
	}
	if ids := PathIDs(""); len(ids) != 0 {
		t.Fatalf("PathIDs of no path = %v", ids)
	}
	// A subtree is a prefix: a sibling whose id starts with the same characters is not inside.
	if strings.HasPrefix(GroupPath("/a/", "bc"), GroupPath("/a/", "b")) {
		t.Fatal("path of /a/bc/ starts with the path of /a/b/")
	}
}

func TestNormalizePhoneKeepsVoiceInStep(t *testing.T) {
	// PhoneConfig given: the VOICE entries follow it.
	u := User{PhoneConfig: PhoneConfig{PhoneType: DeskPhone, DeskPhoneNumber: "+14155550100", AutoAccept: true, AfterContactWorkTimeLimit: 30},
		AutoAcceptConfigs: []AutoAcceptConfig{{Channel: "CHAT", AutoAccept: true}}}
	if err := normalizePhone(&u, true); err != nil {
		t.Fatal(err)
	}
	if len(u.AutoAcceptConfigs) != 2 || u.AutoAcceptConfigs[0] != (AutoAcceptConfig{Channel: "VOICE", AutoAccept: true}) {
		t.Fatalf("AutoAcceptConfigs = %+v", u.AutoAcceptConfigs)
	}
	if u.PhoneNumberConfigs[0] != (PhoneNumberConfig{Channel: "VOICE", PhoneType: DeskPhone, PhoneNumber: "+14155550100"}) {
		t.Fatalf("PhoneNumberConfigs = %+v", u.PhoneNumberConfigs)
	}
	// Per-channel configs given: PhoneConfig is derived from VOICE.
	v := User{AfterContactWorkConfigs: []AfterContactWorkConfig{{Channel: "VOICE", AfterContactWorkTimeLimit: 45}},
		PhoneNumberConfigs: []PhoneNumberConfig{{Channel: "VOICE", PhoneType: DeskPhone, PhoneNumber: "+14155550101"}}}
	if err := normalizePhone(&v, false); err != nil {
		t.Fatal(err)
	}
	if v.PhoneConfig.AfterContactWorkTimeLimit != 45 || v.PhoneConfig.PhoneType != DeskPhone || v.PhoneConfig.DeskPhoneNumber != "+14155550101" {
		t.Fatalf("PhoneConfig = %+v", v.PhoneConfig)
	}
	// A desk phone needs a number.
	w := User{PhoneConfig: PhoneConfig{PhoneType: DeskPhone}}
	if err := normalizePhone(&w, true); KindOf(err) != KindInvalidParameter {
		t.Fatalf("desk phone without number: %v", err)
	}
}

func TestCheckUsername(t *testing.T) {
	for _, c := range []struct {
		typ, name string
		ok        bool
	}{
		{IdentityExistingDirectory, strings.Repeat("a", 20), true},
		{IdentityExistingDirectory, strings.Repeat("a", 21), false},
		{IdentitySAML, strings.Repeat("a", 64), true},
		{IdentitySAML, strings.Repeat("a", 65), false},
		{IdentityConnectManaged, "jane.doe@example.com", true},
		{IdentityConnectManaged, "jane.doe@example", false},
		{IdentityConnectManaged, "bad user!", false},
		{IdentityExistingDirectory, "bad/user", false},
	} {
		err := CheckUsername(c.typ, c.name)
		if (err == nil) != c.ok || (err != nil && KindOf(err) != KindInvalidParameter) {
			t.Errorf("CheckUsername(%s, %q) = %v, want ok=%v", c.typ, c.name, err, c.ok)
		}
	}
}

package connectdir

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Directory enforces the rules of Amazon Connect's user directory over a Store. Each method is
// one Store transaction.
type Directory struct {
	Store     Store
	Region    string
	AccountID string
	Sealer    *Sealer
	Quotas    Quotas
	Now       func() time.Time // nil means time.Now
}

// Quotas are the service quotas a Directory enforces, as an AWS account has them; zero means no
// limit. They are off by default: set them to an account's quotas to test a script against them.
type Quotas struct {
	Instances         int // instances per account: ServiceQuotaExceededException beyond
	UsersPerInstance  int // LimitExceededException beyond
	GroupsPerInstance int // user hierarchy groups per instance: LimitExceededException beyond
	// Predefined attributes and security profiles per instance (the defaults included):
	// LimitExceededException beyond.
	AttributesPerInstance       int
	SecurityProfilesPerInstance int
}

// checkQuota refuses the creation of one more resource when count has reached quota.
func checkQuota(kind Kind, quota int, count func() (int64, error), what string) error {
	if quota <= 0 {
		return nil
	}
	n, err := count()
	if err != nil {
		return err
	}
	if n >= int64(quota) {
		return Errorf(kind, "The quota of %d %s is reached", quota, what)
	}
	return nil
}

// CurrentTime is the directory's clock (Now, or the system's), by which the API judges the
// expiry of what the directory issued.
func (d *Directory) CurrentTime() time.Time { return d.now() }

func (d *Directory) now() time.Time {
	if d.Now != nil {
		return d.Now().UTC()
	}
	return time.Now().UTC()
}

func (d *Directory) update(ctx context.Context, fn func(Tx) error) error {
	return d.Store.Update(ctx, fn)
}

func (d *Directory) view(ctx context.Context, fn func(Tx) error) error {
	return d.Store.View(ctx, fn)
}

// InstanceARN is the ARN of an instance; the other ARNs extend it.
func (d *Directory) InstanceARN(instanceID string) string {
	return fmt.Sprintf("arn:aws:connect:%s:%s:instance/%s", d.Region, d.AccountID, instanceID)
}

// ---- instances ----

// Default profiles every new instance has, as a real instance does.
var (
	DefaultRoutingProfile   = "Basic Routing Profile"
	DefaultSecurityProfiles = []string{"Admin", "Agent", "CallCenterManager", "QualityAnalyst"}
)

// CreateInstance makes an instance with the profiles a new Amazon Connect instance comes with.
func (d *Directory) CreateInstance(ctx context.Context, in Instance) (Instance, error) {
	switch in.IdentityManagementType {
	case IdentityConnectManaged, IdentitySAML:
	case IdentityExistingDirectory:
		if in.DirectoryID == "" {
			return Instance{}, invalidRequest("DirectoryId is required for EXISTING_DIRECTORY identity management")
		}
	default:
		return Instance{}, invalidParam("IdentityManagementType %q is not supported", in.IdentityManagementType)
	}
	if in.IdentityManagementType != IdentityExistingDirectory && in.DirectoryID != "" {
		return Instance{}, invalidRequest("DirectoryId can only be given for EXISTING_DIRECTORY identity management")
	}
	if in.ID == "" {
		in.ID = uuid.NewString()
	}
	in.ARN = d.InstanceARN(in.ID)
	in.Status = "ACTIVE"
	in.CreatedTime = d.now()
	err := d.update(ctx, func(tx Tx) error {
		if in.Alias != "" {
			all, err := tx.ListInstances("", 1<<30)
			if err != nil {
				return err
			}
			for _, other := range all {
				if strings.EqualFold(other.Alias, in.Alias) {
					return Errorf(KindInvalidRequest, "An instance with alias %s already exists", in.Alias)
				}
			}
		}
		if err := checkQuota(KindQuotaExceeded, d.Quotas.Instances, func() (int64, error) {
			n, err := tx.CountInstances()
			return int64(n), err
		}, "instances per account"); err != nil {
			return err
		}
		if err := tx.InsertInstance(in); err != nil {
			return err
		}
		if len(in.Tags) > 0 {
			if err := tx.TagResource(in.ID, in.ID, in.Tags); err != nil {
				return err
			}
		}
		now := in.CreatedTime
		rpID := uuid.NewString()
		if err := tx.InsertRoutingProfile(RoutingProfile{
			InstanceID: in.ID, ID: rpID, ARN: in.ARN + "/routing-profile/" + rpID,
			Name: DefaultRoutingProfile, Description: "Default routing profile", IsDefault: true,
			DefaultOutboundQueueID: uuid.NewString(), LastModifiedTime: now, LastModifiedRegion: d.Region,
		}); err != nil {
			return err
		}
		for _, name := range DefaultSecurityProfiles {
			id := uuid.NewString()
			if err := tx.InsertSecurityProfile(SecurityProfile{
				InstanceID: in.ID, ID: id, ARN: in.ARN + "/security-profile/" + id, Name: name,
				LastModifiedTime: now, LastModifiedRegion: d.Region,
			}); err != nil {
				return err
			}
			if err := tx.PutPermissions(in.ID, id, DefaultPermissions[name]); err != nil {
				return err
			}
		}
		return nil
	})
	return in, err
}

// DescribeInstance returns an instance with its tags.
func (d *Directory) DescribeInstance(ctx context.Context, id string) (inst Instance, err error) {
	err = d.view(ctx, func(tx Tx) error {
		inst, err = getInstance(tx, id)
		return err
	})
	return inst, err
}

// ListInstances pages instances by id.
func (d *Directory) ListInstances(ctx context.Context, after string, limit int) (list []Instance, err error) {
	err = d.view(ctx, func(tx Tx) error {
		list, err = tx.ListInstances(after, limit)
		return err
	})
	return list, err
}

// DeleteInstance removes an instance and everything in it.
func (d *Directory) DeleteInstance(ctx context.Context, id string) error {
	return d.update(ctx, func(tx Tx) error {
		if _, err := getInstance(tx, id); err != nil {
			return err
		}
		return tx.DeleteInstance(id)
	})
}

func getInstance(tx Tx, id string) (Instance, error) {
	inst, err := tx.GetInstance(id)
	if errors.Is(err, ErrNoRows) {
		return inst, notFound("Instance not found: %s", id)
	}
	return inst, err
}

// ---- profiles ----

// ListRoutingProfiles pages an instance's routing profiles by id.
func (d *Directory) ListRoutingProfiles(ctx context.Context, instanceID, after string, limit int) (list []RoutingProfile, err error) {
	err = d.view(ctx, func(tx Tx) error {
		if _, err := getInstance(tx, instanceID); err != nil {
			return err
		}
		list, err = tx.ListRoutingProfiles(instanceID, after, limit)
		return err
	})
	return list, err
}

// ListSecurityProfiles pages an instance's security profiles by id.
func (d *Directory) ListSecurityProfiles(ctx context.Context, instanceID, after string, limit int) (list []SecurityProfile, err error) {
	err = d.view(ctx, func(tx Tx) error {
		if _, err := getInstance(tx, instanceID); err != nil {
			return err
		}
		list, err = tx.ListSecurityProfiles(instanceID, after, limit)
		return err
	})
	return list, err
}

// DescribeRoutingProfile returns a routing profile and how many users it has.
func (d *Directory) DescribeRoutingProfile(ctx context.Context, instanceID, id string) (rp RoutingProfile, users int64, err error) {
	err = d.view(ctx, func(tx Tx) error {
		if _, err := getInstance(tx, instanceID); err != nil {
			return err
		}
		if rp, err = getRoutingProfile(tx, instanceID, id); err != nil {
			return err
		}
		users, err = tx.CountUsersWithRoutingProfile(instanceID, id)
		return err
	})
	return rp, users, err
}

// DescribeSecurityProfile returns a security profile.
func (d *Directory) DescribeSecurityProfile(ctx context.Context, instanceID, id string) (sp SecurityProfile, err error) {
	err = d.view(ctx, func(tx Tx) error {
		if _, err := getInstance(tx, instanceID); err != nil {
			return err
		}
		sp, err = getSecurityProfile(tx, instanceID, id)
		return err
	})
	return sp, err
}

// getRoutingProfile, getSecurityProfile and getUser turn a missing row into its NotFound refusal;
// callers check the instance first, once per call.
func getRoutingProfile(tx Tx, instanceID, id string) (RoutingProfile, error) {
	rp, err := tx.GetRoutingProfile(instanceID, id)
	if errors.Is(err, ErrNoRows) {
		return rp, notFound("RoutingProfile not found: %s", id)
	}
	return rp, err
}

func getSecurityProfile(tx Tx, instanceID, id string) (SecurityProfile, error) {
	sp, err := tx.GetSecurityProfile(instanceID, id)
	if errors.Is(err, ErrNoRows) {
		return sp, notFound("SecurityProfile not found: %s", id)
	}
	return sp, err
}

// ---- users ----

// usernameAlphabet is the documented username alphabet, [a-zA-Z0-9_-.\@]+.
var usernameAlphabet = regexp.MustCompile(`^[a-zA-Z0-9_\-.@]+$`)

// CheckUsername applies the API reference's username rules for an instance's identity
// management type: characters from [a-zA-Z0-9_-.\@], "@" only in an email form
// (testuser@example.com, not testuser@example), at most 64 characters with SAML. The reference
// gives 20 for "instances not using SAML": that is the sAMAccountName bound of an Active
// Directory, applied here to EXISTING_DIRECTORY only; CONNECT_MANAGED keeps the model's 100, as
// identity providers provision such instances with email usernames longer than 20 (Entra ID's
// SCIM test users among them).
func CheckUsername(identityType, username string) error {
	limit := 100
	switch identityType {
	case IdentitySAML:
		limit = 64
	case IdentityExistingDirectory:
		limit = 20
	}
	if n := utf8.RuneCountInString(username); n > limit {
		return invalidParam("Username must be at most %d characters for instances that use %s identity management", limit, identityType)
	}
	if !usernameAlphabet.MatchString(username) {
		return invalidParam("Username must consist of characters from [a-zA-Z0-9_-.@]")
	}
	if strings.Contains(username, "@") && (strings.Count(username, "@") != 1 || !ValidEmail(username)) {
		return invalidParam("Username can include @ only in an email format, such as testuser@example.com")
	}
	return nil
}

// CheckPasswordPolicy applies Amazon Connect's password policy: 8 to 64 characters, no
// whitespace, with at least one lowercase letter, one uppercase letter and one digit.
func CheckPasswordPolicy(p string) error {
	var lower, upper, digit bool
	n := 0
	for _, r := range p {
		n++
		switch {
		case unicode.IsSpace(r):
			return invalidParam("Password must not contain whitespace")
		case r >= 'a' && r <= 'z':
			lower = true
		case r >= 'A' && r <= 'Z':
			upper = true
		case r >= '0' && r <= '9':
			digit = true
		}
	}
	if n < 8 || n > 64 || !lower || !upper || !digit {
		return invalidParam("Password does not meet the password policy: it must be 8 to 64 characters long and contain at least one uppercase letter, one lowercase letter and one number")
	}
	return nil
}

// NewUser is the input of CreateUser.
type NewUser struct {
	User
	Password string
}

// checkNewUser checks a new user against the identity-management rules, which need no database.
func (d *Directory) checkNewUser(inst Instance, in NewUser) error {
	switch inst.IdentityManagementType {
	case IdentityConnectManaged:
		if in.Password == "" {
			return invalidParam("Password is required for instances that use CONNECT_MANAGED identity management")
		}
		if err := CheckPasswordPolicy(in.Password); err != nil {
			return err
		}
	case IdentitySAML:
		if in.Password != "" {
			return invalidRequest("Password must not be given for instances that use SAML identity management")
		}
		if in.DirectoryUserID != "" {
			return invalidRequest("DirectoryUserId must not be given for instances that use SAML identity management")
		}
	case IdentityExistingDirectory:
		if in.Password != "" {
			return invalidRequest("Password must not be given for instances that use an existing directory")
		}
	}
	if err := CheckUsername(inst.IdentityManagementType, in.Username); err != nil {
		return err
	}
	return d.checkIdentity(inst, in.IdentityInfo)
}

// hashSlots bounds the password hashes computed at once to the CPUs that can compute them: each
// argon2id hash holds argonMemory (19 MiB) while it runs, so without a bound a burst of
// CreateUser calls holds burst × 19 MiB. Callers beyond the bound wait, as long as their request
// lasts.
var hashSlots = make(chan struct{}, runtime.NumCPU())

// hashNewPassword hashes the password of a user about to be created in a slot of hashSlots. The
// username is checked again once the slot is had: in a burst of creations of one username, the
// callers that waited find it taken and never hash.
func (d *Directory) hashNewPassword(ctx context.Context, instanceID, username, password string) (string, error) {
	if password == "" {
		return "", nil
	}
	select {
	case hashSlots <- struct{}{}:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	defer func() { <-hashSlots }()
	err := d.view(ctx, func(tx Tx) error {
		if taken, err := tx.UsernameTaken(instanceID, username); err != nil {
			return err
		} else if taken {
			return duplicateUsername(username)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return HashPassword(password)
}

// checkIdentity applies the identity-management rules of the API reference.
func (d *Directory) checkIdentity(inst Instance, id IdentityInfo) error {
	if inst.IdentityManagementType == IdentityConnectManaged || inst.IdentityManagementType == IdentitySAML {
		if id.FirstName == "" {
			return invalidParam("IdentityInfo.FirstName is required for instances that use %s identity management", inst.IdentityManagementType)
		}
		if id.LastName == "" {
			return invalidParam("IdentityInfo.LastName is required for instances that use %s identity management", inst.IdentityManagementType)
		}
	}
	if inst.IdentityManagementType == IdentitySAML && id.Email != "" {
		return invalidRequest("IdentityInfo.Email must not be given for instances that use SAML identity management")
	}
	for _, e := range []struct{ name, v string }{{"Email", id.Email}, {"SecondaryEmail", id.SecondaryEmail}} {
		if e.v != "" && !ValidEmail(e.v) {
			return invalidParam("IdentityInfo.%s is not a valid email address", e.name)
		}
	}
	return nil
}

// ValidEmail is the check the directory applies to email addresses, for tools that check input
// before they send it.
func ValidEmail(s string) bool {
	at := strings.LastIndexByte(s, '@')
	return at > 0 && at < len(s)-1 && !strings.ContainsAny(s, " \t\r\n") && strings.Contains(s[at+1:], ".")
}

// normalizePhone keeps PhoneConfig and the VOICE entries of the per-channel configs in step, as
// the real service presents them: PhoneConfig is the voice channel's legacy view.
func normalizePhone(u *User, phoneGiven bool) error {
	pc := &u.PhoneConfig
	if phoneGiven {
		if pc.PhoneType == "" {
			pc.PhoneType = SoftPhone
		}
		setVoice(u)
	} else {
		pc.PhoneType = SoftPhone
		for _, c := range u.AutoAcceptConfigs {
			if c.Channel == "VOICE" {
				pc.AutoAccept = c.AutoAccept
			}
		}
		for _, c := range u.AfterContactWorkConfigs {
			if c.Channel == "VOICE" {
				pc.AfterContactWorkTimeLimit = c.AfterContactWorkTimeLimit
			}
		}
		for _, c := range u.PhoneNumberConfigs {
			if c.Channel == "VOICE" {
				pc.PhoneType, pc.DeskPhoneNumber = c.PhoneType, c.PhoneNumber
			}
		}
		for _, c := range u.PersistentConnectionConfigs {
			if c.Channel == "VOICE" {
				v := c.PersistentConnection
				pc.PersistentConnection = &v
			}
		}
		setVoice(u)
	}
	return checkPhone(u)
}

func checkPhone(u *User) error {
	pc := u.PhoneConfig
	if pc.PhoneType == DeskPhone && pc.DeskPhoneNumber == "" {
		return invalidParam("PhoneConfig.DeskPhoneNumber is required when PhoneType is DESK_PHONE")
	}
	if pc.AfterContactWorkTimeLimit < 0 {
		return invalidParam("PhoneConfig.AfterContactWorkTimeLimit must be greater than or equal to 0")
	}
	seen := map[string]bool{}
	for _, c := range u.PhoneNumberConfigs {
		if seen[c.Channel] {
			return invalidParam("PhoneNumberConfigs has more than one entry for channel %s", c.Channel)
		}
		seen[c.Channel] = true
		if c.PhoneType == DeskPhone && c.PhoneNumber == "" {
			return invalidParam("PhoneNumberConfigs PhoneNumber is required when PhoneType is DESK_PHONE")
		}
	}
	return nil
}

// setVoice writes PhoneConfig into the VOICE entries of the per-channel configs.
func setVoice(u *User) {
	pc := u.PhoneConfig
	u.AutoAcceptConfigs = upsertChannel(u.AutoAcceptConfigs, func(c AutoAcceptConfig) string { return c.Channel },
		func(c *AutoAcceptConfig) { c.AutoAccept = pc.AutoAccept }, AutoAcceptConfig{Channel: "VOICE"})
	u.AfterContactWorkConfigs = upsertChannel(u.AfterContactWorkConfigs, func(c AfterContactWorkConfig) string { return c.Channel },
		func(c *AfterContactWorkConfig) { c.AfterContactWorkTimeLimit = pc.AfterContactWorkTimeLimit }, AfterContactWorkConfig{Channel: "VOICE"})
	u.PhoneNumberConfigs = upsertChannel(u.PhoneNumberConfigs, func(c PhoneNumberConfig) string { return c.Channel },
		func(c *PhoneNumberConfig) { c.PhoneType, c.PhoneNumber = pc.PhoneType, pc.DeskPhoneNumber }, PhoneNumberConfig{Channel: "VOICE"})
	if pc.PersistentConnection != nil {
		u.PersistentConnectionConfigs = upsertChannel(u.PersistentConnectionConfigs, func(c PersistentConnectionConfig) string { return c.Channel },
			func(c *PersistentConnectionConfig) { c.PersistentConnection = *pc.PersistentConnection }, PersistentConnectionConfig{Channel: "VOICE"})
	}
}

func upsertChannel[T any](list []T, channel func(T) string, set func(*T), fresh T) []T {
	for i := range list {
		if channel(list[i]) == "VOICE" {
			set(&list[i])
			return list
		}
	}
	set(&fresh)
	return append([]T{fresh}, list...)
}

// CreateUser adds a user. passwordHash comes from PrepareNewUser.
func (d *Directory) CreateUser(ctx context.Context, in NewUser, phoneGiven bool) (User, error) {
	u := in.User
	if err := checkChannelConfigs(u); err != nil {
		return User{}, err
	}
	if err := normalizePhone(&u, phoneGiven); err != nil {
		return User{}, err
	}
	if err := checkSecurityProfileIDs(u.SecurityProfileIDs); err != nil {
		return User{}, err
	}
	u.SecurityProfileIDs = uniqueIDs(u.SecurityProfileIDs)
	var hash string
	if in.Password != "" {
		// Every check that is cheap runs before the password is hashed (argon2id: tens of
		// milliseconds and 19 MiB), so that refusals, duplicates above all, cost no hash. The
		// write transaction repeats the database checks: another caller may have changed things
		// since. Without a password there is nothing to spare: the write transaction alone checks.
		if err := d.view(ctx, func(tx Tx) error {
			inst, err := getInstance(tx, u.InstanceID)
			if err != nil {
				return err
			}
			if err := d.checkNewUser(inst, in); err != nil {
				return err
			}
			return d.checkUserRows(tx, &u)
		}); err != nil {
			return User{}, err
		}
		var err error
		if hash, err = d.hashNewPassword(ctx, u.InstanceID, u.Username, in.Password); err != nil {
			return User{}, err
		}
	}
	id, directoryUserID := newUserID(), uuid.NewString()
	now := d.now()
	var created User
	err := d.update(ctx, func(tx Tx) error {
		nu := u // fn may run again (a serialization failure): it starts from the input each time
		nu.ID = id
		nu.LastModifiedTime = now
		nu.LastModifiedRegion = d.Region
		inst, err := d.checkNewUserRows(tx, in, &nu)
		if err != nil {
			return err
		}
		nu.ARN = inst.ARN + "/agent/" + nu.ID
		if inst.IdentityManagementType == IdentityConnectManaged {
			// The service gives users of its own directory the id of their account there (AWS's
			// documented describe-user output shows one); SAML users have none, and users of an
			// existing directory the one given.
			nu.DirectoryUserID = directoryUserID
		}
		// The username's uniqueness is the unique index's to enforce: reading it first would
		// cost a statement per call, and on PostgreSQL a predicate lock that conflicts with
		// every concurrent insert.
		if err := tx.InsertUser(nu, hash); err != nil {
			var c *ErrConflict
			if errors.As(err, &c) && c.Constraint == "unique" {
				return duplicateUsername(nu.Username)
			}
			return err
		}
		if len(nu.Tags) > 0 {
			if err := tx.TagResource(nu.InstanceID, nu.ID, nu.Tags); err != nil {
				return err
			}
		}
		created = nu
		return nil
	})
	if err != nil {
		return User{}, err
	}
	return created, nil
}

// newUserID is the id of a new user: a UUID like the service's, of version 7, whose first bits
// are the time it was made. The user rows and tags of users created together then go to the
// same pages of the indexes keyed by user id (the users' and the tags' primary keys), where
// random ids would dirty a page of each index per user: on SQLite a bulk of CreateUser calls
// commits several times fewer pages.
func newUserID() string {
	id, err := uuid.NewV7()
	if err != nil {
		return uuid.NewString() // no clock reading: a random id serves as well, only less locally
	}
	return id.String()
}

// checkNewUserRows checks a new user inside the write transaction and returns its instance: the
// instance, the identity rules, the quota, and its profiles and group (whose path it takes) read
// in one statement. Only when a reference is missing does it ask again row by row
// (checkUserRows), for the refusal that names it, in the order the checks have always run.
func (d *Directory) checkNewUserRows(tx Tx, in NewUser, u *User) (Instance, error) {
	refs, err := tx.UserRefs(u.InstanceID, u.RoutingProfileID, u.SecurityProfileIDs, u.HierarchyGroupID)
	if errors.Is(err, ErrNoRows) {
		return Instance{}, notFound("Instance not found: %s", u.InstanceID)
	}
	if err != nil {
		return Instance{}, err
	}
	if err := d.checkNewUser(refs.Instance, in); err != nil {
		return Instance{}, err
	}
	if !refs.RoutingProfile || refs.SecurityProfiles != len(u.SecurityProfileIDs) || (u.HierarchyGroupID != "" && refs.GroupPath == "") {
		if err := d.checkUserRows(tx, u); err != nil {
			return Instance{}, err
		}
		return Instance{}, errors.New("connectdir: a user's references were missing, then found in the same transaction")
	}
	if err := checkQuota(KindLimitExceeded, d.Quotas.UsersPerInstance, func() (int64, error) { return tx.CountUsers(u.InstanceID) }, "users per instance"); err != nil {
		return Instance{}, err
	}
	u.HierarchyPath = refs.GroupPath
	return refs.Instance, nil
}

// checkUserRows checks a new user against what the store holds: the quota, a free username, its
// profiles and its group (whose path it takes).
func (d *Directory) checkUserRows(tx Tx, u *User) error {
	if err := checkQuota(KindLimitExceeded, d.Quotas.UsersPerInstance, func() (int64, error) { return tx.CountUsers(u.InstanceID) }, "users per instance"); err != nil {
		return err
	}
	if taken, err := tx.UsernameTaken(u.InstanceID, u.Username); err != nil {
		return err
	} else if taken {
		return duplicateUsername(u.Username)
	}
	if err := checkProfiles(tx, u.InstanceID, u.RoutingProfileID, u.SecurityProfileIDs); err != nil {
		return err
	}
	if u.HierarchyGroupID != "" {
		g, err := getGroup(tx, u.InstanceID, u.HierarchyGroupID)
		if err != nil {
			return err
		}
		u.HierarchyPath = g.Path
	}
	return nil
}

func duplicateUsername(name string) *Error {
	return Errorf(KindDuplicate, "User with username %s already exists", name)
}

// uniqueIDs drops repeated ids, keeping the first occurrence's order.
func uniqueIDs(ids []string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

func checkSecurityProfileIDs(ids []string) error {
	if len(ids) == 0 {
		return invalidParam("SecurityProfileIds must include at least 1 item")
	}
	if len(ids) > 10 {
		return invalidParam("SecurityProfileIds must include at most 10 items")
	}
	return nil
}

func checkProfiles(tx Tx, instanceID, routingProfileID string, securityProfileIDs []string) error {
	if routingProfileID != "" {
		if _, err := getRoutingProfile(tx, instanceID, routingProfileID); err != nil {
			return err
		}
	}
	for _, id := range securityProfileIDs {
		if _, err := getSecurityProfile(tx, instanceID, id); err != nil {
			return err
		}
	}
	return nil
}

func getUser(tx Tx, instanceID, id string) (User, error) {
	u, err := tx.GetUser(instanceID, id)
	if errors.Is(err, ErrNoRows) {
		return u, notFound("User not found: %s", id)
	}
	return u, err
}

// DescribeUser returns a user with its tags. It is the most frequent call, so it is one
// statement outside any transaction: the user's row with its tags. The instance needs no check of
// its own when the user is found: users.instance_id is a foreign key to instances, so a user row
// of the instance proves it exists, on every replica, with nothing cached. Only a miss asks
// which of the two is missing.
func (d *Directory) DescribeUser(ctx context.Context, instanceID, id string) (u User, err error) {
	err = d.Store.Read(ctx, func(tx Tx) error {
		u, err = tx.GetUser(instanceID, id)
		if errors.Is(err, ErrNoRows) {
			if _, err := getInstance(tx, instanceID); err != nil {
				return err
			}
			return notFound("User not found: %s", id)
		}
		return err
	})
	return u, err
}

// ListUsers pages an instance's users by username.
func (d *Directory) ListUsers(ctx context.Context, instanceID, after string, limit int) (list []User, err error) {
	err = d.view(ctx, func(tx Tx) error {
		if _, err := getInstance(tx, instanceID); err != nil {
			return err
		}
		list, err = tx.ListUsers(instanceID, after, limit)
		return err
	})
	return list, err
}

// ListUserSummaries pages an instance's users by username with only what ListUsers answers (id,
// ARN, username, last modification): no tags, no JSON columns to decode. Its two reads need no
// common snapshot, so they run outside a transaction.
func (d *Directory) ListUserSummaries(ctx context.Context, instanceID, after string, limit int) (list []User, err error) {
	err = d.Store.Read(ctx, func(tx Tx) error {
		if _, err := getInstance(tx, instanceID); err != nil {
			return err
		}
		list, err = tx.ListUserSummaries(instanceID, after, limit)
		return err
	})
	return list, err
}

// DeleteUser removes a user.
func (d *Directory) DeleteUser(ctx context.Context, instanceID, id string) error {
	return d.update(ctx, func(tx Tx) error {
		if _, err := getInstance(tx, instanceID); err != nil {
			return err
		}
		if _, err := getUser(tx, instanceID, id); err != nil {
			return err
		}
		return tx.DeleteUser(instanceID, id)
	})
}

// modifyUser runs change on a user inside one transaction and stores the result.
func (d *Directory) modifyUser(ctx context.Context, instanceID, id string, change func(tx Tx, inst Instance, u *User) error) error {
	return d.update(ctx, func(tx Tx) error {
		inst, err := getInstance(tx, instanceID)
		if err != nil {
			return err
		}
		u, err := getUser(tx, instanceID, id)
		if err != nil {
			return err
		}
		if err := change(tx, inst, &u); err != nil {
			return err
		}
		u.LastModifiedTime = d.now()
		u.LastModifiedRegion = d.Region
		return tx.UpdateUser(u)
	})
}

// UpdateUserIdentityInfo replaces a user's identity information.
func (d *Directory) UpdateUserIdentityInfo(ctx context.Context, instanceID, id string, info IdentityInfo) error {
	return d.modifyUser(ctx, instanceID, id, func(_ Tx, inst Instance, u *User) error {
		if err := d.checkIdentity(inst, info); err != nil {
			return err
		}
		u.IdentityInfo = info
		return nil
	})
}

// UpdateUserPhoneConfig replaces a user's voice phone settings.
func (d *Directory) UpdateUserPhoneConfig(ctx context.Context, instanceID, id string, pc PhoneConfig) error {
	return d.modifyUser(ctx, instanceID, id, func(_ Tx, _ Instance, u *User) error {
		if pc.PhoneType == "" {
			pc.PhoneType = u.PhoneConfig.PhoneType
		}
		if pc.PhoneType == SoftPhone {
			// A soft phone has no number of its own; the real service drops a stale one.
			pc.DeskPhoneNumber = ""
		}
		u.PhoneConfig = pc
		setVoice(u)
		return checkPhone(u)
	})
}

// UpdateUserRoutingProfile assigns a user's routing profile.
func (d *Directory) UpdateUserRoutingProfile(ctx context.Context, instanceID, id, routingProfileID string) error {
	if routingProfileID == "" {
		// A user always has a routing profile; "" would reach the store as a broken reference.
		return invalidParam("RoutingProfileId must not be empty")
	}
	return d.modifyUser(ctx, instanceID, id, func(tx Tx, _ Instance, u *User) error {
		if err := checkProfiles(tx, instanceID, routingProfileID, nil); err != nil {
			return err
		}
		u.RoutingProfileID = routingProfileID
		return nil
	})
}

// UpdateUserSecurityProfiles replaces a user's security profiles.
func (d *Directory) UpdateUserSecurityProfiles(ctx context.Context, instanceID, id string, ids []string) error {
	if err := checkSecurityProfileIDs(ids); err != nil {
		return err
	}
	return d.modifyUser(ctx, instanceID, id, func(tx Tx, _ Instance, u *User) error {
		if err := checkProfiles(tx, instanceID, "", ids); err != nil {
			return err
		}
		u.SecurityProfileIDs = uniqueIDs(ids)
		return nil
	})
}

// UpdateUserHierarchy assigns a user to a group, or to none when groupID is "".
func (d *Directory) UpdateUserHierarchy(ctx context.Context, instanceID, id, groupID string) error {
	return d.modifyUser(ctx, instanceID, id, func(tx Tx, _ Instance, u *User) error {
		u.HierarchyGroupID, u.HierarchyPath = "", ""
		if groupID == "" {
			return nil
		}
		g, err := getGroup(tx, instanceID, groupID)
		if err != nil {
			return err
		}
		u.HierarchyGroupID, u.HierarchyPath = g.ID, g.Path
		return nil
	})
}

// SearchUsers returns a page of the users matching c, in c's order (Cond.PathOrdered), after the
// key, with the total count.
func (d *Directory) SearchUsers(ctx context.Context, instanceID string, c Cond, after SearchKey, limit int) (list []User, total int64, err error) {
	err = d.view(ctx, func(tx Tx) error {
		if _, err := getInstance(tx, instanceID); err != nil {
			return err
		}
		if err := resolveGroups(tx, instanceID, &c); err != nil {
			return err
		}
		list, total, err = tx.SearchUsers(instanceID, c, after, limit)
		return err
	})
	return list, total, err
}

func resolveGroups(tx Tx, instanceID string, c *Cond) error {
	if c.Op == OpGroup && c.GroupID != "" {
		g, err := tx.GetGroup(instanceID, c.GroupID)
		if err != nil && !errors.Is(err, ErrNoRows) {
			return err
		}
		c.GroupPath = g.Path // "" for a missing group: it matches nothing
	}
	for i := range c.Children {
		if err := resolveGroups(tx, instanceID, &c.Children[i]); err != nil {
			return err
		}
	}
	return nil
}

package connectdir

import (
	"context"
	"slices"
	"time"
)

// Store keeps the directory. Every Directory call runs inside one Update or View, so a call is
// one transaction: a refusal or failure rolls back everything it wrote.
type Store interface {
	// Update runs fn in a read-write transaction, committing when fn returns nil. A store whose
	// database reports a serialization failure runs fn again, so fn must not keep state across runs.
	Update(ctx context.Context, fn func(Tx) error) error
	// View runs fn in a read-only transaction that sees one consistent snapshot.
	View(ctx context.Context, fn func(Tx) error) error
	// Read runs fn without a transaction: each statement sees its own snapshot. It is for calls
	// answered by a single statement, where BEGIN and COMMIT would cost more than the read.
	Read(ctx context.Context, fn func(Tx) error) error
	Close() error
}

// Tx is one transaction of a Store. Getters return ErrNoRows for a missing row; writers return
// *ErrConflict when a database constraint refuses them. Resources come back with their Tags.
// Lists are ordered by the key they page on and return at most limit rows after the key after
// ("" for the first page).
type Tx interface {
	InsertInstance(Instance) error
	GetInstance(id string) (Instance, error)
	ListInstances(after string, limit int) ([]Instance, error) // by ID
	CountInstances() (int, error)
	DeleteInstance(id string) error // and everything in it

	InsertRoutingProfile(RoutingProfile) error
	GetRoutingProfile(instanceID, id string) (RoutingProfile, error)
	ListRoutingProfiles(instanceID, after string, limit int) ([]RoutingProfile, error) // by ID
	InsertSecurityProfile(SecurityProfile) error
	GetSecurityProfile(instanceID, id string) (SecurityProfile, error)
	ListSecurityProfiles(instanceID, after string, limit int) ([]SecurityProfile, error) // by ID
	CountUsersWithRoutingProfile(instanceID, id string) (int64, error)

	InsertUser(u User, passwordHash string) error
	// UserRefs reads, in one statement, the instance (without its tags) and what a new user
	// refers to in it; ErrNoRows when the instance does not exist.
	UserRefs(instanceID, routingProfileID string, securityProfileIDs []string, groupID string) (UserRefs, error)
	GetUser(instanceID, id string) (User, error)
	UsernameTaken(instanceID, username string) (bool, error)
	CountUsers(instanceID string) (int64, error)
	GetUserByUsername(instanceID, username string) (User, error)
	// UpdateUser writes every mutable member of u (not Username, not the password).
	UpdateUser(u User) error
	DeleteUser(instanceID, id string) error
	ListUsers(instanceID, after string, limit int) ([]User, error) // by Username
	// ListUserSummaries is ListUsers with only ID, ARN, Username and the last modification: what
	// the ListUsers call answers, read off the users table alone.
	ListUserSummaries(instanceID, after string, limit int) ([]User, error)
	// SearchUsers returns up to limit users matching c that follow after in c's order (see
	// Cond.PathOrdered), in that order, and how many match in all.
	SearchUsers(instanceID string, c Cond, after SearchKey, limit int) ([]User, int64, error)
	// CountUsersByGroup counts the users assigned directly to each group.
	CountUsersByGroup(instanceID string) (map[string]int64, error)

	GetLevels(instanceID string) ([]HierarchyLevel, error) // LevelOne first
	PutLevels(instanceID string, levels []HierarchyLevel) error
	InsertGroup(HierarchyGroup) error
	GetGroup(instanceID, id string) (HierarchyGroup, error)
	// GetGroups returns the groups of ids that exist, in any order.
	GetGroups(instanceID string, ids []string) ([]HierarchyGroup, error)
	RenameGroup(instanceID, id, name string, at time.Time, region string) error
	DeleteGroup(instanceID, id string) error
	ListGroups(instanceID, after string, limit int) ([]HierarchyGroup, error) // by ID
	// SiblingNamed returns the id of the group named name under parentID ("" for LevelOne), or "".
	SiblingNamed(instanceID, parentID, name string) (string, error)
	CountGroupsAtLevel(instanceID string, level int) (int64, error)
	CountGroups(instanceID string) (int64, error)
	CountChildGroups(instanceID, id string) (int64, error)
	CountUsersInGroup(instanceID, id string) (int64, error)

	// TagResource merges tags into a resource's tags; UntagResource removes keys.
	TagResource(instanceID, resourceID string, tags map[string]string) error
	UntagResource(instanceID, resourceID string, keys []string) error
	Tags(instanceID, resourceID string) (map[string]string, error)

	InsertAccessKey(AccessKey) error
	GetAccessKey(id string) (AccessKey, error)
	ListAccessKeys() ([]AccessKey, error)
	DeleteAccessKey(id string) error                 // ErrNoRows when there is no such key
	SetAccessKeyActive(id string, active bool) error // ErrNoRows when there is no such key
	TouchAccessKey(id string, when time.Time) error  // records a use; never moves last use back
	// InsertSessionKey stores temporary credentials and drops those expired before now.
	InsertSessionKey(k SessionKey, now time.Time) error
	GetSessionKey(id string) (SessionKey, error)
	InsertFederationToken(instanceID, userID string, accessHash, refreshHash []byte, tok FederationToken) error

	ProficiencyTx
	SecurityProfileTx
}

// UserRefs is what Tx.UserRefs reads: enough to check a new user's references with one query
// on the write path, where every statement is paid for inside the shared transaction.
type UserRefs struct {
	Instance         Instance
	RoutingProfile   bool   // the routing profile exists in the instance (true when none was named)
	SecurityProfiles int    // how many of the named security profile ids exist in the instance
	GroupPath        string // path of the named group; "" when none was named or it does not exist
}

// Cond is a user search condition tree: the SearchUsers criteria and filter, with group ids
// resolved to paths.
type Cond struct {
	Op       CondOp
	Children []Cond // OpAnd, OpOr

	Field      string // OpString: one of the SearchField constants
	Comparison string // OpString: EXACT, STARTS_WITH or CONTAINS
	Value      string // OpString: lower-cased for the name fields, which compare case-insensitively

	GroupID      string // OpGroup: the group asked for; the Directory fills GroupPath from it
	GroupPath    string // OpGroup: path of the group ("" when it does not exist: matches nothing)
	WithChildren bool   // OpGroup: also users in groups below it

	TagKey, TagValue string // OpTag

	Proficiency []ProficiencyCond // OpProficiency: all hold for one proficiency of the user
}

// PathOrdered says in which order SearchUsers gives the users matching c: by (HierarchyPath, ID)
// when c requires a group condition (c is one, or an AND holding one, at any depth of ANDs), by
// ID otherwise. A group's users, or a subtree's, are then one range of the path index that a
// page reads 500 entries of, where an order by ID would sort all of the group's users for each
// page (10,000 users for a LevelOne group of 100,000). The price: a user moved from one group of
// the range to another while a client pages through it may be shown twice or not at all, as a
// user renamed during a ListUsers walk may; by ID, a user only ever shows once. Searches with no
// group condition (a whole instance read, a name) keep the order by ID.
func (c Cond) PathOrdered() bool {
	switch c.Op {
	case OpGroup:
		return true
	case OpAnd:
		return slices.ContainsFunc(c.Children, Cond.PathOrdered)
	}
	return false
}

// SearchKey is a place in SearchUsers' order: after the user with this path and id. The zero
// SearchKey is before every user; ID-ordered searches ignore Path.
type SearchKey struct{ Path, ID string }

// KeyOf is where the page that ends with u continues.
func KeyOf(u User) SearchKey { return SearchKey{Path: u.HierarchyPath, ID: u.ID} }

// CondOp is the kind of a Cond node.
type CondOp int

const (
	OpAll CondOp = iota // matches every user
	OpAnd
	OpOr
	OpString
	OpGroup
	OpTag
	OpProficiency
)

// Search fields of a string condition, as the store names them.
const (
	FieldUsername          = "username"
	FieldFirstName         = "firstname"
	FieldLastName          = "lastname"
	FieldResourceID        = "resourceid"
	FieldRoutingProfileID  = "routingprofileid"
	FieldSecurityProfileID = "securityprofileid"
)

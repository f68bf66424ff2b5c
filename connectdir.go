// Package connectdir holds the domain of an Amazon Connect user directory: instances, users,
// profiles and the user hierarchy, the rules they obey, and the Directory service that enforces
// those rules over a Store.
package connectdir

import (
	"strconv"
	"time"
)

// Identity management types of an instance.
const (
	IdentityConnectManaged    = "CONNECT_MANAGED"
	IdentitySAML              = "SAML"
	IdentityExistingDirectory = "EXISTING_DIRECTORY"
)

// Phone types of a user.
const (
	SoftPhone = "SOFT_PHONE"
	DeskPhone = "DESK_PHONE"
)

// MaxLevels is the depth of a user hierarchy.
const MaxLevels = 5

// LevelNames are the wire names of the hierarchy levels, LevelOne first.
var LevelNames = [MaxLevels]string{"LevelOne", "LevelTwo", "LevelThree", "LevelFour", "LevelFive"}

// Instance is an Amazon Connect instance: the container of everything else.
type Instance struct {
	ID                     string
	ARN                    string
	Alias                  string
	IdentityManagementType string
	DirectoryID            string
	InboundCallsEnabled    bool
	OutboundCallsEnabled   bool
	Status                 string
	CreatedTime            time.Time
	Tags                   map[string]string
}

// IdentityInfo is who a user is.
type IdentityInfo struct {
	FirstName      string
	LastName       string
	Email          string
	SecondaryEmail string
	Mobile         string
}

// PhoneConfig is the voice-channel phone setting of a user, the shape of the original API.
type PhoneConfig struct {
	PhoneType                 string
	AutoAccept                bool
	AfterContactWorkTimeLimit int32
	DeskPhoneNumber           string
	PersistentConnection      *bool
}

// AutoAcceptConfig is the per-channel auto-accept setting.
type AutoAcceptConfig struct {
	Channel                      string
	AutoAccept                   bool
	AgentFirstCallbackAutoAccept *bool
}

// AfterContactWorkConfig is the per-channel after-contact-work limit.
type AfterContactWorkConfig struct {
	Channel                     string
	AfterContactWorkTimeLimit   int32
	AgentFirstCallbackTimeLimit *int32
}

// PhoneNumberConfig is the per-channel phone type and number.
type PhoneNumberConfig struct {
	Channel     string
	PhoneType   string
	PhoneNumber string
}

// PersistentConnectionConfig is the per-channel persistent-connection setting.
type PersistentConnectionConfig struct {
	Channel              string
	PersistentConnection bool
}

// VoiceEnhancementConfig is the per-channel voice enhancement mode.
type VoiceEnhancementConfig struct {
	Channel              string
	VoiceEnhancementMode string
}

// User is an agent or any other person who signs in to an instance.
type User struct {
	InstanceID         string
	ID                 string
	ARN                string
	Username           string
	IdentityInfo       IdentityInfo
	PhoneConfig        PhoneConfig
	DirectoryUserID    string
	SecurityProfileIDs []string
	RoutingProfileID   string
	HierarchyGroupID   string
	// HierarchyPath is the ids of the user's group and its ancestors, as GroupPath forms them;
	// it is derived, stored so that a subtree search is one index range.
	HierarchyPath               string
	AutoAcceptConfigs           []AutoAcceptConfig
	AfterContactWorkConfigs     []AfterContactWorkConfig
	PhoneNumberConfigs          []PhoneNumberConfig
	PersistentConnectionConfigs []PersistentConnectionConfig
	VoiceEnhancementConfigs     []VoiceEnhancementConfig
	Tags                        map[string]string
	LastModifiedTime            time.Time
	LastModifiedRegion          string
}

// RoutingProfile decides which contacts reach a user.
type RoutingProfile struct {
	InstanceID             string
	ID                     string
	ARN                    string
	Name                   string
	Description            string
	DefaultOutboundQueueID string
	IsDefault              bool
	Tags                   map[string]string
	LastModifiedTime       time.Time
	LastModifiedRegion     string
}

// SecurityProfile decides what a user may do.
type SecurityProfile struct {
	InstanceID         string
	ID                 string
	ARN                string
	Name               string
	Description        string
	Tags               map[string]string
	LastModifiedTime   time.Time
	LastModifiedRegion string
}

// HierarchyLevel is one named level of an instance's hierarchy structure.
type HierarchyLevel struct {
	Number             int // 1..MaxLevels
	ARN                string
	Name               string
	LastModifiedTime   time.Time
	LastModifiedRegion string
}

// ID is the level's wire id: "1" for LevelOne and so on, as the real service numbers them.
func (l HierarchyLevel) ID() string { return strconv.Itoa(l.Number) }

// HierarchyGroup is a node of the hierarchy: a group at one level under a parent group.
type HierarchyGroup struct {
	InstanceID string
	ID         string
	ARN        string
	Name       string
	Level      int    // 1..MaxLevels
	ParentID   string // "" at LevelOne
	// Path is GroupPath of the group: its ancestors' ids and its own, LevelOne first. Groups never
	// move, so it is fixed at creation.
	Path               string
	Tags               map[string]string
	LastModifiedTime   time.Time
	LastModifiedRegion string
}

// GroupPath extends a parent's path with a child id. Paths are "/id1/id2/", so every path under a
// group starts with the group's path: a subtree is a prefix, hence one index range.
func GroupPath(parentPath, id string) string {
	if parentPath == "" {
		parentPath = "/"
	}
	return parentPath + id + "/"
}

// PathIDs splits a path into the ids of its groups, LevelOne first.
func PathIDs(path string) []string {
	var ids []string
	start := 1
	for i := 1; i < len(path); i++ {
		if path[i] == '/' {
			ids = append(ids, path[start:i])
			start = i + 1
		}
	}
	return ids
}

// FederationToken is a pair of tokens that sign a user in to the agent application.
type FederationToken struct {
	AccessToken            string
	AccessTokenExpiration  time.Time
	RefreshToken           string
	RefreshTokenExpiration time.Time
}

// AccessKey is an API credential of the server; the secret is stored encrypted, never hashed,
// because SigV4 verification needs it.
// SessionKey is a temporary credential issued by STS GetSessionToken, as stored: the secret
// sealed, the session token as its hash.
type SessionKey struct {
	ID              string
	SecretEncrypted []byte
	TokenHash       []byte
	UserName        string // the identity of the long-term key that asked for it
	CreatedTime     time.Time
	Expiration      time.Time
}

// SessionCredentials are what GetSessionToken hands out, once.
type SessionCredentials struct {
	AccessKeyID, SecretAccessKey, SessionToken string
	Expiration                                 time.Time
}

type AccessKey struct {
	ID              string
	SecretEncrypted []byte
	// UserName is the identity the key signs as, as an IAM user's name: GetFederationToken answers
	// for the instance user of that username, as the real service does for the calling IAM user.
	UserName    string
	CreatedTime time.Time
	// Active is false for a disabled key: refused like an unknown one, but kept, to enable again.
	Active bool
	// LastUsedTime is when the key last signed an accepted request, to the minute (servers
	// record a use at most once a minute per key); zero when never.
	LastUsedTime time.Time
}

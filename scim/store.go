package scim

import (
	"context"
	"errors"
	"time"
)

// Store keeps what SCIM needs besides Connect itself: tokens, the SCIM resources with their ids
// (stable across renames, unlike Connect's, which change when a user is recreated under a new
// username) and the request log. sqlstore.Store implements it. Getters return
// connectdir.ErrNoRows for a missing row; a unique name taken is a *connectdir.ErrConflict.
type Store interface {
	InsertSCIMToken(ctx context.Context, t Token) error
	SCIMTokenByHash(ctx context.Context, hash string) (Token, error)
	ListSCIMTokens(ctx context.Context) ([]Token, error) // oldest first
	// DeleteSCIMToken revokes a token at once: every request looks its token up.
	DeleteSCIMToken(ctx context.Context, id string) error

	GetSCIMResource(ctx context.Context, target, kind, id string) (Resource, error)
	SCIMResourceByName(ctx context.Context, target, kind, nameLC string) (Resource, error)
	// ListSCIMResources returns a target's resources of one kind ordered by id.
	ListSCIMResources(ctx context.Context, target, kind string) ([]Resource, error)
	// PutSCIMResource inserts r when prevVersion is 0, else replaces the row whose version is
	// prevVersion, returning ErrStale when there is none (another writer got there first).
	PutSCIMResource(ctx context.Context, r Resource, prevVersion int64) error
	DeleteSCIMResource(ctx context.Context, target, kind, id string) error

	AppendSCIMLog(ctx context.Context, e LogEntry) error
	// SCIMLog returns the most recent entries, newest first.
	SCIMLog(ctx context.Context, limit int) ([]LogEntry, error)
	// PruneSCIMLog deletes the entries older than before.
	PruneSCIMLog(ctx context.Context, before time.Time) error
}

// ErrStale is what PutSCIMResource returns when the row changed since it was read.
var ErrStale = errors.New("scim: resource changed concurrently")

// Resource kinds.
const (
	KindUser  = "User"
	KindGroup = "Group"
)

// Token is a bearer token's stored form: its hash, never the token itself.
type Token struct {
	ID      string
	Hash    string // hex SHA-256 of the token
	Target  string // the key of Config's target: tokens of one target share its resources
	Config  string // JSON of TokenConfig
	Created time.Time
}

// Resource is one SCIM user or group as stored.
type Resource struct {
	Target, Kind, ID string
	NameLC           string // userName or displayName, lower-cased
	ExternalID       string
	ConnectID        string // the Connect user id; "" when the user does not exist in Connect
	JSON             string // the SCIM resource as last written, without id and meta
	Applied          string // JSON of the Connect state last written for it
	Version          int64
	Created          time.Time
	Modified         time.Time
}

// LogEntry is one SCIM request as the log keeps it.
type LogEntry struct {
	ID      string
	At      time.Time
	TokenID string
	Target  string
	Method  string
	Path    string
	Status  int
	Detail  string   // the error's detail, or what was done
	Calls   []string // Connect operations called, in order, e.g. "CreateUser"
}

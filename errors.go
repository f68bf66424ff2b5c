package connectdir

import (
	"errors"
	"fmt"
)

// Kind classifies a refusal; the wire layer maps each kind to one AWS exception.
type Kind int

const (
	KindInternal         Kind = iota
	KindNotFound              // ResourceNotFoundException
	KindDuplicate             // DuplicateResourceException
	KindInUse                 // ResourceInUseException
	KindInvalidParameter      // InvalidParameterException
	KindInvalidRequest        // InvalidRequestException
	KindLimitExceeded         // LimitExceededException
	KindQuotaExceeded         // ServiceQuotaExceededException
	KindThrottled             // ThrottlingException
	KindUserNotFound          // UserNotFoundException
	KindAccessDenied          // AccessDeniedException
)

// Error is a refusal the client is told about. Anything else a call returns is internal.
type Error struct {
	Kind    Kind
	Message string
	// ResourceType and ResourceID name the resource of a KindInUse refusal.
	ResourceType string
	ResourceID   string
}

func (e *Error) Error() string { return e.Message }

// Errorf makes an *Error of kind k.
func Errorf(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Message: fmt.Sprintf(format, args...)}
}

// KindOf returns the kind of err, KindInternal when it is not an *Error.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// Shorthands for the refusals the rules use most.
func notFound(format string, args ...any) *Error { return Errorf(KindNotFound, format, args...) }
func invalidParam(format string, args ...any) *Error {
	return Errorf(KindInvalidParameter, format, args...)
}
func invalidRequest(format string, args ...any) *Error {
	return Errorf(KindInvalidRequest, format, args...)
}

// ErrNoRows is what a Store returns when a row it was asked for does not exist; the Directory
// turns it into the NotFound refusal naming the resource.
var ErrNoRows = errors.New("connectdir: no such row")

// ErrConflict is what a Store returns when a database constraint refused a write (unique key or
// foreign key), so a race the Directory's own checks could not see still ends in a refusal.
type ErrConflict struct {
	Constraint string // "unique" or "foreign"
	Err        error
}

func (e *ErrConflict) Error() string {
	return "connectdir: constraint " + e.Constraint + ": " + e.Err.Error()
}
func (e *ErrConflict) Unwrap() error { return e.Err }

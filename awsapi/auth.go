package awsapi

import (
	"context"
	"crypto/subtle"
	"net/http"
	"time"

	"github.com/connectdir/connectdir"
	"github.com/connectdir/connectdir/sigv4"
)

// Authentication: a request is signed with a long-term access key (AKIA…), or with temporary
// credentials from STS GetSessionToken (ASIA…), which must come with their session token in
// X-Amz-Security-Token. The token is checked as the real services check it: a temporary key
// without its own token, with another's, or a long-term key with any token is refused with
// UnrecognizedClientException, and an expired one with ExpiredTokenException, both HTTP 403.

type cachedSession struct {
	secret, userName string
	tokenHash        []byte
	expires          time.Time
}

// identity is who signed a request.
type identity struct {
	keyID, userName string
	session         bool // signed with temporary credentials
}

type securityTokenKey struct{}

var (
	errBadToken = &wireError{exception{"UnrecognizedClientException", http.StatusForbidden},
		"The security token included in the request is invalid."}
	errExpiredToken = &wireError{exception{"ExpiredTokenException", http.StatusForbidden},
		"The security token included in the request is expired"}
)

// authenticate verifies r's signature with v and returns who signed it.
func (s *Server) authenticate(r *http.Request, v *sigv4.Verifier) (identity, error) {
	token := r.Header.Get("X-Amz-Security-Token")
	if token == "" {
		token = r.URL.Query().Get("X-Amz-Security-Token") // presigned URLs carry it in the query
	}
	// The verifier asks s.secret for the key's secret; the token travels to it in the context.
	signed := r.WithContext(context.WithValue(r.Context(), securityTokenKey{}, token))
	keyID, err := v.Verify(signed)
	r.Body = signed.Body // Verify leaves the body readable again on the request it was given
	if err != nil {
		return identity{}, err
	}
	if k, ok := s.sessions.Load(keyID); ok {
		return identity{keyID: keyID, userName: k.(cachedSession).userName, session: true}, nil
	}
	if k, ok := s.keys.Load(keyID); ok {
		return identity{keyID: keyID, userName: k.(*cachedKey).userName}, nil
	}
	return identity{keyID: keyID}, nil
}

// secret is the verifier's key lookup: the secret of key id, once the session token that came
// with the request (in ctx) is the one the key needs.
func (s *Server) secret(ctx context.Context, id string) (string, bool, error) {
	token, _ := ctx.Value(securityTokenKey{}).(string)
	if connectdir.IsSessionKeyID(id) {
		return s.sessionSecret(ctx, id, token)
	}
	if token != "" {
		return "", false, errBadToken
	}
	if v, ok := s.keys.Load(id); ok {
		if k := v.(*cachedKey); time.Since(k.checked) < connectdir.KeyRecheck {
			return k.secret, true, nil
		}
	}
	secret, userName, ok, err := s.dir.AccessKeySecret(ctx, id)
	if err != nil {
		return "", false, err
	}
	if !ok {
		s.keys.Delete(id) // deleted or disabled since it was read
		return "", false, nil
	}
	k := &cachedKey{secret: secret, userName: userName, checked: time.Now()}
	if v, ok := s.keys.Load(id); ok {
		k.usedWritten.Store(v.(*cachedKey).usedWritten.Load())
	}
	s.keys.Store(id, k)
	return secret, true, nil
}

func (s *Server) sessionSecret(ctx context.Context, id, token string) (string, bool, error) {
	var k cachedSession
	if c, ok := s.sessions.Load(id); ok {
		k = c.(cachedSession)
	} else {
		sk, secret, ok, err := s.dir.SessionKey(ctx, id)
		if err != nil || !ok {
			return "", ok, err
		}
		k = cachedSession{secret: secret, userName: sk.UserName, tokenHash: sk.TokenHash, expires: sk.Expiration}
		s.sessions.Store(id, k)
	}
	if token == "" || subtle.ConstantTimeCompare(connectdir.TokenHash(token), k.tokenHash) != 1 {
		return "", false, errBadToken
	}
	if !s.dir.CurrentTime().Before(k.expires) {
		s.sessions.Delete(id) // expired for good: no need to keep it
		return "", false, errExpiredToken
	}
	return k.secret, true, nil
}

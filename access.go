package connectdir

import (
	"context"
	"errors"
	"strings"
	"time"
)

// Federation token lifetimes: the access token lasts as the real service's does, the refresh
// token longer.
const (
	AccessTokenTTL  = 12 * time.Hour
	RefreshTokenTTL = 30 * 24 * time.Hour
)

// GetFederationToken issues tokens for the instance user whose username is the caller's
// identity name, as the real service does for the calling IAM user.
func (d *Directory) GetFederationToken(ctx context.Context, instanceID, callerName string) (User, FederationToken, error) {
	var u User
	now := d.now()
	tok := FederationToken{
		AccessToken: RandomToken(48), AccessTokenExpiration: now.Add(AccessTokenTTL),
		RefreshToken: RandomToken(48), RefreshTokenExpiration: now.Add(RefreshTokenTTL),
	}
	err := d.update(ctx, func(tx Tx) error {
		if _, err := getInstance(tx, instanceID); err != nil {
			return err
		}
		var err error
		u, err = tx.GetUserByUsername(instanceID, callerName)
		if errors.Is(err, ErrNoRows) {
			return Errorf(KindUserNotFound, "No user with username %s exists in the instance for the calling identity", callerName)
		} else if err != nil {
			return err
		}
		return tx.InsertFederationToken(instanceID, u.ID, TokenHash(tok.AccessToken), TokenHash(tok.RefreshToken), tok)
	})
	return u, tok, err
}

// CreateAccessKey makes an API key for userName, stored sealed; the secret is returned once.
func (d *Directory) CreateAccessKey(ctx context.Context, userName string) (AccessKey, string, error) {
	id, secret := NewAccessKeyPair()
	k, err := d.ImportAccessKey(ctx, id, secret, userName)
	return k, secret, err
}

// ImportAccessKey stores a key pair given from outside (the bootstrap key from the environment).
// Importing a key that exists with the same secret is a no-op, so a restart with the same
// environment is fine.
func (d *Directory) ImportAccessKey(ctx context.Context, id, secret, userName string) (AccessKey, error) {
	if len(id) < 16 || len(id) > 128 || len(secret) < 16 {
		return AccessKey{}, invalidParam("access key id must be 16 to 128 characters and the secret at least 16")
	}
	sealed, err := d.Sealer.Seal(id, secret)
	if err != nil {
		return AccessKey{}, err
	}
	k := AccessKey{ID: id, SecretEncrypted: sealed, UserName: userName, CreatedTime: d.now(), Active: true}
	err = d.update(ctx, func(tx Tx) error {
		old, err := tx.GetAccessKey(id)
		if err == nil {
			if s, err := d.Sealer.Open(id, old.SecretEncrypted); err != nil || s != secret {
				return Errorf(KindDuplicate, "access key %s exists with another secret", id)
			}
			k = old
			return nil
		}
		if !errors.Is(err, ErrNoRows) {
			return err
		}
		return tx.InsertAccessKey(k)
	})
	return k, err
}

// AccessKeySecret returns the secret of key id and the identity it signs as; ok is false for an
// unknown key.
func (d *Directory) AccessKeySecret(ctx context.Context, id string) (secret, userName string, ok bool, err error) {
	var k AccessKey
	err = d.view(ctx, func(tx Tx) error {
		k, err = tx.GetAccessKey(id)
		return err
	})
	if errors.Is(err, ErrNoRows) {
		return "", "", false, nil
	}
	if err != nil {
		return "", "", false, err
	}
	if !k.Active {
		return "", "", false, nil
	}
	secret, err = d.Sealer.Open(id, k.SecretEncrypted)
	return secret, k.UserName, err == nil, err
}

// DeleteAccessKey removes a key for good. Servers refuse it within KeyRecheck.
func (d *Directory) DeleteAccessKey(ctx context.Context, id string) error {
	return d.keyChange(ctx, id, func(tx Tx) error { return tx.DeleteAccessKey(id) })
}

// SetAccessKeyActive disables a key (refused as if unknown, within KeyRecheck) or enables it again.
func (d *Directory) SetAccessKeyActive(ctx context.Context, id string, active bool) error {
	return d.keyChange(ctx, id, func(tx Tx) error { return tx.SetAccessKeyActive(id, active) })
}

func (d *Directory) keyChange(ctx context.Context, id string, fn func(Tx) error) error {
	err := d.update(ctx, fn)
	if errors.Is(err, ErrNoRows) {
		return Errorf(KindNotFound, "no access key %s", id)
	}
	return err
}

// RecordAccessKeyUse notes that key id signed an accepted request at when.
func (d *Directory) RecordAccessKeyUse(ctx context.Context, id string, when time.Time) error {
	return d.update(ctx, func(tx Tx) error { return tx.TouchAccessKey(id, when) })
}

// KeyRecheck is how long a server trusts what it read of an access key before reading it
// again: a deleted or disabled key is refused by every server sharing the store within it.
const KeyRecheck = 500 * time.Millisecond

// CheckMasterKey makes sure the Sealer opens the access keys already in the store: servers
// sharing a store (replicas on PostgreSQL) must share the master key, and a mismatch is better
// refused at start than as every request failing.
func (d *Directory) CheckMasterKey(ctx context.Context) error {
	var keys []AccessKey
	if err := d.view(ctx, func(tx Tx) (err error) { keys, err = tx.ListAccessKeys(); return err }); err != nil {
		return err
	}
	if len(keys) == 0 {
		return nil
	}
	if _, err := d.Sealer.Open(keys[0].ID, keys[0].SecretEncrypted); err != nil {
		return errors.New("the master key does not open the access keys in this store: every server on one store must be given the same master key")
	}
	return nil
}

// ListAccessKeys lists the API keys (without secrets).
func (d *Directory) ListAccessKeys(ctx context.Context) (keys []AccessKey, err error) {
	err = d.view(ctx, func(tx Tx) error {
		keys, err = tx.ListAccessKeys()
		return err
	})
	for i := range keys {
		keys[i].SecretEncrypted = nil
	}
	return keys, err
}

// GetSessionToken's duration bounds, STS's for an IAM user: 15 minutes to 36 hours, 12 hours
// when none is asked for.
const (
	SessionMinDuration     = 15 * time.Minute
	SessionMaxDuration     = 36 * time.Hour
	SessionDefaultDuration = 12 * time.Hour
)

// IsSessionKeyID reports whether id is a temporary credential's (ASIA…), as AWS tells them apart.
func IsSessionKeyID(id string) bool { return strings.HasPrefix(id, "ASIA") }

// GetSessionToken issues temporary credentials for the identity userName that last duration.
// They are stored, so that every server on the store accepts them until they expire.
func (d *Directory) GetSessionToken(ctx context.Context, userName string, duration time.Duration) (SessionCredentials, error) {
	id, secret := newKeyPair("ASIA")
	now := d.now()
	creds := SessionCredentials{AccessKeyID: id, SecretAccessKey: secret, SessionToken: RandomToken(96),
		Expiration: now.Add(duration).Truncate(time.Second)}
	sealed, err := d.Sealer.Seal(id, secret)
	if err != nil {
		return SessionCredentials{}, err
	}
	k := SessionKey{ID: id, SecretEncrypted: sealed, TokenHash: TokenHash(creds.SessionToken), UserName: userName,
		CreatedTime: now, Expiration: creds.Expiration}
	err = d.update(ctx, func(tx Tx) error { return tx.InsertSessionKey(k, now) })
	return creds, err
}

// SessionKey returns temporary credential id, with its secret opened; ok is false for an unknown
// id. Expiry is the caller's to judge: AWS names an expired token apart from an unknown one.
func (d *Directory) SessionKey(ctx context.Context, id string) (k SessionKey, secret string, ok bool, err error) {
	err = d.view(ctx, func(tx Tx) error {
		k, err = tx.GetSessionKey(id)
		return err
	})
	if errors.Is(err, ErrNoRows) {
		return SessionKey{}, "", false, nil
	}
	if err != nil {
		return SessionKey{}, "", false, err
	}
	secret, err = d.Sealer.Open(id, k.SecretEncrypted)
	return k, secret, err == nil, err
}

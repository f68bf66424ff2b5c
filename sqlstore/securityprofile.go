package sqlstore

import (
	"database/sql"

	"github.com/connectdir/connectdir"
)

func (t *tx) UpdateSecurityProfile(p connectdir.SecurityProfile) error {
	_, err := t.exec(`UPDATE security_profiles SET description = $3, modified_us = $4, region = $5 WHERE instance_id = $1 AND id = $2`,
		p.InstanceID, p.ID, p.Description, us(p.LastModifiedTime), p.LastModifiedRegion)
	return err
}

func (t *tx) DeleteSecurityProfile(instanceID, id string) error {
	for _, q := range []string{
		`DELETE FROM tags WHERE instance_id = $1 AND resource_id = $2`,
		`DELETE FROM security_profile_permissions WHERE instance_id = $1 AND profile_id = $2`,
		`DELETE FROM security_profiles WHERE instance_id = $1 AND id = $2`,
	} {
		if _, err := t.exec(q, instanceID, id); err != nil {
			return err
		}
	}
	return nil
}

func (t *tx) SecurityProfileNamed(instanceID, name string) (string, error) {
	var id string
	err := t.row(`SELECT id FROM security_profiles WHERE instance_id = $1 AND name = $2`, instanceID, name).Scan(&id)
	if err == sql.ErrNoRows {
		return "", nil
	}
	return id, err
}

func (t *tx) CountUsersWithSecurityProfile(instanceID, id string) (int64, error) {
	// The ids are kept as a JSON array of UUIDs; a quoted id cannot match part of another.
	return t.count(`SELECT count(*) FROM users WHERE instance_id = $1 AND security_profile_ids LIKE $2 ESCAPE '\'`,
		instanceID, `%"`+likeEscape(id)+`"%`)
}

func (t *tx) Permissions(instanceID, profileID string) ([]string, error) {
	rows, err := t.query(`SELECT permission FROM security_profile_permissions WHERE instance_id = $1 AND profile_id = $2 ORDER BY permission`, instanceID, profileID)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(sc interface{ Scan(...any) error }) (string, error) {
		var p string
		return p, sc.Scan(&p)
	})
}

func (t *tx) PutPermissions(instanceID, profileID string, permissions []string) error {
	if _, err := t.exec(`DELETE FROM security_profile_permissions WHERE instance_id = $1 AND profile_id = $2`, instanceID, profileID); err != nil {
		return err
	}
	for _, p := range permissions {
		if _, err := t.exec(`INSERT INTO security_profile_permissions (instance_id, profile_id, permission) VALUES ($1,$2,$3)`, instanceID, profileID, p); err != nil {
			return err
		}
	}
	return nil
}

package sqlstore

import (
	"database/sql"
	"encoding/json"
	"strings"
	"time"

	"github.com/connectdir/connectdir"
)

// ---- predefined attributes ----

const attributeCols = `instance_id, name, vals, purposes, validation, modified_us, region`

func scanAttribute(sc interface{ Scan(...any) error }) (connectdir.PredefinedAttribute, error) {
	var a connectdir.PredefinedAttribute
	var vals, purposes string
	var validation sql.NullInt64
	var mod int64
	if err := sc.Scan(&a.InstanceID, &a.Name, &vals, &purposes, &validation, &mod, &a.LastModifiedRegion); err != nil {
		return a, err
	}
	a.LastModifiedTime = fromUS(mod)
	if validation.Valid {
		v := validation.Int64 == 1
		a.EnableValueValidationOnAssociation = &v
	}
	if err := json.Unmarshal([]byte(vals), &a.Values); err != nil {
		return a, err
	}
	return a, json.Unmarshal([]byte(purposes), &a.Purposes)
}

// attributeValues are the columns after instance_id and name, in attributeCols' order.
func attributeValues(a connectdir.PredefinedAttribute) ([]any, error) {
	vals, err := json.Marshal(nonNil(a.Values))
	if err != nil {
		return nil, err
	}
	purposes, err := json.Marshal(nonNil(a.Purposes))
	if err != nil {
		return nil, err
	}
	var validation any
	if v := a.EnableValueValidationOnAssociation; v != nil {
		validation = b2i(*v)
	}
	return []any{string(vals), string(purposes), validation, us(a.LastModifiedTime), a.LastModifiedRegion}, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (t *tx) InsertPredefinedAttribute(a connectdir.PredefinedAttribute) error {
	vals, err := attributeValues(a)
	if err != nil {
		return err
	}
	_, err = t.exec(`INSERT INTO predefined_attributes (`+attributeCols+`) VALUES ($1,$2,$3,$4,$5,$6,$7)`,
		append([]any{a.InstanceID, a.Name}, vals...)...)
	return err
}

func (t *tx) GetPredefinedAttribute(instanceID, name string) (connectdir.PredefinedAttribute, error) {
	a, err := scanAttribute(t.row(`SELECT `+attributeCols+` FROM predefined_attributes WHERE instance_id = $1 AND name = $2`, instanceID, name))
	return a, noRows(err)
}

func (t *tx) ListPredefinedAttributes(instanceID, after string, limit int) ([]connectdir.PredefinedAttribute, error) {
	rows, err := t.query(`SELECT `+attributeCols+` FROM predefined_attributes WHERE instance_id = $1 AND name > $2 ORDER BY name LIMIT $3`, instanceID, after, limit)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanAttribute)
}

func (t *tx) UpdatePredefinedAttribute(a connectdir.PredefinedAttribute) error {
	vals, err := attributeValues(a)
	if err != nil {
		return err
	}
	_, err = t.exec(`UPDATE predefined_attributes SET vals = $3, purposes = $4, validation = $5, modified_us = $6, region = $7
		WHERE instance_id = $1 AND name = $2`, append([]any{a.InstanceID, a.Name}, vals...)...)
	return err
}

func (t *tx) DeletePredefinedAttribute(instanceID, name string) error {
	_, err := t.exec(`DELETE FROM predefined_attributes WHERE instance_id = $1 AND name = $2`, instanceID, name)
	return err
}

func (t *tx) CountProficienciesWithAttribute(instanceID, name, value string) (int64, error) {
	if value == "" {
		return t.count(`SELECT count(*) FROM user_proficiencies WHERE instance_id = $1 AND name = $2`, instanceID, name)
	}
	return t.count(`SELECT count(*) FROM user_proficiencies WHERE instance_id = $1 AND name = $2 AND value = $3`, instanceID, name, value)
}

// ---- user proficiencies ----

func (t *tx) UserProficiencies(instanceID, userID string) ([]connectdir.UserProficiency, time.Time, string, error) {
	rows, err := t.query(`SELECT name, value, level FROM user_proficiencies WHERE instance_id = $1 AND user_id = $2 ORDER BY name, value`, instanceID, userID)
	if err != nil {
		return nil, time.Time{}, "", err
	}
	list, err := collect(rows, func(sc interface{ Scan(...any) error }) (connectdir.UserProficiency, error) {
		var p connectdir.UserProficiency
		var level float64
		err := sc.Scan(&p.AttributeName, &p.AttributeValue, &level)
		p.Level = float32(level)
		return p, err
	})
	if err != nil {
		return nil, time.Time{}, "", err
	}
	var mod int64
	var region string
	err = t.row(`SELECT modified_us, region FROM user_proficiency_changes WHERE instance_id = $1 AND user_id = $2`, instanceID, userID).Scan(&mod, &region)
	if err == sql.ErrNoRows {
		return list, time.Time{}, "", nil
	}
	if err != nil {
		return nil, time.Time{}, "", err
	}
	return list, fromUS(mod), region, nil
}

func (t *tx) PutUserProficiencies(instanceID, userID string, list []connectdir.UserProficiency, at time.Time, region string) error {
	if _, err := t.exec(`DELETE FROM user_proficiencies WHERE instance_id = $1 AND user_id = $2`, instanceID, userID); err != nil {
		return err
	}
	for _, p := range list {
		if _, err := t.exec(`INSERT INTO user_proficiencies (instance_id, user_id, name, value, name_lc, value_lc, level, modified_us, region)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`, instanceID, userID, p.AttributeName, p.AttributeValue,
			strings.ToLower(p.AttributeName), strings.ToLower(p.AttributeValue), float64(p.Level), us(at), region); err != nil {
			return err
		}
	}
	_, err := t.exec(`INSERT INTO user_proficiency_changes (user_id, instance_id, modified_us, region) VALUES ($1,$2,$3,$4)
		ON CONFLICT (user_id) DO UPDATE SET modified_us = excluded.modified_us, region = excluded.region`, userID, instanceID, us(at), region)
	return err
}

// proficiencyCond compiles a ListCondition: one proficiency row of the user satisfies every
// condition of the list.
func proficiencyCond(conds []connectdir.ProficiencyCond, arg func(any) string) string {
	parts := []string{"p.user_id = u.id"}
	for _, c := range conds {
		switch c.Field {
		case "name", "value":
			col := "p." + c.Field + "_lc"
			switch c.Comparison {
			case "STARTS_WITH":
				parts = append(parts, col+" LIKE "+arg(likeEscape(c.Value)+"%")+` ESCAPE '\'`)
			case "CONTAINS":
				parts = append(parts, col+" LIKE "+arg("%"+likeEscape(c.Value)+"%")+` ESCAPE '\'`)
			default:
				parts = append(parts, col+" = "+arg(c.Value))
			}
		case "limit":
			parts = append(parts, levelCond(c, arg))
		default:
			return "1=0"
		}
	}
	return "EXISTS (SELECT 1 FROM user_proficiencies p WHERE " + strings.Join(parts, " AND ") + ")"
}

// levelCond compares the level with MinValue for the lower bounds and equality, MaxValue for
// the upper bounds, and both, inclusive, for RANGE; a missing bound matches nothing.
func levelCond(c connectdir.ProficiencyCond, arg func(any) string) string {
	bound := func(v *int32) (string, bool) {
		if v == nil {
			return "", false
		}
		return arg(float64(*v)), true
	}
	ops := map[string]string{"GREATER_OR_EQUAL": ">=", "GREATER": ">", "EQUAL": "=", "NOT_EQUAL": "<>", "LESSER_OR_EQUAL": "<=", "LESSER": "<"}
	switch c.Comparison {
	case "RANGE":
		lo, ok1 := bound(c.Min)
		hi, ok2 := bound(c.Max)
		if !ok1 || !ok2 {
			return "1=0"
		}
		return "p.level >= " + lo + " AND p.level <= " + hi
	case "LESSER_OR_EQUAL", "LESSER":
		v, ok := bound(c.Max)
		if !ok {
			return "1=0"
		}
		return "p.level " + ops[c.Comparison] + " " + v
	default:
		v, ok := bound(c.Min)
		if !ok {
			return "1=0"
		}
		return "p.level " + ops[c.Comparison] + " " + v
	}
}

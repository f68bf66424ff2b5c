package sqlstore

import (
	"github.com/connectdir/connectdir"
)

// userRefsSQL reads an instance and counts what a new user refers to in it, in one statement:
// the routing profile ($2), the group's path ($3) and n security profiles ($4…), each through
// its primary key.
func userRefsSQL(n int) string {
	return `SELECT ` + instanceCols + `,
		(SELECT count(*) FROM routing_profiles WHERE instance_id = $1 AND id = $2),
		(SELECT count(*) FROM security_profiles WHERE instance_id = $1 AND id IN (` + placeholders(4, n) + `)),
		COALESCE((SELECT path FROM hierarchy_groups WHERE instance_id = $1 AND id = $3), '')
	FROM instances WHERE id = $1`
}

// userRefsSQLs are userRefsSQL by number of security profiles, up to the model's 10.
var userRefsSQLs = func() (q [11]string) {
	for n := 1; n < len(q); n++ {
		q[n] = userRefsSQL(n)
	}
	return q
}()

func (t *tx) UserRefs(instanceID, routingProfileID string, securityProfileIDs []string, groupID string) (connectdir.UserRefs, error) {
	var r connectdir.UserRefs
	ids := securityProfileIDs
	if len(ids) == 0 {
		ids = []string{""} // IN () is not SQL; no profile has the id ""
	}
	var query string
	if len(ids) < len(userRefsSQLs) {
		query = userRefsSQLs[len(ids)]
	} else {
		query = userRefsSQL(len(ids))
	}
	args := make([]any, 0, 3+len(ids))
	args = append(args, instanceID, routingProfileID, groupID)
	for _, id := range ids {
		args = append(args, id)
	}
	var routing int
	var err error
	r.Instance, err = scanInstance(scanWith{t.row(query, args...), []any{&routing, &r.SecurityProfiles, &r.GroupPath}})
	if err != nil {
		return r, noRows(err)
	}
	r.RoutingProfile = routingProfileID == "" || routing > 0
	return r, nil
}

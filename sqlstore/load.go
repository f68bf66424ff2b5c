package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/connectdir/connectdir"
)

// Bulk is rows to load in one go: a directory as it would be after many API calls, without
// making them. Benchmarks and scale tests seed their workloads with it.
type Bulk struct {
	Groups []connectdir.HierarchyGroup // parents before their children
	Users  []connectdir.User           // with their Tags; no password
}

// Load inserts b in one write transaction, many rows per statement: at 100,000 users one INSERT
// per row costs most of the seeding time, mostly in statement round trips. On SQLite it returns
// once the load is in the database file and the WAL is empty, as it would be a while after the
// load: otherwise the checkpointer copies it (about 250 MB at 100,000 users, for seconds) while
// what follows runs, and reads until then take the load's pages from the WAL with pread.
func (s *Store) Load(ctx context.Context, b Bulk) error {
	if err := s.load(ctx, b); err != nil {
		return err
	}
	if _, ok := s.d.(sqliteDialect); !ok {
		return nil
	}
	for {
		// A checkpoint already running (the checkpointer's) makes this one report busy at once.
		var busy, frames, copied int
		err := s.write.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &frames, &copied)
		if err != nil || busy == 0 {
			return err
		}
		select {
		case <-time.After(50 * time.Millisecond):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (s *Store) load(ctx context.Context, b Bulk) error {
	return s.Update(ctx, func(ct connectdir.Tx) error {
		t := ct.(*tx)
		if _, ok := s.d.(sqliteDialect); ok {
			// Rows arrive in random id order: with SQLite's default 2 MB page cache the indexes of
			// 100,000 users no longer fit and every insert goes to the file.
			if _, err := t.q.ExecContext(t.ctx, `PRAGMA cache_size = -262144`); err != nil {
				return err
			}
			defer t.q.ExecContext(t.ctx, `PRAGMA cache_size = -2000`)
		}
		var groups, users, tags [][]any
		for _, g := range b.Groups {
			var parent any
			if g.ParentID != "" {
				parent = g.ParentID
			}
			groups = append(groups, []any{g.InstanceID, g.ID, g.ARN, g.Name, g.Level, parent, g.ParentID, g.Path, us(g.LastModifiedTime), g.LastModifiedRegion})
			for k, v := range g.Tags {
				tags = append(tags, []any{g.InstanceID, g.ID, k, v})
			}
		}
		for _, u := range b.Users {
			vals, err := userValues(u)
			if err != nil {
				return err
			}
			users = append(users, append([]any{u.InstanceID, u.ID, u.ARN, u.Username, strings.ToLower(u.Username), ""}, vals...))
			for k, v := range u.Tags {
				tags = append(tags, []any{u.InstanceID, u.ID, k, v})
			}
		}
		for _, ins := range []struct {
			head string
			rows [][]any
		}{
			{`INSERT INTO hierarchy_groups (instance_id, id, arn, name, level, parent_id, parent_key, path, modified_us, region) VALUES `, groups},
			{insertUserSQL[:strings.Index(insertUserSQL, "VALUES")+len("VALUES ")], users},
			{`INSERT INTO tags (instance_id, resource_id, key, value) VALUES `, tags},
		} {
			if err := t.insertRows(ins.head, ins.rows); err != nil {
				return err
			}
		}
		return nil
	})
}

// maxParams bounds the parameters of one statement: SQLite looks $N names up in a list, so a
// statement's binding cost grows with the square of its parameters.
const maxParams = 1000

// insertRows runs head followed by as many rows of values as fit in one statement, repeatedly,
// preparing the full-sized statement once.
func (t *tx) insertRows(head string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	width := len(rows[0])
	per := max(1, maxParams/width)
	values := func(n int) string {
		var q strings.Builder
		q.WriteString(head)
		for i := range n {
			if i > 0 {
				q.WriteByte(',')
			}
			q.WriteString("(" + placeholders(i*width+1, width) + ")")
		}
		return q.String()
	}
	full, err := t.sqlTx.PrepareContext(t.ctx, values(per))
	if err != nil {
		return err
	}
	defer full.Close()
	for start := 0; start < len(rows); start += per {
		chunk := rows[start:min(len(rows), start+per)]
		args := make([]any, 0, len(chunk)*width)
		for _, r := range chunk {
			if len(r) != width {
				return fmt.Errorf("bulk insert: row of %d values, want %d", len(r), width)
			}
			args = append(args, r...)
		}
		if len(chunk) == per {
			_, err = full.ExecContext(t.ctx, args...)
		} else {
			_, err = t.sqlTx.ExecContext(t.ctx, values(len(chunk)), args...)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// Exec runs one statement outside the API's transactions: maintenance such as ANALYZE after a
// bulk load.
func (s *Store) Exec(ctx context.Context, query string) error {
	defer s.users.writing()()
	_, err := s.write.ExecContext(ctx, query)
	return err
}

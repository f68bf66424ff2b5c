package testserver

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/connectdir/connectdir"
	"github.com/connectdir/connectdir/sqlstore"
	"github.com/google/uuid"
)

// Workload is the shape of one seeded instance: how many users, and how many child groups each
// group has per level (Shape[0] is the number of LevelOne groups).
type Workload struct {
	Alias string
	Users int
	Shape [connectdir.MaxLevels]int
}

// The reference workload of the benchmarks (issue 13): 100,000 users in one instance under a
// 5-level tree of 10×8×6×4×3 (5,760 leaves, 8,250 groups in all), plus a second instance of
// 10,000 users in the same tables, so that every query has another instance's rows to skip.
var (
	Reference100k = Workload{Alias: "ref-100k", Users: 100_000, Shape: [connectdir.MaxLevels]int{10, 8, 6, 4, 3}}
	Reference10k  = Workload{Alias: "ref-10k", Users: 10_000, Shape: [connectdir.MaxLevels]int{10, 8, 6, 4, 3}}
)

// Seeded is what Seed made.
type Seeded struct {
	Instance connectdir.Instance
	// Groups are by level, LevelOne first; a group's children follow each other in the level below.
	Groups [connectdir.MaxLevels][]connectdir.HierarchyGroup
	Users  []connectdir.User // in username order
}

// Leaves are the LevelFive groups, where the users sit.
func (s *Seeded) Leaves() []connectdir.HierarchyGroup { return s.Groups[connectdir.MaxLevels-1] }

// Names with accents and apostrophes, as real directories have: they go through JSON, SQL
// parameters, lower-casing for search and the LIKE escapes.
var (
	firstNames = []string{"Zoë", "José", "Ångström", "Renée", "Siân", "Łukasz", "Anaïs", "François", "Ólafur", "Ana", "Mary-Jane", "Dāvis"}
	lastNames  = []string{"O'Brien", "D'Arcy", "Müller", "Núñez", "Çelik", "L'Écuyer", "Smith", "Ó Súilleabháin", "Dvořák", "N'Diaye", "García", "Ng"}
)

// Seed creates a CONNECT_MANAGED instance through dir and loads w into it straight through the
// store, many rows per statement. Every user has two tags, a leaf group, 1 to 3 of the four
// default security profiles, an email, and a name from the lists above. Users have no password.
func Seed(t testing.TB, dir *connectdir.Directory, store *sqlstore.Store, w Workload) *Seeded {
	t.Helper()
	ctx := context.Background()
	start := time.Now()
	inst, err := dir.CreateInstance(ctx, connectdir.Instance{IdentityManagementType: connectdir.IdentityConnectManaged, Alias: w.Alias,
		InboundCallsEnabled: true, OutboundCallsEnabled: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := dir.UpdateHierarchyStructure(ctx, inst.ID, [connectdir.MaxLevels]string{"Région", "Country", "Site", "Department", "Team"}); err != nil {
		t.Fatal(err)
	}
	rps, err := dir.ListRoutingProfiles(ctx, inst.ID, "", 10)
	if err != nil || len(rps) == 0 {
		t.Fatalf("routing profiles: %v %v", rps, err)
	}
	sps, err := dir.ListSecurityProfiles(ctx, inst.ID, "", 10)
	if err != nil || len(sps) < 3 {
		t.Fatalf("security profiles: %v %v", sps, err)
	}
	// One user made by the Directory gives the exact shape (normalised phone and channel
	// configs) of a user created through the API; it is removed again so the counts stay exact.
	tmpl, err := dir.CreateUser(ctx, connectdir.NewUser{User: connectdir.User{
		InstanceID: inst.ID, Username: "template", RoutingProfileID: rps[0].ID, SecurityProfileIDs: []string{sps[0].ID},
		IdentityInfo: connectdir.IdentityInfo{FirstName: "Template", LastName: "User"},
	}, Password: "Template-Passw0rd"}, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := dir.DeleteUser(ctx, inst.ID, tmpl.ID); err != nil {
		t.Fatal(err)
	}

	s := &Seeded{Instance: inst}
	now := time.Now().UTC()
	var bulk sqlstore.Bulk
	parents := []connectdir.HierarchyGroup{{}} // LevelOne groups have the empty parent
	for level := range connectdir.MaxLevels {
		var groups []connectdir.HierarchyGroup
		for pi, p := range parents {
			for i := range w.Shape[level] {
				g := connectdir.HierarchyGroup{InstanceID: inst.ID, ID: uuid.NewString(), Level: level + 1, ParentID: p.ID,
					Name:             fmt.Sprintf("%s %d·%d", []string{"Région", "Pays", "Site", "Dépt", "Équipe"}[level], pi, i),
					LastModifiedTime: now, LastModifiedRegion: dir.Region}
				g.ARN = inst.ARN + "/agent-group/" + g.ID
				g.Path = connectdir.GroupPath(p.Path, g.ID)
				groups = append(groups, g)
			}
		}
		s.Groups[level] = groups
		bulk.Groups = append(bulk.Groups, groups...)
		parents = groups
	}
	leaves := s.Leaves()
	s.Users = make([]connectdir.User, w.Users)
	for i := range w.Users {
		u := tmpl
		u.ID = uuid.NewString()
		u.ARN = inst.ARN + "/agent/" + u.ID
		u.Username = fmt.Sprintf("agent%06d", i)
		u.IdentityInfo = connectdir.IdentityInfo{FirstName: firstNames[i%len(firstNames)], LastName: lastNames[(i/len(firstNames))%len(lastNames)],
			Email: fmt.Sprintf("agent%06d@example.com", i)}
		u.SecurityProfileIDs = nil
		for j := range 1 + i%3 {
			u.SecurityProfileIDs = append(u.SecurityProfileIDs, sps[(i+j)%len(sps)].ID)
		}
		g := leaves[i*len(leaves)/w.Users] // spread evenly, consecutive users in the same leaf
		u.HierarchyGroupID, u.HierarchyPath = g.ID, g.Path
		u.Tags = map[string]string{"team": g.Name, "cost-centre": fmt.Sprintf("CC-%03d", i%97)}
		u.LastModifiedTime = now
		s.Users[i] = u
	}
	bulk.Users = s.Users
	if err := store.Load(ctx, bulk); err != nil {
		t.Fatal(err)
	}
	t.Logf("seeded %s: %d groups, %d users in %v", w.Alias, len(bulk.Groups), len(bulk.Users), time.Since(start).Round(time.Millisecond))
	return s
}

package connectdir

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/google/uuid"
)

// LevelARN is the ARN of hierarchy level n (1..5) of an instance.
func (d *Directory) LevelARN(instanceID string, n int) string {
	return d.InstanceARN(instanceID) + "/agent-group-level/" + strconv.Itoa(n)
}

// DescribeHierarchyStructure returns an instance's levels, LevelOne first.
func (d *Directory) DescribeHierarchyStructure(ctx context.Context, instanceID string) (levels []HierarchyLevel, err error) {
	err = d.view(ctx, func(tx Tx) error {
		if _, err := getInstance(tx, instanceID); err != nil {
			return err
		}
		levels, err = tx.GetLevels(instanceID)
		return err
	})
	return levels, err
}

// UpdateHierarchyStructure sets the level names; names[i] is level i+1 and "" means the level
// is absent. Levels are contiguous from LevelOne; a level that still has groups cannot go.
func (d *Directory) UpdateHierarchyStructure(ctx context.Context, instanceID string, names [MaxLevels]string) error {
	n := 0
	for i, name := range names {
		if name == "" {
			continue
		}
		if i != n {
			return invalidParam("%s must be defined before %s: hierarchy levels are contiguous from LevelOne", LevelNames[n], LevelNames[i])
		}
		if strings.TrimSpace(name) == "" {
			return invalidParam("HierarchyStructure.%s.Name must not be blank", LevelNames[i])
		}
		if len([]rune(name)) > 50 {
			return invalidParam("HierarchyStructure.%s.Name must have length less than or equal to 50", LevelNames[i])
		}
		n++
	}
	return d.update(ctx, func(tx Tx) error {
		if _, err := getInstance(tx, instanceID); err != nil {
			return err
		}
		old, err := tx.GetLevels(instanceID)
		if err != nil {
			return err
		}
		for level := n + 1; level <= len(old); level++ {
			count, err := tx.CountGroupsAtLevel(instanceID, level)
			if err != nil {
				return err
			}
			if count > 0 {
				e := Errorf(KindInUse, "%s cannot be removed: it has %d hierarchy groups", LevelNames[level-1], count)
				e.ResourceType, e.ResourceID = "HIERARCHY_LEVEL", strconv.Itoa(level)
				return e
			}
		}
		now := d.now()
		levels := make([]HierarchyLevel, n)
		for i := range n {
			l := HierarchyLevel{Number: i + 1, ARN: d.LevelARN(instanceID, i+1), Name: names[i], LastModifiedTime: now, LastModifiedRegion: d.Region}
			if i < len(old) && old[i].Name == names[i] {
				l = old[i] // unchanged: keeps its modification time
			}
			levels[i] = l
		}
		return tx.PutLevels(instanceID, levels)
	})
}

func checkGroupName(name string) error {
	if strings.TrimSpace(name) == "" {
		return invalidParam("Name must not be blank")
	}
	if len([]rune(name)) > 256 {
		return invalidParam("Name must have length less than or equal to 256")
	}
	return nil
}

// CreateHierarchyGroup adds a group under parentID ("" for LevelOne).
func (d *Directory) CreateHierarchyGroup(ctx context.Context, instanceID, name, parentID string, tags map[string]string) (g HierarchyGroup, err error) {
	if err := checkGroupName(name); err != nil {
		return g, err
	}
	err = d.update(ctx, func(tx Tx) error {
		inst, err := getInstance(tx, instanceID)
		if err != nil {
			return err
		}
		g = HierarchyGroup{InstanceID: instanceID, ID: uuid.NewString(), Name: name, Level: 1, ParentID: parentID, Tags: tags,
			LastModifiedTime: d.now(), LastModifiedRegion: d.Region}
		g.ARN = inst.ARN + "/agent-group/" + g.ID
		parentPath := ""
		if parentID != "" {
			parent, err := getGroup(tx, instanceID, parentID)
			if err != nil {
				return err
			}
			g.Level, parentPath = parent.Level+1, parent.Path
		}
		levels, err := tx.GetLevels(instanceID)
		if err != nil {
			return err
		}
		if g.Level > len(levels) {
			return invalidParam("The hierarchy structure has no %s: define it before adding groups at that level", levelName(g.Level))
		}
		g.Path = GroupPath(parentPath, g.ID)
		if err := uniqueSibling(tx, instanceID, parentID, name, ""); err != nil {
			return err
		}
		if err := checkQuota(KindLimitExceeded, d.Quotas.GroupsPerInstance, func() (int64, error) { return tx.CountGroups(instanceID) }, "user hierarchy groups per instance"); err != nil {
			return err
		}
		if err := tx.InsertGroup(g); err != nil {
			return siblingConflict(err, name)
		}
		if len(tags) > 0 {
			return tx.TagResource(instanceID, g.ID, tags)
		}
		return nil
	})
	return g, err
}

func levelName(n int) string {
	if n >= 1 && n <= MaxLevels {
		return LevelNames[n-1]
	}
	return "level " + strconv.Itoa(n)
}

func uniqueSibling(tx Tx, instanceID, parentID, name, self string) error {
	other, err := tx.SiblingNamed(instanceID, parentID, name)
	if err != nil {
		return err
	}
	if other != "" && other != self {
		return Errorf(KindDuplicate, "A hierarchy group named %s already exists at this place in the hierarchy", name)
	}
	return nil
}

// siblingConflict turns a unique-constraint refusal, the trace of a race with another writer,
// into the refusal the check before it would have given.
func siblingConflict(err error, name string) error {
	var c *ErrConflict
	if errors.As(err, &c) && c.Constraint == "unique" {
		return Errorf(KindDuplicate, "A hierarchy group named %s already exists at this place in the hierarchy", name)
	}
	return err
}

func getGroup(tx Tx, instanceID, id string) (HierarchyGroup, error) {
	g, err := tx.GetGroup(instanceID, id)
	if errors.Is(err, ErrNoRows) {
		return g, notFound("HierarchyGroup not found: %s", id)
	}
	return g, err
}

// GroupDetail is a group with the groups of its path, LevelOne first (itself last).
type GroupDetail struct {
	HierarchyGroup
	Path []HierarchyGroup
}

// DescribeHierarchyGroup returns a group with its path.
func (d *Directory) DescribeHierarchyGroup(ctx context.Context, instanceID, id string) (gd GroupDetail, err error) {
	err = d.view(ctx, func(tx Tx) error {
		if _, err := getInstance(tx, instanceID); err != nil {
			return err
		}
		if gd.HierarchyGroup, err = getGroup(tx, instanceID, id); err != nil {
			return err
		}
		gd.Path, err = resolvePath(tx, instanceID, gd.HierarchyGroup.Path)
		return err
	})
	return gd, err
}

func resolvePath(tx Tx, instanceID, path string) ([]HierarchyGroup, error) {
	ids := PathIDs(path)
	found, err := tx.GetGroups(instanceID, ids)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]HierarchyGroup, len(found))
	for _, g := range found {
		byID[g.ID] = g
	}
	out := make([]HierarchyGroup, 0, len(ids))
	for _, id := range ids {
		if g, ok := byID[id]; ok {
			out = append(out, g)
		}
	}
	return out, nil
}

// ListHierarchyGroups pages an instance's groups by id.
func (d *Directory) ListHierarchyGroups(ctx context.Context, instanceID, after string, limit int) (list []HierarchyGroup, err error) {
	err = d.view(ctx, func(tx Tx) error {
		if _, err := getInstance(tx, instanceID); err != nil {
			return err
		}
		list, err = tx.ListGroups(instanceID, after, limit)
		return err
	})
	return list, err
}

// RenameHierarchyGroup renames a group; its id, ARN and place stay, so paths show the new name.
func (d *Directory) RenameHierarchyGroup(ctx context.Context, instanceID, id, name string) error {
	if err := checkGroupName(name); err != nil {
		return err
	}
	return d.update(ctx, func(tx Tx) error {
		if _, err := getInstance(tx, instanceID); err != nil {
			return err
		}
		g, err := getGroup(tx, instanceID, id)
		if err != nil {
			return err
		}
		if err := uniqueSibling(tx, instanceID, g.ParentID, name, g.ID); err != nil {
			return err
		}
		return siblingConflict(tx.RenameGroup(instanceID, id, name, d.now(), d.Region), name)
	})
}

// DeleteHierarchyGroup removes a group that has no child groups and no users.
func (d *Directory) DeleteHierarchyGroup(ctx context.Context, instanceID, id string) error {
	return d.update(ctx, func(tx Tx) error {
		if _, err := getInstance(tx, instanceID); err != nil {
			return err
		}
		if _, err := getGroup(tx, instanceID, id); err != nil {
			return err
		}
		inUse := func(msg string) error {
			e := Errorf(KindInUse, "%s", msg)
			e.ResourceType, e.ResourceID = "HIERARCHY_GROUP", id
			return e
		}
		if n, err := tx.CountChildGroups(instanceID, id); err != nil {
			return err
		} else if n > 0 {
			return inUse("The hierarchy group has child groups and cannot be deleted")
		}
		if n, err := tx.CountUsersInGroup(instanceID, id); err != nil {
			return err
		} else if n > 0 {
			return inUse("The hierarchy group has users assigned to it and cannot be deleted")
		}
		err := tx.DeleteGroup(instanceID, id)
		var c *ErrConflict
		if errors.As(err, &c) && c.Constraint == "foreign" {
			return inUse("The hierarchy group is in use and cannot be deleted")
		}
		return err
	})
}

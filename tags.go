package connectdir

import (
	"context"
	"strings"
)

// MaxTags is how many tags one resource may carry.
const MaxTags = 50

// taggable resolves an ARN of this server to the instance and resource it names. Users,
// hierarchy groups, routing and security profiles and instances can be tagged. touch records a
// change of the resource's tags: for a user or a group, as a change of it, as Amazon Connect does
// (its LastModifiedTime moves with every change, which is what lets a client, the CLI's cache,
// skip reading again what has not changed since it last read it); for the others, nothing.
func (d *Directory) taggable(tx Tx, arn string) (instanceID, resourceID string, touch func() error, err error) {
	touch = func() error { return nil }
	prefix := "arn:aws:connect:" + d.Region + ":" + d.AccountID + ":instance/"
	rest, ok := strings.CutPrefix(arn, prefix)
	if !ok {
		if strings.HasPrefix(arn, "arn:") {
			return "", "", nil, notFound("Resource not found: %s", arn)
		}
		return "", "", nil, invalidParam("resourceArn is not a valid ARN: %s", arn)
	}
	parts := strings.Split(rest, "/")
	instanceID = parts[0]
	if _, err := getInstance(tx, instanceID); err != nil {
		return "", "", nil, err
	}
	if len(parts) == 1 {
		return instanceID, instanceID, touch, nil
	}
	if len(parts) != 3 {
		return "", "", nil, invalidParam("resourceArn is not a valid ARN: %s", arn)
	}
	id := parts[2]
	switch parts[1] {
	case "agent":
		var u User
		if u, err = getUser(tx, instanceID, id); err == nil {
			// UpdateUser writes the user's columns, not its tags: the copy read here is current.
			touch = func() error {
				u.LastModifiedTime, u.LastModifiedRegion = d.now(), d.Region
				return tx.UpdateUser(u)
			}
		}
	case "agent-group":
		var g HierarchyGroup
		if g, err = getGroup(tx, instanceID, id); err == nil {
			touch = func() error { return tx.RenameGroup(instanceID, id, g.Name, d.now(), d.Region) } // the same name: only the time moves
		}
	case "routing-profile":
		_, err = getRoutingProfile(tx, instanceID, id)
	case "security-profile":
		_, err = getSecurityProfile(tx, instanceID, id)
	default:
		err = invalidParam("Resources of type %s cannot be tagged here", parts[1])
	}
	return instanceID, id, touch, err
}

// TagResource adds or replaces tags on the resource an ARN names.
func (d *Directory) TagResource(ctx context.Context, arn string, tags map[string]string) error {
	return d.update(ctx, func(tx Tx) error {
		inst, id, touch, err := d.taggable(tx, arn)
		if err != nil {
			return err
		}
		if err := tx.TagResource(inst, id, tags); err != nil {
			return err
		}
		all, err := tx.Tags(inst, id)
		if err != nil {
			return err
		}
		if len(all) > MaxTags {
			return invalidParam("A resource can have at most %d tags", MaxTags)
		}
		return touch()
	})
}

// UntagResource removes tag keys from the resource an ARN names.
func (d *Directory) UntagResource(ctx context.Context, arn string, keys []string) error {
	return d.update(ctx, func(tx Tx) error {
		inst, id, touch, err := d.taggable(tx, arn)
		if err != nil {
			return err
		}
		if err := tx.UntagResource(inst, id, keys); err != nil {
			return err
		}
		return touch()
	})
}

// ListTags returns the tags of the resource an ARN names.
func (d *Directory) ListTags(ctx context.Context, arn string) (tags map[string]string, err error) {
	err = d.view(ctx, func(tx Tx) error {
		inst, id, _, err := d.taggable(tx, arn)
		if err != nil {
			return err
		}
		tags, err = tx.Tags(inst, id)
		return err
	})
	return tags, err
}

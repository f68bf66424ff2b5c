package connectdir

import "context"

// DefaultInstanceAlias is the alias of the instance a new server starts with.
const DefaultInstanceAlias = "connectdir"

// Bootstrap gives a new directory what a new Amazon Connect account has once an instance is made:
// one CONNECT_MANAGED instance with its default profiles. It returns the default instance,
// existing or new, so a restart (or another replica) finds the same one.
func (d *Directory) Bootstrap(ctx context.Context) (Instance, error) {
	find := func() (Instance, bool, error) {
		var first Instance
		after := ""
		for {
			list, err := d.ListInstances(ctx, after, 100)
			if err != nil {
				return Instance{}, false, err
			}
			for _, inst := range list {
				if inst.Alias == DefaultInstanceAlias {
					return inst, true, nil
				}
				if first.ID == "" {
					first = inst
				}
			}
			if len(list) < 100 {
				return first, first.ID != "", nil
			}
			after = list[len(list)-1].ID
		}
	}
	if inst, ok, err := find(); ok || err != nil {
		return inst, err
	}
	inst, err := d.CreateInstance(ctx, Instance{Alias: DefaultInstanceAlias, IdentityManagementType: IdentityConnectManaged,
		InboundCallsEnabled: true, OutboundCallsEnabled: true})
	if KindOf(err) == KindInvalidRequest {
		// Another replica bootstrapped first: its instance is the default.
		if existing, ok, ferr := find(); ok {
			return existing, ferr
		}
	}
	return inst, err
}

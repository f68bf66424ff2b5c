package connectdir

import (
	"context"
	"errors"
	"regexp"
	"slices"

	"github.com/google/uuid"
)

// SecurityProfileTx is the part of a Tx that manages security profiles beyond the defaults.
type SecurityProfileTx interface {
	// UpdateSecurityProfile writes a profile's description and modification time.
	UpdateSecurityProfile(SecurityProfile) error
	DeleteSecurityProfile(instanceID, id string) error
	// SecurityProfileNamed returns the id of the profile of that name, or "".
	SecurityProfileNamed(instanceID, name string) (string, error)
	CountUsersWithSecurityProfile(instanceID, id string) (int64, error)
	// Permissions returns a profile's permissions, sorted.
	Permissions(instanceID, profileID string) ([]string, error)
	PutPermissions(instanceID, profileID string, permissions []string) error
}

// DefaultPermissions are the permissions of the security profiles a new instance comes with,
// named as ListSecurityProfilePermissions names them (the administrator guide's "List of
// security profile permissions"). Admin's list is the part of the service's that concerns what
// connectdir keeps: users, profiles and the hierarchy.
var DefaultPermissions = map[string][]string{
	"Admin": {"AccessMetrics", "AgentGrouping.Create", "AgentGrouping.Delete", "AgentGrouping.Edit", "AgentGrouping.View",
		"AgentStates.Create", "AgentStates.Edit", "AgentStates.View", "BasicAgentAccess", "OutboundCallAccess",
		"PredefinedAttributes.Create", "PredefinedAttributes.Delete", "PredefinedAttributes.Edit", "PredefinedAttributes.View",
		"RoutingPolicies.Create", "RoutingPolicies.Edit", "RoutingPolicies.View",
		"SecurityProfiles.Create", "SecurityProfiles.Delete", "SecurityProfiles.Edit", "SecurityProfiles.View",
		"Users.Create", "Users.Delete", "Users.Edit", "Users.EditPermission", "Users.View"},
	"Agent":             {"BasicAgentAccess", "OutboundCallAccess"},
	"CallCenterManager": {"AccessMetrics", "AgentGrouping.View", "BasicAgentAccess", "OutboundCallAccess", "RoutingPolicies.View", "Users.View"},
	"QualityAnalyst":    {"AccessMetrics", "BasicAgentAccess", "ListenCallRecordings", "MonitorCalls"},
}

// securityProfileName is CreateSecurityProfileName's pattern in the model, checked here too so
// that the rule holds for every caller of the Directory, not only the API.
var securityProfileName = regexp.MustCompile(`^[ a-zA-Z0-9_@-]+$`)

// MaxPermissions is PermissionsList's bound in the model.
const MaxPermissions = 500

func checkPermissions(perms []string) ([]string, error) {
	if len(perms) > MaxPermissions {
		return nil, invalidParam("Permissions must include at most %d items", MaxPermissions)
	}
	out := slices.Clone(perms)
	slices.Sort(out)
	return slices.Compact(out), nil
}

// CreateSecurityProfile adds a security profile with its permissions.
func (d *Directory) CreateSecurityProfile(ctx context.Context, sp SecurityProfile, permissions []string) (SecurityProfile, error) {
	if len(sp.Name) == 0 || len(sp.Name) > 127 || !securityProfileName.MatchString(sp.Name) {
		return SecurityProfile{}, invalidParam("SecurityProfileName must be 1 to 127 characters from [ a-zA-Z0-9_@-]")
	}
	perms, err := checkPermissions(permissions)
	if err != nil {
		return SecurityProfile{}, err
	}
	sp.ID = uuid.NewString()
	sp.ARN = d.InstanceARN(sp.InstanceID) + "/security-profile/" + sp.ID
	sp.LastModifiedTime, sp.LastModifiedRegion = d.now(), d.Region
	err = d.update(ctx, func(tx Tx) error {
		if _, err := getInstance(tx, sp.InstanceID); err != nil {
			return err
		}
		if id, err := tx.SecurityProfileNamed(sp.InstanceID, sp.Name); err != nil {
			return err
		} else if id != "" {
			return duplicateSecurityProfile(sp.Name)
		}
		if err := checkQuota(KindLimitExceeded, d.Quotas.SecurityProfilesPerInstance, func() (int64, error) {
			list, err := tx.ListSecurityProfiles(sp.InstanceID, "", d.Quotas.SecurityProfilesPerInstance)
			return int64(len(list)), err
		}, "security profiles per instance"); err != nil {
			return err
		}
		if err := tx.InsertSecurityProfile(sp); err != nil {
			var c *ErrConflict
			if errors.As(err, &c) && c.Constraint == "unique" {
				return duplicateSecurityProfile(sp.Name)
			}
			return err
		}
		if err := tx.PutPermissions(sp.InstanceID, sp.ID, perms); err != nil {
			return err
		}
		if len(sp.Tags) > 0 {
			return tx.TagResource(sp.InstanceID, sp.ID, sp.Tags)
		}
		return nil
	})
	if err != nil {
		return SecurityProfile{}, err
	}
	return sp, nil
}

func duplicateSecurityProfile(name string) *Error {
	return Errorf(KindDuplicate, "SecurityProfile with name %s already exists", name)
}

// UpdateSecurityProfile changes a profile's description and, when permissions is not nil,
// replaces its permissions.
func (d *Directory) UpdateSecurityProfile(ctx context.Context, instanceID, id string, description *string, permissions *[]string) error {
	var perms []string
	if permissions != nil {
		var err error
		if perms, err = checkPermissions(*permissions); err != nil {
			return err
		}
	}
	return d.update(ctx, func(tx Tx) error {
		if _, err := getInstance(tx, instanceID); err != nil {
			return err
		}
		sp, err := getSecurityProfile(tx, instanceID, id)
		if err != nil {
			return err
		}
		if description != nil {
			sp.Description = *description
		}
		sp.LastModifiedTime, sp.LastModifiedRegion = d.now(), d.Region
		if err := tx.UpdateSecurityProfile(sp); err != nil {
			return err
		}
		if permissions != nil {
			return tx.PutPermissions(instanceID, id, perms)
		}
		return nil
	})
}

// DeleteSecurityProfile removes a profile no user has.
func (d *Directory) DeleteSecurityProfile(ctx context.Context, instanceID, id string) error {
	return d.update(ctx, func(tx Tx) error {
		if _, err := getInstance(tx, instanceID); err != nil {
			return err
		}
		sp, err := getSecurityProfile(tx, instanceID, id)
		if err != nil {
			return err
		}
		n, err := tx.CountUsersWithSecurityProfile(instanceID, id)
		if err != nil {
			return err
		}
		if n > 0 {
			// The model's ResourceType enum has no security profile: only the ARN is given.
			return &Error{Kind: KindInUse, Message: "SecurityProfile " + sp.Name + " is assigned to users", ResourceID: sp.ARN}
		}
		return tx.DeleteSecurityProfile(instanceID, id)
	})
}

// SecurityProfilePermissions returns a profile with its permissions, sorted.
func (d *Directory) SecurityProfilePermissions(ctx context.Context, instanceID, id string) (sp SecurityProfile, perms []string, err error) {
	err = d.view(ctx, func(tx Tx) error {
		if _, err := getInstance(tx, instanceID); err != nil {
			return err
		}
		if sp, err = getSecurityProfile(tx, instanceID, id); err != nil {
			return err
		}
		perms, err = tx.Permissions(instanceID, id)
		return err
	})
	return sp, perms, err
}

package awsapi

import (
	"context"

	"github.com/connectdir/connectdir"
)

func (s *Server) updateUserConfig(ctx context.Context, rq *request) (any, error) {
	var in userMembers // the per-channel members, with the same wire shapes as CreateUser's
	if err := rq.decode(&in); err != nil {
		return nil, err
	}
	u := in.domain()
	c := connectdir.ChannelConfigs{AutoAccept: u.AutoAcceptConfigs, AfterContactWork: u.AfterContactWorkConfigs,
		PhoneNumber: u.PhoneNumberConfigs, PersistentConnection: u.PersistentConnectionConfigs, VoiceEnhancement: u.VoiceEnhancementConfigs}
	return nil, s.dir.UpdateUserConfig(ctx, rq.path("InstanceId"), rq.path("UserId"), c)
}

// issue14Operations are the operations of today's user API: per-channel settings,
// proficiencies with their predefined attributes, and security profile management.
func (s *Server) issue14Operations() map[string]handlerFunc {
	return map[string]handlerFunc{
		"UpdateUserConfig": s.updateUserConfig,

		"CreatePredefinedAttribute": s.createPredefinedAttribute, "DescribePredefinedAttribute": s.describePredefinedAttribute,
		"ListPredefinedAttributes": s.listPredefinedAttributes, "SearchPredefinedAttributes": s.searchPredefinedAttributes,
		"UpdatePredefinedAttribute": s.updatePredefinedAttribute, "DeletePredefinedAttribute": s.deletePredefinedAttribute,

		"AssociateUserProficiencies": s.associateUserProficiencies, "UpdateUserProficiencies": s.updateUserProficiencies,
		"DisassociateUserProficiencies": s.disassociateUserProficiencies, "ListUserProficiencies": s.listUserProficiencies,

		"CreateSecurityProfile": s.createSecurityProfile, "UpdateSecurityProfile": s.updateSecurityProfile,
		"DeleteSecurityProfile": s.deleteSecurityProfile, "ListSecurityProfilePermissions": s.listSecurityProfilePermissions,
	}
}

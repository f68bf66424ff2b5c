package awsapi

import (
	"context"

	"github.com/connectdir/connectdir"
)

func (s *Server) createSecurityProfile(ctx context.Context, rq *request) (any, error) {
	var in struct {
		SecurityProfileName string
		Description         string
		Permissions         []string
		Tags                map[string]string
	}
	if err := rq.decode(&in); err != nil {
		return nil, err
	}
	sp, err := s.dir.CreateSecurityProfile(ctx, connectdir.SecurityProfile{InstanceID: rq.path("InstanceId"),
		Name: in.SecurityProfileName, Description: in.Description, Tags: in.Tags}, in.Permissions)
	if err != nil {
		return nil, err
	}
	return map[string]string{"SecurityProfileId": sp.ID, "SecurityProfileArn": sp.ARN}, nil
}

func (s *Server) updateSecurityProfile(ctx context.Context, rq *request) (any, error) {
	var in struct {
		Description *string
		Permissions *[]string
	}
	if err := rq.decode(&in); err != nil {
		return nil, err
	}
	return nil, s.dir.UpdateSecurityProfile(ctx, rq.path("InstanceId"), rq.path("SecurityProfileId"), in.Description, in.Permissions)
}

func (s *Server) deleteSecurityProfile(ctx context.Context, rq *request) (any, error) {
	return nil, s.dir.DeleteSecurityProfile(ctx, rq.path("InstanceId"), rq.path("SecurityProfileId"))
}

func (s *Server) listSecurityProfilePermissions(ctx context.Context, rq *request) (any, error) {
	instanceID, id := rq.path("InstanceId"), rq.path("SecurityProfileId")
	var sp connectdir.SecurityProfile
	// A profile has at most 500 permissions: read them once and page in memory.
	out, next, err := listPage(rq, "ListSecurityProfilePermissions", instanceID+"/"+id, 1000,
		func(after string, limit int) ([]string, error) {
			var perms []string
			var err error
			if sp, perms, err = s.dir.SecurityProfilePermissions(ctx, instanceID, id); err != nil {
				return nil, err
			}
			page := []string{}
			for _, p := range perms {
				if p > after && len(page) < limit {
					page = append(page, p)
				}
			}
			return page, nil
		},
		func(p string) string { return p }, func(p string) string { return p })
	if err != nil {
		return nil, err
	}
	return struct {
		Permissions        []string
		NextToken          pageToken
		LastModifiedTime   *epoch `json:",omitempty"`
		LastModifiedRegion string `json:",omitempty"`
	}{out, pageToken(next), ts(sp.LastModifiedTime), sp.LastModifiedRegion}, nil
}

package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/connectdir/connectdir/hrsync"
	"github.com/urfave/cli/v3"
)

// planWithCache runs plan with the instance's cache (hrsync.Cache), kept beside --passwords-out
// when given, else in the user's cache directory, one file per endpoint and instance; it saves
// what the read learnt. Without a cache directory the plan runs uncached.
func planWithCache(cmd *cli.Command, c *connect.Client, instanceID string, opt hrsync.PlanOptions, plan func(hrsync.PlanOptions) (*hrsync.Plan, error)) (*hrsync.Plan, error) {
	dir := ""
	if out := cmd.String("passwords-out"); out != "" {
		dir = filepath.Dir(out)
	} else if d, err := os.UserCacheDir(); err == nil {
		dir = filepath.Join(d, "connectdir")
	}
	if dir == "" {
		return plan(opt)
	}
	o := c.Options()
	endpoint := aws.ToString(o.BaseEndpoint)
	if endpoint == "" {
		endpoint = "aws:" + o.Region
	}
	cache, err := hrsync.OpenCache(hrsync.CachePath(dir, endpoint, instanceID), endpoint, instanceID)
	if err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}
	opt.Cache = cache
	p, err := plan(opt)
	if err != nil {
		return nil, err
	}
	if err := cache.Save(); err != nil {
		fmt.Fprintf(os.Stderr, "warning: %v\n", err) // a cache that cannot be kept costs calls, nothing else
	}
	return p, nil
}

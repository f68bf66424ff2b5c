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

// openCache opens the cache (hrsync.Cache) of the instance c reaches, kept beside
// --passwords-out when given, else in the user's cache directory, one file per endpoint and
// instance. Without a cache directory it returns nil: the run reads everything.
func openCache(cmd *cli.Command, c *connect.Client, instanceID string) (*hrsync.Cache, error) {
	dir := ""
	if out := cmd.String("passwords-out"); out != "" {
		dir = filepath.Dir(out)
	} else if d, err := os.UserCacheDir(); err == nil {
		dir = filepath.Join(d, "connectdir")
	}
	if dir == "" {
		return nil, nil
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
	return cache, nil
}

// saveCache keeps what a run learnt; a cache that cannot be kept costs calls, nothing else.
func saveCache(cache *hrsync.Cache) {
	if cache == nil {
		return
	}
	if err := cache.Save(); err != nil {
		fmt.Fprintf(os.Stderr, "warning: %v\n", err)
	}
}

// withCache runs run with the instance's cache and, when it succeeds, saves what it learnt.
func withCache[T any](cmd *cli.Command, c *connect.Client, instanceID string, run func(*hrsync.Cache) (T, error)) (T, error) {
	var zero T
	cache, err := openCache(cmd, c, instanceID)
	if err != nil {
		return zero, err
	}
	v, err := run(cache)
	if err != nil {
		return zero, err
	}
	saveCache(cache)
	return v, nil
}

// planWithCache runs plan with the instance's cache and saves what the read learnt.
func planWithCache(cmd *cli.Command, c *connect.Client, instanceID string, opt hrsync.PlanOptions, plan func(hrsync.PlanOptions) (*hrsync.Plan, error)) (*hrsync.Plan, error) {
	return withCache(cmd, c, instanceID, func(cache *hrsync.Cache) (*hrsync.Plan, error) {
		opt.Cache = cache
		return plan(opt)
	})
}

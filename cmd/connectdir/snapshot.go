package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/connectdir/connectdir/hrsync"
	"github.com/connectdir/connectdir/snapshot"
	"github.com/urfave/cli/v3"
)

// importFlags are the settings of commands that write a snapshot into an instance.
func importFlags() []cli.Flag {
	return append([]cli.Flag{
		&cli.BoolFlag{Name: "plan", Usage: "print the plan only"},
		&cli.BoolFlag{Name: "prune", Usage: "also delete users and groups the snapshot lacks"},
		&cli.BoolFlag{Name: "json", Usage: "print the plan as JSON"},
		&cli.StringFlag{Name: "passwords-out", Usage: "file (mode 0600) for generated passwords, when the target instance is CONNECT_MANAGED"},
	}, pacingFlags()...)
}

func snapshotCommand() *cli.Command {
	return &cli.Command{
		Name:  "snapshot",
		Usage: "export an instance's hierarchy and agents to a JSON file, or import one",
		Commands: []*cli.Command{
			{
				Name:  "export",
				Usage: "write a point-in-time snapshot of an instance",
				Flags: append(append([]cli.Flag{
					&cli.StringFlag{Name: "instance", Required: true, Usage: "instance id", Sources: cli.EnvVars("CONNECTDIR_INSTANCE")},
					&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Required: true, Usage: "snapshot file (- for stdout)"},
					&cli.BoolFlag{Name: "skip-describe", Usage: "leave out emails and mobile numbers, saving one DescribeUser call per user"},
				}, pacingFlags()...), clientFlags("", "")...),
				Action: func(ctx context.Context, cmd *cli.Command) error {
					c, err := newClient(ctx, cmd, "")
					if err != nil {
						return err
					}
					s, err := export(ctx, cmd, c, cmd.String("instance"))
					if err != nil {
						return err
					}
					return writeSnapshot(s, cmd.String("output"))
				},
			},
			{
				Name:      "import",
				Usage:     "make an instance match a snapshot: groups by path, profiles by name",
				ArgsUsage: "FILE",
				Flags: append(append([]cli.Flag{
					&cli.StringFlag{Name: "instance", Required: true, Usage: "instance id", Sources: cli.EnvVars("CONNECTDIR_INSTANCE")},
				}, importFlags()...), clientFlags("", "")...),
				Action: func(ctx context.Context, cmd *cli.Command) error {
					if cmd.Args().Len() != 1 {
						return errors.New("give the snapshot file: connectdir snapshot import FILE --instance ID")
					}
					f, err := os.Open(cmd.Args().First())
					if err != nil {
						return err
					}
					s, err := snapshot.Read(f)
					f.Close()
					if err != nil {
						return err
					}
					c, err := newClient(ctx, cmd, "")
					if err != nil {
						return err
					}
					inst := cmd.String("instance")
					p, err := planWithCache(cmd, c, inst, hrsync.PlanOptions{Prune: cmd.Bool("prune"), Concurrency: int(cmd.Int("concurrency"))}, func(opt hrsync.PlanOptions) (*hrsync.Plan, error) {
						return snapshot.Plan(ctx, c, inst, s, opt)
					})
					if err != nil {
						return err
					}
					return showAndApply(ctx, cmd, c, p, !cmd.Bool("plan"))
				},
			},
		},
	}
}

func copyCommand() *cli.Command {
	return &cli.Command{
		Name:  "copy",
		Usage: "copy an instance's hierarchy and agents into another instance, possibly at another endpoint",
		Flags: append(append(append([]cli.Flag{
			&cli.StringFlag{Name: "from", Required: true, Usage: "source instance id"},
			&cli.StringFlag{Name: "to", Required: true, Usage: "target instance id"},
			&cli.BoolFlag{Name: "skip-describe", Usage: "leave out emails and mobile numbers, saving one DescribeUser call per source user"},
		}, importFlags()...), clientFlags("from-", " of the source")...), clientFlags("to-", " of the target")...),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			from, err := newClient(ctx, cmd, "from-")
			if err != nil {
				return err
			}
			to, err := newClient(ctx, cmd, "to-")
			if err != nil {
				return err
			}
			conc := int(cmd.Int("concurrency"))
			s, err := export(ctx, cmd, from, cmd.String("from"))
			if err != nil {
				return err
			}
			p, err := planWithCache(cmd, to, cmd.String("to"), hrsync.PlanOptions{Prune: cmd.Bool("prune"), Concurrency: conc}, func(opt hrsync.PlanOptions) (*hrsync.Plan, error) {
				return snapshot.Plan(ctx, to, cmd.String("to"), s, opt)
			})
			if err != nil {
				return err
			}
			return showAndApply(ctx, cmd, to, p, !cmd.Bool("plan"))
		},
	}
}

// export reads an instance into a snapshot through its cache, so that groups and users unchanged
// since the last run are not described again, and saves the cache.
func export(ctx context.Context, cmd *cli.Command, c *connect.Client, instanceID string) (*snapshot.Snapshot, error) {
	return withCache(cmd, c, instanceID, func(cache *hrsync.Cache) (*snapshot.Snapshot, error) {
		return snapshot.Export(ctx, c, instanceID, snapshot.ExportOptions{Concurrency: int(cmd.Int("concurrency")), SkipDescribe: cmd.Bool("skip-describe"), Cache: cache})
	})
}

func writeSnapshot(s *snapshot.Snapshot, path string) error {
	if path == "-" {
		return s.Write(os.Stdout)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := s.Write(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote %d users and %d groups to %s\n", len(s.Users), len(s.Groups), path)
	return nil
}

package main

import (
	"context"
	"fmt"

	"github.com/connectdir/connectdir"

	"github.com/urfave/cli/v3"
)

func keysCommand() *cli.Command {
	return &cli.Command{
		Name:  "keys",
		Usage: "manage the server's API access keys",
		Commands: []*cli.Command{
			{
				Name:  "create",
				Usage: "create an access key; the secret is printed once",
				Flags: append(storeFlags(), &cli.StringFlag{Name: "user", Value: "admin", Usage: "identity the key signs as (GetFederationToken answers for the instance user of this username)"}),
				Action: func(ctx context.Context, cmd *cli.Command) error {
					dir, err := openDirectory(ctx, cmd)
					if err != nil {
						return err
					}
					defer dir.Store.Close()
					k, secret, err := dir.CreateAccessKey(ctx, cmd.String("user"))
					if err != nil {
						return err
					}
					fmt.Printf("aws_access_key_id = %s\naws_secret_access_key = %s\n", k.ID, secret)
					return nil
				},
			},
			{
				Name:  "list",
				Usage: "list access keys (without secrets)",
				Flags: storeFlags(),
				Action: func(ctx context.Context, cmd *cli.Command) error {
					dir, err := openDirectory(ctx, cmd)
					if err != nil {
						return err
					}
					defer dir.Store.Close()
					keys, err := dir.ListAccessKeys(ctx)
					if err != nil {
						return err
					}
					fmt.Println("ID\tUSER\tSTATUS\tCREATED\tLAST USED")
					for _, k := range keys {
						status, used := "active", "never"
						if !k.Active {
							status = "disabled"
						}
						if !k.LastUsedTime.IsZero() {
							used = k.LastUsedTime.UTC().Format("2006-01-02T15:04Z") // recorded to the minute
						}
						fmt.Printf("%s\t%s\t%s\t%s\t%s\n", k.ID, k.UserName, status, k.CreatedTime.UTC().Format("2006-01-02T15:04:05Z"), used)
					}
					return nil
				},
			},
			keyCommand("delete", "delete an access key for good; every server refuses it within a second", func(ctx context.Context, dir *connectdir.Directory, id string) error {
				return dir.DeleteAccessKey(ctx, id)
			}),
			keyCommand("disable", "disable an access key (refused as if unknown within a second) without deleting it", func(ctx context.Context, dir *connectdir.Directory, id string) error {
				return dir.SetAccessKeyActive(ctx, id, false)
			}),
			keyCommand("enable", "enable a disabled access key again", func(ctx context.Context, dir *connectdir.Directory, id string) error {
				return dir.SetAccessKeyActive(ctx, id, true)
			}),
		},
	}
}

// keyCommand is a subcommand acting on the one access key named by its argument.
func keyCommand(name, usage string, act func(context.Context, *connectdir.Directory, string) error) *cli.Command {
	return &cli.Command{
		Name: name, Usage: usage, ArgsUsage: "ACCESS_KEY_ID", Flags: storeFlags(),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if cmd.Args().Len() != 1 {
				return fmt.Errorf("keys %s takes one access key id", name)
			}
			dir, err := openDirectory(ctx, cmd)
			if err != nil {
				return err
			}
			defer dir.Store.Close()
			id := cmd.Args().First()
			if err := act(ctx, dir, id); err != nil {
				return err
			}
			fmt.Printf("access key %s: %sd\n", id, name)
			return nil
		},
	}
}

package main

import (
	"context"
	"fmt"

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
					for _, k := range keys {
						fmt.Printf("%s\t%s\t%s\n", k.ID, k.UserName, k.CreatedTime.Format("2006-01-02T15:04:05Z"))
					}
					return nil
				},
			},
		},
	}
}

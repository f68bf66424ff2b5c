package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/connectdir/connectdir"
	"github.com/connectdir/connectdir/scim"
	"github.com/urfave/cli/v3"
)

// scimKeyUser names the access key SCIM signs its calls to this server's own API with.
const scimKeyUser = "connectdir-scim"

// newSCIM makes the SCIM handler of serve: tokens without a target endpoint call this server's
// API at endpoint, with an access key of its own (made on first start) so that the API's
// logs and any later per-key limits tell SCIM's calls apart.
func newSCIM(ctx context.Context, dir *connectdir.Directory, endpoint string, log *slog.Logger) (*scim.Server, error) {
	st, ok := dir.Store.(scim.Store)
	if !ok {
		return nil, errors.New("the store does not keep SCIM state")
	}
	keys, err := dir.ListAccessKeys(ctx)
	if err != nil {
		return nil, err
	}
	var id, secret string
	for _, k := range keys {
		if k.UserName == scimKeyUser {
			if s, _, found, err := dir.AccessKeySecret(ctx, k.ID); err == nil && found {
				id, secret = k.ID, s
				break
			}
		}
	}
	if id == "" {
		k, s, err := dir.CreateAccessKey(ctx, scimKeyUser)
		if err != nil {
			return nil, err
		}
		id, secret = k.ID, s
	}
	return scim.New(scim.Config{Store: st, Logger: log, Local: &scim.LocalTarget{Endpoint: endpoint, Region: dir.Region,
		Credentials: credentials.NewStaticCredentialsProvider(id, secret, "")}}), nil
}

// storeFlagsExcept is storeFlags without the one named name, which the command defines itself.
func storeFlagsExcept(name string) []cli.Flag {
	var out []cli.Flag
	for _, f := range storeFlags() {
		if f.Names()[0] != name {
			out = append(out, f)
		}
	}
	return out
}

func scimCommand() *cli.Command {
	return &cli.Command{
		Name:  "scim",
		Usage: "SCIM 2.0 provisioning from Okta or Entra ID: tokens and the request log",
		Commands: []*cli.Command{{
			Name:  "token",
			Usage: "manage SCIM bearer tokens",
			Commands: []*cli.Command{{
				Name:  "create",
				Usage: "create a bearer token bound to one instance (printed once, stored hashed)",
				Description: `Without --endpoint-url, --profile and --region the token provisions this server's own
instance, through its API. With any of them it provisions that Amazon Connect instance (or another
connectdir), with the credentials of the standard AWS configuration chain as the server sees it.`,
				Flags: append(append(storeFlagsExcept("region"),
					&cli.StringFlag{Name: "instance", Required: true, Usage: "instance id", Sources: cli.EnvVars("CONNECTDIR_INSTANCE")},
					&cli.StringFlag{Name: "mapping", Usage: "mapping file (YAML; see examples/scim-mapping.yaml); default: the defaults it documents"},
					&cli.FloatFlag{Name: "rps", Value: -1, Usage: "Connect calls per second, retries included (0: no limit; default: 2 against another endpoint, no limit for this server)"},
				), clientFlags("", "")...),
				Action: createSCIMToken,
			}, {
				Name:  "list",
				Usage: "list tokens: id, creation time, target (never the token)",
				Flags: storeFlags(),
				Action: func(ctx context.Context, cmd *cli.Command) error {
					dir, st, err := openSCIMStore(ctx, cmd)
					if err != nil {
						return err
					}
					defer dir.Store.Close()
					toks, err := st.ListSCIMTokens(ctx)
					if err != nil {
						return err
					}
					for _, t := range toks {
						fmt.Printf("%s\t%s\t%s\n", t.ID, t.Created.Format("2006-01-02T15:04:05Z"), t.Target)
					}
					return nil
				},
			}, {
				Name:      "delete",
				Usage:     "revoke a token by id; requests with it are refused at once (its target's SCIM ids stay)",
				ArgsUsage: "ID",
				Flags:     storeFlags(),
				Action: func(ctx context.Context, cmd *cli.Command) error {
					if cmd.Args().Len() != 1 {
						return errors.New("give the id of one token (see scim token list)")
					}
					dir, st, err := openSCIMStore(ctx, cmd)
					if err != nil {
						return err
					}
					defer dir.Store.Close()
					if err := st.DeleteSCIMToken(ctx, cmd.Args().First()); errors.Is(err, connectdir.ErrNoRows) {
						return fmt.Errorf("no token %s", cmd.Args().First())
					} else if err != nil {
						return err
					}
					fmt.Fprintln(os.Stderr, "deleted")
					return nil
				},
			}},
		}, {
			Name:  "log",
			Usage: "show recent SCIM requests, their outcome and the Connect calls each made",
			Flags: append(storeFlags(),
				&cli.IntFlag{Name: "limit", Value: 50, Usage: "entries to show, newest first"},
				&cli.BoolFlag{Name: "json", Usage: "print JSON lines"},
			),
			Action: showSCIMLog,
		}},
	}
}

func createSCIMToken(ctx context.Context, cmd *cli.Command) error {
	var m *scim.Mapping
	var err error
	if f := cmd.String("mapping"); f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		if m, err = scim.ParseMapping(b); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
	} else if m, err = scim.ParseMapping(nil); err != nil {
		return err
	}
	tc := scim.TokenConfig{InstanceID: cmd.String("instance"), EndpointURL: cmd.String("endpoint-url"),
		Profile: cmd.String("profile"), Region: cmd.String("region"), RPS: cmd.Float("rps"), Mapping: m}
	if tc.RPS < 0 {
		tc.RPS = 2 // Amazon Connect allows about 2 calls per second
		if tc.Local() {
			tc.RPS = 0
		}
	}
	dir, st, err := openSCIMStore(ctx, cmd)
	if err != nil {
		return err
	}
	defer dir.Store.Close()
	if tc.Local() {
		if _, err := dir.DescribeInstance(ctx, tc.InstanceID); err != nil {
			return fmt.Errorf("instance %s: %w", tc.InstanceID, err)
		}
	}
	_, token, err := scim.CreateToken(ctx, st, tc)
	if err != nil {
		return err
	}
	target := "this server's instance " + tc.InstanceID
	if !tc.Local() {
		target = fmt.Sprintf("instance %s at %s", tc.InstanceID, strings.Trim(strings.Join([]string{tc.EndpointURL, tc.Profile, tc.Region}, " "), " "))
	}
	fmt.Fprintf(os.Stderr, "SCIM token for %s (printed once; give it to the identity provider as the bearer token,\nwith the URL http(s)://HOST%s):\n", target, strings.TrimSuffix(scim.Prefix, "/"))
	fmt.Println(token)
	return nil
}

// openSCIMStore opens the directory and its store as SCIM's.
func openSCIMStore(ctx context.Context, cmd *cli.Command) (*connectdir.Directory, scim.Store, error) {
	dir, err := openDirectory(ctx, cmd)
	if err != nil {
		return nil, nil, err
	}
	st, ok := dir.Store.(scim.Store)
	if !ok {
		dir.Store.Close()
		return nil, nil, errors.New("the store does not keep SCIM state")
	}
	return dir, st, nil
}

func showSCIMLog(ctx context.Context, cmd *cli.Command) error {
	dir, st, err := openSCIMStore(ctx, cmd)
	if err != nil {
		return err
	}
	defer dir.Store.Close()
	entries, err := st.SCIMLog(ctx, int(cmd.Int("limit")))
	if err != nil {
		return err
	}
	if cmd.Bool("json") {
		enc := json.NewEncoder(os.Stdout)
		for _, e := range entries {
			if err := enc.Encode(e); err != nil {
				return err
			}
		}
		return nil
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tSTATUS\tREQUEST\tCONNECT CALLS\tDETAIL")
	for _, e := range entries {
		calls := "-"
		if len(e.Calls) > 0 {
			calls = fmt.Sprintf("%d: %s", len(e.Calls), strings.Join(e.Calls, ","))
		}
		fmt.Fprintf(tw, "%s\t%d\t%s %s\t%s\t%s\n", e.At.Format("2006-01-02T15:04:05Z"), e.Status, e.Method, e.Path, calls, e.Detail)
	}
	return tw.Flush()
}

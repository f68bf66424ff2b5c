package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/connectdir/connectdir"
	"github.com/connectdir/connectdir/hrsync"
	"github.com/schollz/progressbar/v3"
	"github.com/urfave/cli/v3"
	"golang.org/x/term"
)

// clientFlags are the settings of one Connect endpoint; prefix tells apart the two sides of copy.
// Everything else (credentials, region) comes from the standard AWS configuration chain, and
// AWS_ENDPOINT_URL_CONNECT / AWS_ENDPOINT_URL are honoured by the SDK itself.
func clientFlags(prefix, side string) []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: prefix + "endpoint-url", Usage: "Connect API endpoint" + side + " (default: AWS_ENDPOINT_URL_CONNECT, AWS_ENDPOINT_URL, or Amazon Connect)"},
		&cli.StringFlag{Name: prefix + "profile", Usage: "AWS shared-config profile" + side + " (default: AWS_PROFILE)"},
		&cli.StringFlag{Name: prefix + "region", Usage: "AWS region" + side + " (default: AWS_REGION or the profile's)"},
	}
}

// pacingFlags are the settings of how hard a command drives the API.
func pacingFlags() []cli.Flag {
	return []cli.Flag{
		&cli.FloatFlag{Name: "rps", Value: 2, Usage: "client-side limit of requests per second, retries included (0: none); Amazon Connect allows about 2", Sources: cli.EnvVars("CONNECTDIR_RPS")},
		&cli.IntFlag{Name: "concurrency", Value: 4, Usage: "calls in flight at once", Sources: cli.EnvVars("CONNECTDIR_CONCURRENCY")},
	}
}

// newClient makes a Connect client configured as every AWS tool is, paced by --rps.
func newClient(ctx context.Context, cmd *cli.Command, prefix string) (*connect.Client, error) {
	var opts []func(*config.LoadOptions) error
	if p := cmd.String(prefix + "profile"); p != "" {
		opts = append(opts, config.WithSharedConfigProfile(p))
	}
	if r := cmd.String(prefix + "region"); r != "" {
		opts = append(opts, config.WithRegion(r))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, err
	}
	return connect.NewFromConfig(cfg, hrsync.Paced(cmd.Float("rps")), func(o *connect.Options) {
		if e := cmd.String(prefix + "endpoint-url"); e != "" {
			o.BaseEndpoint = &e
		}
	}), nil
}

func syncCommand() *cli.Command {
	return &cli.Command{
		Name:  "sync",
		Usage: "plan or apply the changes that make an instance's agents and hierarchy match an HR file",
		Description: `The file is CSV, one agent a row, with the header
  username,first_name,last_name,email,hierarchy,routing_profile,security_profiles,phone_type,desk_phone,auto_accept,acw_timeout,tags,password
(hierarchy: group names from LevelOne down joined by "/"; security_profiles and tags: ";"-separated,
tags as key=value), or the Amazon Connect console's bulk user upload CSV as it is.
Without --apply it only prints the plan. Running it again after an interruption finishes the job.`,
		Flags: append(append([]cli.Flag{
			&cli.StringFlag{Name: "file", Aliases: []string{"f"}, Required: true, Usage: "CSV file of agents"},
			&cli.StringFlag{Name: "instance", Required: true, Usage: "instance id", Sources: cli.EnvVars("CONNECTDIR_INSTANCE")},
			&cli.BoolFlag{Name: "plan", Usage: "print the plan only (the default)"},
			&cli.BoolFlag{Name: "apply", Usage: "make the changes"},
			&cli.BoolFlag{Name: "prune", Usage: "also delete users not in the file and groups left empty"},
			&cli.BoolFlag{Name: "json", Usage: "print the plan as JSON"},
			&cli.StringFlag{Name: "levels", Usage: `hierarchy level names, LevelOne first, joined by "/" (default: the instance's, and "LevelN" for levels it lacks)`},
			&cli.StringFlag{Name: "passwords-out", Usage: "file (mode 0600) to append generated passwords of new users to, as username,password lines"},
		}, pacingFlags()...), clientFlags("", "")...),
		Action: runSync,
	}
}

func runSync(ctx context.Context, cmd *cli.Command) error {
	if cmd.Bool("plan") && cmd.Bool("apply") {
		return errors.New("--plan and --apply exclude each other")
	}
	f, err := os.Open(cmd.String("file"))
	if err != nil {
		return err
	}
	d, _, err := hrsync.ParseCSV(f)
	f.Close()
	if err != nil {
		return err
	}
	if l := cmd.String("levels"); l != "" {
		d.Levels = strings.Split(l, "/")
		if len(d.Levels) > connectdir.MaxLevels || slices.Contains(d.Levels, "") {
			return fmt.Errorf("--levels %q: 1 to %d non-empty names joined by \"/\"", l, connectdir.MaxLevels)
		}
	}
	c, err := newClient(ctx, cmd, "")
	if err != nil {
		return err
	}
	conc := int(cmd.Int("concurrency"))
	inst := cmd.String("instance")
	p, err := planWithCache(cmd, c, inst, hrsync.PlanOptions{Prune: cmd.Bool("prune"), Concurrency: conc}, func(opt hrsync.PlanOptions) (*hrsync.Plan, error) {
		return hrsync.MakePlan(ctx, c, inst, d, opt)
	})
	if err != nil {
		return err
	}
	return showAndApply(ctx, cmd, c, p, cmd.Bool("apply"))
}

// showAndApply prints a plan and, with --apply, executes it.
func showAndApply(ctx context.Context, cmd *cli.Command, c *connect.Client, p *hrsync.Plan, apply bool) error {
	if cmd.Bool("json") {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(p); err != nil {
			return err
		}
	} else {
		p.Print(os.Stdout)
	}
	if !apply || p.Empty() {
		return nil
	}
	opt := hrsync.ApplyOptions{Concurrency: int(cmd.Int("concurrency")), Progress: progress(p.Calls())}
	if out := cmd.String("passwords-out"); out != "" {
		pf, err := openPasswordFile(out)
		if err != nil {
			return err
		}
		defer pf.Close()
		opt.NewPassword = pf.For
	}
	if err := hrsync.Apply(ctx, c, p, opt); err != nil {
		return fmt.Errorf("apply stopped; run the same command again to finish:\n%w", err)
	}
	fmt.Fprintln(os.Stderr, "done")
	return nil
}

// progress reports apply progress on stderr, so that stdout holds only the plan (JSON with
// --json): a bar on a terminal, plain lines otherwise (logs, CI).
func progress(total int) func(done, total int, what string) {
	if term.IsTerminal(int(os.Stderr.Fd())) {
		bar := progressbar.Default(int64(total), "applying") // writes to stderr
		return func(int, int, string) { _ = bar.Add(1) }
	}
	return func(done, total int, what string) {
		fmt.Fprintf(os.Stderr, "[%d/%d] %s\n", done, total, what)
	}
}

// passwordFile is --passwords-out: username,password lines, appended and flushed to disk before
// the user they are for is created, so that a run killed at any point leaves no user without
// its password on file. A run after an interrupted one takes the password already on file for
// a username instead of writing another, so every user has exactly one line; a line for a user
// whose creation never happened is harmless and is used if it is created later.
type passwordFile struct {
	mu   sync.Mutex
	f    *os.File
	have map[string]string // username → its password on file (the last line for it)
}

func openPasswordFile(path string) (*passwordFile, error) {
	pf := &passwordFile{have: map[string]string{}}
	cut := false
	if b, err := os.ReadFile(path); err == nil {
		cut = len(b) > 0 && b[len(b)-1] != '\n'
		for line := range strings.Lines(string(b)) {
			user, pw, ok := strings.Cut(strings.TrimRight(line, "\r\n"), ",")
			if ok && !strings.HasSuffix(line, "\n") {
				continue // a line cut short by a kill: its user was never created with it
			}
			if ok && connectdir.CheckPasswordPolicy(pw) == nil {
				pf.have[user] = pw
			}
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	f, err := openOwnerOnly(path, os.O_APPEND)
	if err != nil {
		return nil, err
	}
	if cut { // end the cut line, so the next one is not glued to it
		if _, err := f.WriteString("\n"); err != nil {
			f.Close()
			return nil, err
		}
	}
	pf.f = f
	return pf, nil
}

// For returns the password to create username with: the one on file, or a new one, written and
// synced first.
func (pf *passwordFile) For(username string) (string, error) {
	pf.mu.Lock()
	defer pf.mu.Unlock()
	if pw, ok := pf.have[username]; ok {
		return pw, nil
	}
	pw, err := hrsync.GeneratePassword()
	if err != nil {
		return "", err
	}
	if _, err := fmt.Fprintf(pf.f, "%s,%s\n", username, pw); err != nil {
		return "", err
	}
	if err := pf.f.Sync(); err != nil {
		return "", err
	}
	pf.have[username] = pw
	return pw, nil
}

func (pf *passwordFile) Close() error { return pf.f.Close() }

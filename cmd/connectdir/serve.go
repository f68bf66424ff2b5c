package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/connectdir/connectdir"
	"github.com/connectdir/connectdir/awsapi"
	"github.com/connectdir/connectdir/console"
	"github.com/connectdir/connectdir/scim"
	"github.com/connectdir/connectdir/sqlstore"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/urfave/cli/v3"
)

// storeFlags are the settings shared by every command that opens the store.
func storeFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "data", Value: "connectdir-data", Usage: "data directory (SQLite database, master key, bootstrap credentials)", Sources: cli.EnvVars("CONNECTDIR_DATA")},
		&cli.StringFlag{Name: "store", Usage: "store URL: empty for SQLite in --data, or postgres://...", Sources: cli.EnvVars("CONNECTDIR_STORE")},
		&cli.StringFlag{Name: "region", Value: "us-east-1", Usage: "AWS region the server answers for", Sources: cli.EnvVars("CONNECTDIR_REGION")},
		&cli.StringFlag{Name: "account-id", Value: "123456789012", Usage: "AWS account id in ARNs", Sources: cli.EnvVars("CONNECTDIR_ACCOUNT_ID")},
		&cli.StringFlag{Name: "master-key", Usage: "base64 32-byte key sealing access keys at rest (default: generated into --data/master.key); replicas must share it", Sources: cli.EnvVars("CONNECTDIR_MASTER_KEY")},
	}
}

func serveCommand() *cli.Command {
	return &cli.Command{
		Name:  "serve",
		Usage: "serve the Amazon Connect API and the console",
		Flags: append(storeFlags(),
			&cli.StringFlag{Name: "addr", Value: "127.0.0.1:8080", Usage: "listen address", Sources: cli.EnvVars("CONNECTDIR_ADDR")},
			&cli.StringFlag{Name: "access-key-id", Usage: "bootstrap access key id (instead of a generated one)", Sources: cli.EnvVars("CONNECTDIR_ACCESS_KEY_ID")},
			&cli.StringFlag{Name: "secret-access-key", Usage: "bootstrap secret access key", Sources: cli.EnvVars("CONNECTDIR_SECRET_ACCESS_KEY")},
			&cli.FloatFlag{Name: "throttle-rps", Usage: "refuse requests beyond this rate (per second, for the whole account, as AWS does) with ThrottlingException (0: off)", Sources: cli.EnvVars("CONNECTDIR_THROTTLE_RPS")},
			&cli.IntFlag{Name: "throttle-burst", Usage: "burst allowed above --throttle-rps", Sources: cli.EnvVars("CONNECTDIR_THROTTLE_BURST")},
			&cli.IntFlag{Name: "quota-instances", Usage: "instances per account; beyond, CreateInstance gets ServiceQuotaExceededException (0: no limit)", Sources: cli.EnvVars("CONNECTDIR_QUOTA_INSTANCES")},
			&cli.IntFlag{Name: "quota-users", Usage: "users per instance; beyond, CreateUser gets LimitExceededException (0: no limit)", Sources: cli.EnvVars("CONNECTDIR_QUOTA_USERS")},
			&cli.IntFlag{Name: "quota-groups", Usage: "user hierarchy groups per instance; beyond, CreateUserHierarchyGroup gets LimitExceededException (0: no limit)", Sources: cli.EnvVars("CONNECTDIR_QUOTA_GROUPS")},
			&cli.IntFlag{Name: "quota-attributes", Usage: "predefined attributes per instance; beyond, CreatePredefinedAttribute gets LimitExceededException (0: no limit)", Sources: cli.EnvVars("CONNECTDIR_QUOTA_ATTRIBUTES")},
			&cli.IntFlag{Name: "quota-security-profiles", Usage: "security profiles per instance, the 4 defaults included; beyond, CreateSecurityProfile gets LimitExceededException (0: no limit)", Sources: cli.EnvVars("CONNECTDIR_QUOTA_SECURITY_PROFILES")},
			&cli.StringSliceFlag{Name: "cors-origins", Usage: "origins (scheme://host[:port], comma-separated) whose browser pages may call the API; default any, as requests are authorized by signature, never by cookie", Sources: cli.EnvVars("CONNECTDIR_CORS_ORIGINS")},
			&cli.DurationFlag{Name: "console-session-idle", Value: 8 * time.Hour, Usage: "sign a console session out after this long unused", Sources: cli.EnvVars("CONNECTDIR_CONSOLE_SESSION_IDLE")},
			&cli.StringSliceFlag{Name: "console-endpoints", Usage: "Connect API endpoints (comma-separated URLs) the console's sign-in may reach besides this server and AWS's Connect endpoints", Sources: cli.EnvVars("CONNECTDIR_CONSOLE_ENDPOINTS")},
			&cli.DurationFlag{Name: "read-timeout", Value: 30 * time.Second, Usage: "longest a request may take to arrive, body included; a body still arriving then is cut", Sources: cli.EnvVars("CONNECTDIR_READ_TIMEOUT")},
			&cli.DurationFlag{Name: "write-timeout", Value: 2 * time.Minute, Usage: "longest a request may take from the end of its headers to the end of its answer", Sources: cli.EnvVars("CONNECTDIR_WRITE_TIMEOUT")},
			&cli.DurationFlag{Name: "idle-timeout", Value: 2 * time.Minute, Usage: "close a kept-alive connection idle this long", Sources: cli.EnvVars("CONNECTDIR_IDLE_TIMEOUT")},
			&cli.StringFlag{Name: "debug-addr", Usage: "serve net/http/pprof on this address, apart from the API (a bare port means 127.0.0.1; empty: off)", Sources: cli.EnvVars("CONNECTDIR_DEBUG_ADDR")},
			&cli.IntFlag{Name: "console-max-sessions", Value: 10_000, Usage: "console sessions kept in memory at most (the least recently used go first)", Sources: cli.EnvVars("CONNECTDIR_CONSOLE_MAX_SESSIONS")},
		),
		Action: serve,
	}
}

// openDirectory opens the store and makes the Directory over it.
func openDirectory(ctx context.Context, cmd *cli.Command) (*connectdir.Directory, error) {
	dataDir := cmd.String("data")
	var (
		store connectdir.Store
		err   error
	)
	if url := cmd.String("store"); strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://") {
		if cmd.String("master-key") == "" {
			// A key generated into each replica's own --data would differ between replicas.
			return nil, errors.New("a PostgreSQL store needs --master-key (CONNECTDIR_MASTER_KEY), the same on every replica: e.g. $(head -c 32 /dev/urandom | base64)")
		}
		store, err = sqlstore.OpenPostgres(ctx, url)
	} else if url != "" {
		return nil, fmt.Errorf("unsupported --store %q: use a postgres:// URL, or nothing for SQLite in --data", url)
	} else {
		store, err = sqlstore.OpenSQLite(ctx, dataDir)
	}
	if err != nil {
		return nil, err
	}
	key, err := masterKey(cmd.String("master-key"), dataDir)
	if err != nil {
		store.Close()
		return nil, err
	}
	sealer, err := connectdir.NewSealer(key)
	if err != nil {
		store.Close()
		return nil, err
	}
	dir := &connectdir.Directory{Store: store, Region: cmd.String("region"), AccountID: cmd.String("account-id"), Sealer: sealer}
	if err := dir.CheckMasterKey(ctx); err != nil {
		store.Close()
		return nil, err
	}
	return dir, nil
}

// masterKey returns the key given, or the one in dataDir/master.key, made on first use.
func masterKey(given, dataDir string) ([]byte, error) {
	if given != "" {
		return base64.StdEncoding.DecodeString(given)
	}
	path := filepath.Join(dataDir, "master.key")
	if b, err := os.ReadFile(path); err == nil {
		return base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	return key, writeOwnerOnly(path, []byte(base64.StdEncoding.EncodeToString(key)+"\n"))
}

// openOwnerOnly opens path for writing (flag adds O_APPEND or O_TRUNC), readable by its owner
// only: a new file is created 0600 (the umask can only narrow that, so there is no moment of
// wider access), an existing one is narrowed to 0600 before anything is written, and a missing
// directory is made 0700.
func openOwnerOnly(path string, flag int) (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|flag, 0o600)
	if err != nil {
		return nil, err
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// writeOwnerOnly replaces path's content, the file readable by its owner only.
func writeOwnerOnly(path string, data []byte) error {
	f, err := openOwnerOnly(path, os.O_TRUNC)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	return errors.Join(err, f.Close())
}

// bootstrapKey makes sure the server has an administrator key: the one from the environment,
// or on first start a generated one, printed once and written owner-only to dataDir/credentials
// in the AWS shared credentials format.
func bootstrapKey(ctx context.Context, dir *connectdir.Directory, id, secret, dataDir string) (string, error) {
	if id != "" || secret != "" {
		if id == "" || secret == "" {
			return "", errors.New("give both CONNECTDIR_ACCESS_KEY_ID and CONNECTDIR_SECRET_ACCESS_KEY, or neither")
		}
		_, err := dir.ImportAccessKey(ctx, id, secret, "admin")
		return id, err
	}
	keys, err := dir.ListAccessKeys(ctx)
	if err != nil || len(keys) > 0 {
		if err != nil {
			return "", err
		}
		return keys[0].ID, nil
	}
	k, secret, err := dir.CreateAccessKey(ctx, "admin")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dataDir, "credentials")
	content := fmt.Sprintf("[connectdir]\naws_access_key_id = %s\naws_secret_access_key = %s\n", k.ID, secret)
	// The directory exists when the store is SQLite, not necessarily with PostgreSQL and a given
	// master key; an earlier file of the same name may have any mode.
	if err := writeOwnerOnly(path, []byte(content)); err != nil {
		return "", err
	}
	fmt.Printf("Administrator access key (printed once; also in %s, profile connectdir):\n  aws_access_key_id     = %s\n  aws_secret_access_key = %s\n", path, k.ID, secret)
	return k.ID, nil
}

func serve(ctx context.Context, cmd *cli.Command) error {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	// Listen first: a taken port fails at once, before a first start makes and prints a key.
	ln, err := net.Listen("tcp", cmd.String("addr"))
	if err != nil {
		return err
	}
	defer ln.Close()
	if a := cmd.String("debug-addr"); a != "" {
		at, stop, err := listenDebug(a, log)
		if err != nil {
			return fmt.Errorf("--debug-addr: %w", err)
		}
		defer stop()
		fmt.Printf("pprof: http://%s/debug/pprof/\n", at)
	}
	if cmd.String("store") == "" {
		unlock, err := lockData(cmd.String("data"))
		if err != nil {
			return err
		}
		defer unlock()
	}
	dir, err := openDirectory(ctx, cmd)
	if err != nil {
		return err
	}
	defer dir.Store.Close()
	dir.Quotas = connectdir.Quotas{Instances: int(cmd.Int("quota-instances")), UsersPerInstance: int(cmd.Int("quota-users")), GroupsPerInstance: int(cmd.Int("quota-groups")),
		AttributesPerInstance: int(cmd.Int("quota-attributes")), SecurityProfilesPerInstance: int(cmd.Int("quota-security-profiles"))}
	inst, err := dir.Bootstrap(ctx)
	if err != nil {
		return fmt.Errorf("bootstrap: %w", err)
	}
	keyID, err := bootstrapKey(ctx, dir, cmd.String("access-key-id"), cmd.String("secret-access-key"), cmd.String("data"))
	if err != nil {
		return fmt.Errorf("bootstrap key: %w", err)
	}
	reg := prometheus.NewRegistry()
	api := awsapi.New(dir, awsapi.Options{Logger: log, ThrottleRPS: cmd.Float("throttle-rps"), ThrottleBurst: int(cmd.Int("throttle-burst")), Registerer: reg,
		CORSOrigins: cmd.StringSlice("cors-origins")})
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.Handle("/", api)

	endpoint := "http://" + ln.Addr().String()
	// The console is an API client: by default it calls this server's API over loopback.
	mux.Handle(console.Prefix, console.New(console.Config{Endpoint: endpoint, Region: dir.Region, Logger: log,
		Endpoints: cmd.StringSlice("console-endpoints"), SessionIdle: cmd.Duration("console-session-idle"), MaxSessions: int(cmd.Int("console-max-sessions"))}))
	mux.Handle("GET /{$}", http.RedirectHandler(console.Prefix, http.StatusSeeOther))
	scimHandler, err := newSCIM(ctx, dir, endpoint, log)
	if err != nil {
		return fmt.Errorf("scim: %w", err)
	}
	mux.Handle(scim.Prefix, scimHandler)
	fmt.Printf("connectdir serving the Amazon Connect API at %s (region %s)\n", endpoint, dir.Region)
	fmt.Printf("default instance: %s\naccess key: %s\n", inst.ID, keyID)
	fmt.Printf("console: %s%s\n", endpoint, console.Prefix)
	fmt.Printf("SCIM 2.0: %s%s (tokens: connectdir scim token create)\n", endpoint, strings.TrimSuffix(scim.Prefix, "/"))
	// Every phase of a connection has a deadline, so slow or stalled clients (a body sent a byte
	// at a time, signed or not) cannot hold connections and goroutines open without end.
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: min(10*time.Second, cmd.Duration("read-timeout")),
		ReadTimeout: cmd.Duration("read-timeout"), WriteTimeout: cmd.Duration("write-timeout"), IdleTimeout: cmd.Duration("idle-timeout")}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

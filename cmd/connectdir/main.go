// Command connectdir is an Amazon Connect compatible user directory: the API server and its
// console, and the CLI that syncs HR files and copies snapshots between instances.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/urfave/cli/v3"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := newApp().Run(ctx, os.Args); err != nil {
		fmt.Fprintln(os.Stderr, "connectdir:", err)
		os.Exit(1)
	}
}

func newApp() *cli.Command {
	return &cli.Command{
		Name:                  "connectdir",
		Usage:                 "an Amazon Connect compatible directory of agents and hierarchies",
		EnableShellCompletion: true,
		Commands:              []*cli.Command{serveCommand(), keysCommand(), syncCommand(), snapshotCommand(), copyCommand(), scimCommand()},
	}
}

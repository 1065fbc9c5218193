package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	cfg, err := ParseConfig(args, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		return 2
	}
	if os.Geteuid() != 0 {
		fmt.Fprintln(os.Stderr, "bench: needs root: the runtimes create namespaces and cgroups")
		return 1
	}
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: find this program: %v\n", err)
		return 1
	}
	if !inNamespace() {
		code, err := reexecInNamespace(self, args)
		if err != nil {
			fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		}
		return code
	}

	// Ctrl-C or SIGTERM stops the benchmark between two commands; the
	// cleanup below still runs. Later signals are absorbed so that they
	// cannot cut the cleanup short.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()

	b, err := Setup(ctx, cfg, os.Stderr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		return 1
	}
	runErr := b.RunPhases()
	if runErr == nil && ctx.Err() != nil {
		runErr = errInterrupted
	}
	if err := b.Cleanup(); err != nil {
		fmt.Fprintf(os.Stderr, "bench: cleanup: %v\n", err)
		if runErr == nil {
			runErr = err
		}
	}
	b.res.ComputeRatios()
	if err := b.res.WriteTable(os.Stdout, cfg.Markdown); err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
	}
	if runErr != nil {
		fmt.Fprintf(os.Stderr, "bench: %v (no JSON written)\n", runErr)
		return 1
	}
	if err := b.res.WriteJSON(cfg.Out); err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		return 1
	}
	fmt.Fprintf(os.Stderr, "bench: results written to %s\n", cfg.Out)
	return 0
}

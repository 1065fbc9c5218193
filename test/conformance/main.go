//go:build linux

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/ocikit/ocikit/test/conformance/report"
	"github.com/ocikit/ocikit/test/conformance/suite"
	"golang.org/x/sys/unix"
)

// Exit statuses.
const (
	exitRegression = 1
	exitSetup      = 2
)

// options are the command-line flags.
type options struct {
	runtime, bin, rootfs, out, expected, run, suiteName string
	timeout, budget                                     time.Duration
	markdown                                            bool
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	var o options
	fs := flag.NewFlagSet("conformance", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.runtime, "runtime", "", "runtime under test: a path, or a name looked up in PATH")
	fs.StringVar(&o.bin, "bin", "", "folder of the built validation programs and runtimetest")
	fs.StringVar(&o.rootfs, "rootfs", "", "runtime-tools' rootfs-<arch>.tar.gz")
	fs.StringVar(&o.out, "out", "", "folder for results-<runtime>.json and logs-<runtime>/")
	fs.StringVar(&o.expected, "expected", "", "list of programs that must pass (exit status 1 otherwise)")
	fs.StringVar(&o.run, "run", "", "run only the programs whose names match this regular expression")
	fs.StringVar(&o.suiteName, "suite", "github.com/opencontainers/runtime-tools", "suite name and version, for the report")
	fs.DurationVar(&o.timeout, "timeout", 60*time.Second, "time limit of each program")
	fs.DurationVar(&o.budget, "budget", 9*time.Minute, "time limit of the whole run; 0 for none")
	fs.BoolVar(&o.markdown, "markdown", false, "print a Markdown table comparing the results files given as arguments")
	if err := fs.Parse(args); err != nil {
		return exitSetup
	}
	if o.markdown {
		return markdown(fs.Args(), stdout, stderr)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "conformance: unexpected arguments %q\n", fs.Args())
		return exitSetup
	}
	for name, v := range map[string]string{"-runtime": o.runtime, "-bin": o.bin, "-rootfs": o.rootfs, "-out": o.out} {
		if v == "" {
			fmt.Fprintf(stderr, "conformance: %s is required\n", name)
			return exitSetup
		}
	}
	if os.Geteuid() != 0 {
		fmt.Fprintln(stderr, "conformance: needs root: the validation programs create containers, cgroups and mounts")
		return exitSetup
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	code, err := conform(ctx, o, stdout, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "conformance: %v\n", err)
	}
	return code
}

// conform runs the suite and reports; it returns the exit status.
func conform(ctx context.Context, o options, stdout, stderr io.Writer) (int, error) {
	programs, err := suite.Discover(o.bin)
	if err != nil {
		return exitSetup, err
	}
	expected := report.Expected{}
	if o.expected != "" {
		if expected, err = report.LoadExpected(o.expected); err != nil {
			return exitSetup, err
		}
		if unknown := expected.Unknown(programs); len(unknown) > 0 {
			return exitSetup, fmt.Errorf("expected-pass list %q names programs that were not built: %v", o.expected, unknown)
		}
	}
	if programs, err = suite.Filter(programs, o.run); err != nil {
		return exitSetup, err
	}
	// The logs folder's name needs the runtime's name, which only
	// Prepare resolves; it is renamed into place below.
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return exitSetup, fmt.Errorf("make output folder: %w", err)
	}
	staging, err := os.MkdirTemp(o.out, ".logs-")
	if err != nil {
		return exitSetup, fmt.Errorf("make log folder: %w", err)
	}
	defer os.RemoveAll(staging)
	s, err := suite.Prepare(ctx, suite.Config{
		BinDir:        o.bin,
		RootfsArchive: o.rootfs,
		Runtime:       o.runtime,
		Timeout:       o.timeout,
		Budget:        o.budget,
		LogDir:        staging,
		PrivateMounts: true,
		Progress:      stderr,
	})
	if err != nil {
		return exitSetup, err
	}
	rep := &report.Report{
		Runtime:        s.Runtime.Name,
		RuntimePath:    s.Runtime.Path,
		RuntimeVersion: s.Runtime.Version,
		Suite:          o.suiteName,
		Kernel:         kernelRelease(),
		Started:        time.Now().UTC().Truncate(time.Second),
		Timeout:        o.timeout.String(),
	}
	for _, p := range s.PreexistingCgroups() {
		fmt.Fprintf(stderr, "conformance: cgroup %s existed before the run; it is left alone and programs using it may fail\n", p)
	}
	if s.Runtime.UnmountsUnified {
		fmt.Fprintln(stderr, "conformance: hybrid cgroups: crun runs where /sys/fs/cgroup/unified is unmounted")
	}
	fmt.Fprintf(stderr, "conformance: %d programs against %s, %v each\n", len(programs), s.Runtime.Path, o.timeout)
	start := time.Now()
	rep.Tests = s.Run(ctx, programs)
	rep.Seconds = time.Since(start).Round(100 * time.Millisecond).Seconds()
	rep.Leaks = s.Close(ctx)
	rep.Judge(expected)

	logs := filepath.Join(o.out, "logs-"+rep.Runtime)
	if err := os.RemoveAll(logs); err != nil {
		return exitSetup, fmt.Errorf("replace %q: %w", logs, err)
	}
	if err := os.Rename(staging, logs); err != nil {
		return exitSetup, fmt.Errorf("keep logs: %w", err)
	}
	results := filepath.Join(o.out, "results-"+rep.Runtime+".json")
	if err := rep.WriteJSON(results); err != nil {
		return exitSetup, err
	}
	rep.Table(stdout)
	fmt.Fprintf(stdout, "results: %s; logs: %s\n", results, logs)
	rep.Summary(stdout)
	if ctx.Err() != nil {
		return exitSetup, errors.New("interrupted")
	}
	if len(rep.Regressions) > 0 {
		return exitRegression, nil
	}
	return 0, nil
}

func markdown(files []string, stdout, stderr io.Writer) int {
	if len(files) == 0 {
		fmt.Fprintln(stderr, "conformance: -markdown needs results files")
		return exitSetup
	}
	var reports []*report.Report
	for _, f := range files {
		r, err := report.ReadJSON(f)
		if err != nil {
			fmt.Fprintf(stderr, "conformance: %v\n", err)
			return exitSetup
		}
		reports = append(reports, r)
	}
	report.Markdown(stdout, reports)
	return 0
}

// kernelRelease is uname -r, for the report.
func kernelRelease() string {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return ""
	}
	return unix.ByteSliceToString(u.Release[:])
}

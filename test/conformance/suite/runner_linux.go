package suite

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"time"
)

// Config says what to run, against what, and within what time.
type Config struct {
	// BinDir holds the validation programs and HelperProgram.
	BinDir string
	// RootfsArchive is the busybox root filesystem the programs unpack
	// into each bundle (runtime-tools ships rootfs-<GOARCH>.tar.gz).
	RootfsArchive string
	// Runtime is the runtime under test: a path, or a name looked up in
	// PATH.
	Runtime string
	// Timeout bounds each program.
	Timeout time.Duration
	// Budget bounds the whole run: programs not started once it is spent
	// are reported as NotRun. Zero means no budget.
	Budget time.Duration
	// LogDir receives each program's output: <name>.tap and <name>.stderr.
	LogDir string
	// PrivateMounts runs each program in a mount namespace of its own, so
	// that mounts a runtime makes with shared propagation cannot land on
	// the host. It needs CAP_SYS_ADMIN, as the programs themselves do.
	PrivateMounts bool
	// Progress, when set, gets one line per finished program.
	Progress io.Writer
}

// Suite is a prepared run: a private folder with the runtime wrapper, the
// state root, the programs' working directory and their TMPDIRs.
type Suite struct {
	cfg     Config
	base    string
	data    string
	Runtime *Runtime
	cgroups *cgroupSweeper
}

// Prepare checks cfg and lays out the run's folder under the system's
// temporary directory.
func Prepare(ctx context.Context, cfg Config) (*Suite, error) {
	mounts, err := readMountinfo()
	if err != nil {
		return nil, err
	}
	const selfCgroup = "/proc/self/cgroup"
	f, err := os.Open(selfCgroup)
	if err != nil {
		return nil, fmt.Errorf("open %q: %w", selfCgroup, err)
	}
	defer f.Close()
	sweeper, err := newCgroupSweeper(mounts, f)
	if err != nil {
		return nil, fmt.Errorf("read %q: %w", selfCgroup, err)
	}
	return prepare(ctx, cfg, isHybridCgroups(mounts), sweeper)
}

// prepare is Prepare with the host's cgroup layout given.
func prepare(ctx context.Context, cfg Config, hybrid bool, sweeper *cgroupSweeper) (*Suite, error) {
	// The programs run in another working directory.
	for _, p := range []*string{&cfg.BinDir, &cfg.RootfsArchive, &cfg.LogDir} {
		abs, err := filepath.Abs(*p)
		if err != nil {
			return nil, fmt.Errorf("path %q: %w", *p, err)
		}
		*p = abs
	}
	helper := filepath.Join(cfg.BinDir, HelperProgram)
	if _, err := os.Stat(helper); err != nil {
		return nil, fmt.Errorf("helper program: %w", err)
	}
	if _, err := os.Stat(cfg.RootfsArchive); err != nil {
		return nil, fmt.Errorf("root filesystem archive: %w", err)
	}
	if cfg.Timeout <= 0 {
		return nil, fmt.Errorf("timeout %v: must be positive", cfg.Timeout)
	}
	if err := os.MkdirAll(cfg.LogDir, 0o755); err != nil {
		return nil, fmt.Errorf("make log folder %q: %w", cfg.LogDir, err)
	}
	base, err := os.MkdirTemp("", "ocikit-conformance-")
	if err != nil {
		return nil, fmt.Errorf("make run folder: %w", err)
	}
	s := &Suite{cfg: cfg, base: base, data: filepath.Join(base, "data"), cgroups: sweeper}
	fail := func(err error) (*Suite, error) {
		os.RemoveAll(base)
		return nil, err
	}
	// Searchable by all: containers in a user namespace run as an
	// unprivileged host user, who must reach the bundles below it. Only
	// the state root (its own mode, 0700) holds anything private.
	if err := os.Chmod(base, 0o755); err != nil {
		return fail(fmt.Errorf("make run folder: %w", err))
	}
	for _, d := range []string{"bin", "data", "tmp"} {
		if err := os.Mkdir(filepath.Join(base, d), 0o755); err != nil {
			return fail(fmt.Errorf("make run folder: %w", err))
		}
	}
	// The programs open both files by these relative names.
	if err := copyFile(helper, filepath.Join(s.data, HelperProgram), 0o755); err != nil {
		return fail(err)
	}
	archive := filepath.Join(s.data, "rootfs-"+runtime.GOARCH+".tar.gz")
	if err := copyFile(cfg.RootfsArchive, archive, 0o644); err != nil {
		return fail(err)
	}
	s.Runtime, err = newRuntime(ctx, cfg.Runtime, filepath.Join(base, "bin"), filepath.Join(base, "state"), hybrid)
	if err != nil {
		return fail(err)
	}
	return s, nil
}

// PreexistingCgroups lists the suite's cgroup paths that existed before the
// run; they are never removed, and may make some programs fail.
func (s *Suite) PreexistingCgroups() []string { return s.cgroups.Preexisting() }

// Close removes the run's folder. The per-program cleanup has already
// deleted the containers; any still left are reported, and the folder is
// then kept so their state is not lost.
func (s *Suite) Close(ctx context.Context) []string {
	if leaks := s.Runtime.removeContainers(context.WithoutCancel(ctx)); len(leaks) > 0 {
		return append(leaks, "run folder kept: "+s.base)
	}
	return removeTree(s.base)
}

// Run runs the named programs one after the other: the suite's programs
// share fixed cgroup paths, so they cannot run side by side.
func (s *Suite) Run(ctx context.Context, names []string) []TestResult {
	started := time.Now()
	results := make([]TestResult, 0, len(names))
	for i, name := range names {
		timeout := s.cfg.Timeout
		var r TestResult
		switch remaining := s.cfg.Budget - time.Since(started); {
		case ctx.Err() != nil:
			r = TestResult{Name: name, Status: NotRun, Reason: "interrupted", ExitCode: -1}
		case s.cfg.Budget > 0 && remaining <= 0:
			r = TestResult{Name: name, Status: NotRun, Reason: fmt.Sprintf("the run's time budget of %v was spent", s.cfg.Budget), ExitCode: -1}
		default:
			if s.cfg.Budget > 0 && remaining < timeout {
				timeout = remaining
			}
			r = s.runOne(ctx, name, timeout)
		}
		results = append(results, r)
		if s.cfg.Progress != nil {
			fmt.Fprintf(s.cfg.Progress, "[%2d/%d] %-34s %-8s %5.1fs\n", i+1, len(names), name, r.Status, r.Seconds)
		}
	}
	return results
}

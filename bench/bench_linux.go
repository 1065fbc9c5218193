package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Bench holds one run of the benchmark: its runtimes, bundles, cgroup
// parent, the containers that may exist, and the results so far.
type Bench struct {
	ctx      context.Context
	cfg      Config
	env      []string
	tmp      string
	runtimes []Runtime
	bundles  *Bundles
	cgroup   *CgroupParent
	tracker  *Tracker
	reaper   *Reaper
	runner   *Runner
	res      *Results
	log      io.Writer
}

// Setup checks the tools, prepares the cgroup view of this namespace,
// builds the bundle and picks the runtimes to compare.
func Setup(ctx context.Context, cfg Config, log io.Writer) (*Bench, error) {
	b := &Bench{ctx: ctx, cfg: cfg, log: log, tracker: NewTracker()}
	var err error
	if b.cfg.Bin, err = filepath.Abs(cfg.Bin); err != nil {
		return nil, fmt.Errorf("bin directory %q: %w", cfg.Bin, err)
	}
	for _, t := range []string{"oci-run", "oci-create", "oci-start", "oci-delete", "oci-state", "oci-runtime"} {
		if _, err := os.Stat(filepath.Join(b.cfg.Bin, t)); err != nil {
			return nil, fmt.Errorf("ocikit tool %q (run make build): %w", filepath.Join(b.cfg.Bin, t), err)
		}
	}
	if b.cfg.RusageHelper, err = filepath.Abs(cfg.RusageHelper); err != nil {
		return nil, fmt.Errorf("rusage helper %q: %w", cfg.RusageHelper, err)
	}
	if _, err := os.Stat(b.cfg.RusageHelper); err != nil {
		return nil, fmt.Errorf("rusage helper (go build -o %s ./bench/rusage): %w", b.cfg.RusageHelper, err)
	}
	if b.cfg.Runc, err = lookOptional(cfg.Runc); err != nil {
		return nil, err
	}
	if b.cfg.Crun, err = lookOptional(cfg.Crun); err != nil {
		return nil, err
	}
	mounts, unmounted, err := prepareCgroupView()
	if err != nil {
		return nil, err
	}
	if b.cgroup, err = NewCgroupParent(mounts); err != nil {
		return nil, err
	}
	// The runtimes get this program's environment minus its own marker.
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, nsMarker+"=") {
			b.env = append(b.env, e)
		}
	}
	if b.tmp, err = os.MkdirTemp(cfg.TmpDir, "ocikit-bench-"); err != nil {
		return nil, fmt.Errorf("make temporary directory: %w", err)
	}
	specCmd := []string{filepath.Join(b.cfg.Bin, "oci-spec"), "generate"}
	if b.cfg.Runc != "" {
		specCmd = []string{b.cfg.Runc, "spec"}
	}
	if b.bundles, err = NewBundles(filepath.Join(b.tmp, "bundle"), cfg.Busybox, specCmd, b.cgroup.Path); err != nil {
		b.removeTmp()
		return nil, err
	}

	if err := mountStateTmpfs(filepath.Join(b.tmp, "state")); err != nil {
		b.removeTmp()
		return nil, err
	}
	state := func(n string) string { return filepath.Join(b.tmp, "state", n) }
	// oci-runtime shares the single tools' root: they are two faces of
	// one store, and the list phase lists the same containers with both.
	b.runtimes = []Runtime{
		OcikitTools(b.cfg.Bin, state(Ocikit)),
		RuncStyle(OciRuntime, filepath.Join(b.cfg.Bin, "oci-runtime"), state(Ocikit)),
	}
	var order []string
	order = append(order, Ocikit, OciRuntime)
	for _, rt := range []struct{ name, path string }{{Runc, b.cfg.Runc}, {Crun, b.cfg.Crun}} {
		if rt.path != "" {
			b.runtimes = append(b.runtimes, RuncStyle(rt.name, rt.path, state(rt.name)))
			order = append(order, rt.name)
		}
	}
	b.res = NewResults(order)
	b.res.Config = b.cfg
	b.res.Host = b.hostInfo(mounts, unmounted)
	// From here on every process is started through the reaper (the
	// commands above used os/exec, which the reaper would disturb).
	if b.reaper, err = StartReaper(); err != nil {
		b.removeTmp()
		return nil, err
	}
	if b.runner, err = NewRunner(b.reaper, b.env, b.cfg.RusageHelper, filepath.Join(b.tmp, "output-main")); err != nil {
		b.removeTmp()
		return nil, err
	}
	return b, nil
}

// lookOptional resolves a runtime to compare with; "" leaves it out, and
// a runtime that is not installed is left out with a message rather than
// failing the whole benchmark.
func lookOptional(name string) (string, error) {
	if name == "" {
		return "", nil
	}
	p, err := exec.LookPath(name)
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: %s not found, left out: %v\n", name, err)
		return "", nil
	}
	return filepath.Abs(p)
}

func (b *Bench) hostInfo(mounts []Mount, unmounted bool) Host {
	h := Host{CPUs: runtime.NumCPU(), Go: runtime.Version(), Versions: map[string]string{},
		Date: time.Now().UTC().Format(time.RFC3339)}
	var u unix.Utsname
	if unix.Uname(&u) == nil {
		h.Kernel = unix.ByteSliceToString(u.Release[:])
	}
	for _, rt := range b.runtimes {
		if _, seen := h.Versions[rt.Name]; seen || rt.Name == OciRuntime {
			continue
		}
		out, err := exec.Command(rt.Path, "--version").Output()
		if err == nil {
			first, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
			h.Versions[rt.Name] = first
		}
	}
	var names []string
	for _, m := range mounts {
		names = append(names, filepath.Base(m.MountPoint))
	}
	h.Cgroups = "v1 hierarchies: " + strings.Join(names, ",")
	if unmounted {
		h.Cgroups += " (hybrid host; /sys/fs/cgroup/unified unmounted in the benchmark's mount namespace)"
	}
	return h
}

// RunPhases runs the configured phases in order and stops at the first
// error or at an interruption.
func (b *Bench) RunPhases() error {
	phases := map[string]func() error{
		"run": b.phaseRun, "cycle": b.phaseCycle, "idle": b.phaseIdle, "throughput": b.phaseThroughput,
		"memory": b.phaseMemory, "state": b.phaseState, "size": b.phaseSize,
		"profile": b.phaseProfile, "unpack": b.phaseUnpack,
	}
	for _, p := range b.cfg.Phases {
		if b.ctx.Err() != nil {
			return nil
		}
		start := time.Now()
		fmt.Fprintf(b.log, "bench: phase %s...\n", p)
		if err := phases[p](); err != nil {
			return fmt.Errorf("phase %s: %w", p, err)
		}
		fmt.Fprintf(b.log, "bench: phase %s done in %s\n", p, time.Since(start).Round(100*time.Millisecond))
	}
	return nil
}

// Cleanup deletes every container that may still exist, removes the
// cgroup parent and the temporary directory. It runs whatever happened
// before, interruption included.
func (b *Bench) Cleanup() error {
	var errs []error
	if n := b.tracker.Len(); n > 0 {
		fmt.Fprintf(b.log, "bench: deleting %d leftover containers\n", n)
	}
	errs = append(errs, b.tracker.DeleteAll(func(rt Runtime, id string) error {
		_, err := b.runner.Run(rt.DeleteArgs(id))
		return err
	}))
	errs = append(errs, b.cgroup.Remove(), b.runner.Close(), b.removeTmp())
	return errors.Join(errs...)
}

func (b *Bench) removeTmp() error {
	// The state tmpfs goes with this namespace anyway; unmounted first,
	// its mountpoint can be removed with the rest.
	if err := unix.Unmount(filepath.Join(b.tmp, "state"), unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("unmount %q: %w", filepath.Join(b.tmp, "state"), err)
	}
	if err := os.RemoveAll(b.tmp); err != nil {
		return fmt.Errorf("remove %q: %w", b.tmp, err)
	}
	return nil
}

// errInterrupted ends a phase that Ctrl-C or SIGTERM cut short.
var errInterrupted = errors.New("interrupted")

// stopped reports an interruption, checked between commands.
func (b *Bench) stopped() bool { return b.ctx.Err() != nil }

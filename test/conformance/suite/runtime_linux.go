package suite

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// commandTimeout bounds each runtime command the runner itself issues
// (version, list, delete), so a hanging runtime cannot stall the cleanup.
const commandTimeout = 15 * time.Second

// Runtime is the runtime under test as the validation programs see it: a
// wrapper script that runs the real binary with a private --root.
type Runtime struct {
	// Name is the binary's base name: runc, crun, oci-runtime.
	Name string
	// Path is the binary the wrapper runs.
	Path string
	// Version is the first line of "Path --version", when it has one.
	Version string
	// Wrapper is the script the programs get as RUNTIME.
	Wrapper string
	// StateRoot is the --root the wrapper passes: only this run's
	// containers are there, so cleaning it up cannot touch anyone else's.
	StateRoot string
	// UnmountsUnified is set when the wrapper runs crun in a mount
	// namespace of its own without /sys/fs/cgroup/unified (see
	// wrapperScript).
	UnmountsUnified bool
}

// resolveRuntime finds the runtime binary: a name with a slash is a path,
// any other is looked up in PATH.
func resolveRuntime(spec string) (string, error) {
	if spec == "" {
		return "", errors.New("no runtime given")
	}
	path := spec
	if !strings.Contains(spec, "/") {
		p, err := exec.LookPath(spec)
		if err != nil {
			return "", fmt.Errorf("runtime %q: %w", spec, err)
		}
		path = p
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("runtime %q: %w", spec, err)
	}
	st, err := os.Stat(abs)
	if err != nil {
		return "", fmt.Errorf("runtime: %w", err)
	}
	if st.IsDir() || st.Mode().Perm()&0o111 == 0 {
		return "", fmt.Errorf("runtime %q: not an executable file", abs)
	}
	return abs, nil
}

// newRuntime resolves spec, makes stateRoot and writes the wrapper into
// dir.
func newRuntime(ctx context.Context, spec, dir, stateRoot string, hybrid bool) (*Runtime, error) {
	path, err := resolveRuntime(spec)
	if err != nil {
		return nil, err
	}
	r := &Runtime{
		Name:      filepath.Base(path),
		Path:      path,
		Wrapper:   filepath.Join(dir, filepath.Base(path)),
		StateRoot: stateRoot,
		// crun 1.x refuses a hybrid cgroup layout outright; runc and
		// ocikit use its v1 controllers.
		UnmountsUnified: hybrid && filepath.Base(path) == "crun",
	}
	if err := os.MkdirAll(stateRoot, 0o700); err != nil {
		return nil, fmt.Errorf("make state root %q: %w", stateRoot, err)
	}
	if err := os.WriteFile(r.Wrapper, []byte(r.wrapperScript()), 0o755); err != nil {
		return nil, fmt.Errorf("write runtime wrapper %q: %w", r.Wrapper, err)
	}
	if out, err := r.command(ctx, r.Path, "--version"); err == nil {
		r.Version, _, _ = strings.Cut(strings.TrimSpace(string(out)), "\n")
	}
	return r, nil
}

// wrapperScript is the shell script the programs run as the runtime.
func (r *Runtime) wrapperScript() string {
	var b strings.Builder
	b.WriteString("#!/bin/sh\n")
	b.WriteString("# Written by the ocikit conformance runner: the validation programs call\n")
	b.WriteString("# this as RUNTIME so that every container they make lands in a private --root.\n")
	if r.UnmountsUnified {
		// crun sees cgroup2 mounted at /sys/fs/cgroup/unified beside the
		// v1 controllers and refuses to run. In a mount namespace of its
		// own (unshare -m makes every mount private, so the unmount does
		// not reach the host) it finds a plain cgroup v1 layout.
		b.WriteString("# crun refuses hybrid cgroups: run it where /sys/fs/cgroup/unified is unmounted.\n")
		fmt.Fprintf(&b, "exec unshare -m sh -c 'umount /sys/fs/cgroup/unified && exec \"$0\" \"$@\"' %s --root %s \"$@\"\n",
			shellQuote(r.Path), shellQuote(r.StateRoot))
		return b.String()
	}
	fmt.Fprintf(&b, "exec %s --root %s \"$@\"\n", shellQuote(r.Path), shellQuote(r.StateRoot))
	return b.String()
}

// shellQuote quotes s for sh: inside single quotes nothing is special but
// the single quote itself.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// command runs one runtime command with commandTimeout and returns its
// standard output.
func (r *Runtime) command(ctx context.Context, name string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	// Files instead of pipes would be needed if a runtime left a process
	// holding stdout; WaitDelay bounds that case instead.
	cmd.WaitDelay = time.Second
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg != "" {
			return out, fmt.Errorf("%s %s: %w: %s", filepath.Base(name), strings.Join(args, " "), err, oneLine(msg))
		}
		return out, fmt.Errorf("%s %s: %w", filepath.Base(name), strings.Join(args, " "), err)
	}
	return out, nil
}

// containers returns the IDs of the containers in the state root: those
// "list -q" names and every folder there (a runtime's list may skip a
// half-made container, whose folder still needs deleting).
func (r *Runtime) containers(ctx context.Context) []string {
	seen := map[string]bool{}
	var ids []string
	add := func(id string) {
		if id != "" && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	if out, err := r.command(ctx, r.Wrapper, "list", "-q"); err == nil {
		for _, line := range strings.Split(string(out), "\n") {
			add(strings.TrimSpace(line))
		}
	}
	if entries, err := os.ReadDir(r.StateRoot); err == nil {
		for _, e := range entries {
			if e.IsDir() {
				add(e.Name())
			}
		}
	}
	return ids
}

// removeContainers force-deletes every container a program left and
// returns those still there afterwards.
func (r *Runtime) removeContainers(ctx context.Context) []string {
	ids := r.containers(ctx)
	if len(ids) == 0 {
		return nil
	}
	errs := map[string]error{}
	for _, id := range ids {
		if _, err := r.command(ctx, r.Wrapper, "delete", "--force", id); err != nil {
			errs[id] = err
		}
	}
	var leaks []string
	for _, id := range r.containers(ctx) {
		if err := errs[id]; err != nil {
			leaks = append(leaks, fmt.Sprintf("container %s: %v", id, err))
		} else {
			leaks = append(leaks, fmt.Sprintf("container %s: still listed after delete --force", id))
		}
	}
	return leaks
}

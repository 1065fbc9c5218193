package engines

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// runtimeEnv names the runtime under test.
const runtimeEnv = "OCIKIT_ENGINE_RUNTIME"

// busybox is the program the image is made of (Debian's busybox-static).
const busybox = "/bin/busybox"

var (
	// runtimePath is the absolute path of the runtime under test.
	runtimePath string
	// skipReason, when set, is why every test skips on this machine.
	skipReason string
	// baseDir holds everything the engines keep.
	baseDir string
	// cgroupParent is the cgroup, the same path in every hierarchy, under
	// which the engines put their containers (and podman its conmons).
	cgroupParent string

	teardownMu sync.Mutex
	// teardowns undo the engines' set-up, latest first.
	teardowns []func() error
)

// outsidePaths are what the engines create outside baseDir whatever they
// are told: podman's image copy writes a blob-info cache under
// /var/lib/containers (containers/image has no setting for it), and the
// containerd shims put their sockets in /run/containerd/s. Those the tests
// made are removed at the end; those that were there are left alone. An
// entry with all set holds only what the engines made and is removed
// whole; the others are only removed when empty.
var outsidePaths = []struct {
	path string
	all  bool
}{
	{"/var/lib/containers/cache", true},
	{"/var/lib/containers", false},
	{"/run/containerd/s", false},
	{"/run/containerd", false},
}

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	skipReason = hostSkipReason()
	if skipReason != "" {
		return m.Run()
	}
	var absent []int
	for i, p := range outsidePaths {
		if _, err := os.Lstat(p.path); errors.Is(err, fs.ErrNotExist) {
			absent = append(absent, i)
		}
	}
	dir, err := os.MkdirTemp("", "ocikit-e2e-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "engines: %v\n", err)
		return 1
	}
	baseDir = dir
	suffix := make([]byte, 4)
	if _, err := rand.Read(suffix); err != nil {
		fmt.Fprintf(os.Stderr, "engines: %v\n", err)
		return 1
	}
	cgroupParent = fmt.Sprintf("/ocikit-e2e-%d-%s", os.Getpid(), hex.EncodeToString(suffix))

	code := m.Run()
	if err := teardown(absent); err != nil {
		fmt.Fprintf(os.Stderr, "engines: tear-down: %v\n", err)
		code = 1
	}
	return code
}

// hostSkipReason says why the tests cannot run here, or "".
func hostSkipReason() string {
	if testing.Short() {
		return "the engine end-to-end tests are skipped with -short"
	}
	if os.Geteuid() != 0 {
		return "needs root: the engines run real containers"
	}
	p := os.Getenv(runtimeEnv)
	if p == "" {
		root, err := repoRoot()
		if err != nil {
			return fmt.Sprintf("cannot find the repository for the default runtime (set %s): %v", runtimeEnv, err)
		}
		p = filepath.Join(root, "bin", "oci-runtime")
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return fmt.Sprintf("runtime %q: %v", p, err)
	}
	if fi, err := os.Stat(abs); err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
		return fmt.Sprintf("runtime %s is missing or not executable: build it (make build) or set %s, e.g. to /usr/sbin/runc", abs, runtimeEnv)
	}
	runtimePath = abs
	if _, err := os.Stat(busybox); err != nil {
		return "needs " + busybox + " for the image (apt-get install busybox-static)"
	}
	return ""
}

// repoRoot finds the module root above the working directory, which go
// test sets to the package directory.
func repoRoot() (string, error) {
	d, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		up := filepath.Dir(d)
		if up == d {
			return "", errors.New("no go.mod above the working directory")
		}
		d = up
	}
}

// needHost skips the test unless the host can run it, and checks that
// the engine's programs are installed.
func needHost(t *testing.T, engine string, programs ...string) {
	t.Helper()
	if skipReason != "" {
		t.Skip(skipReason)
	}
	for _, p := range programs {
		if _, err := exec.LookPath(p); err != nil {
			t.Skipf("%s is not installed (%s missing): run tests/engines/install-deps.sh", engine, p)
		}
	}
}

// onTeardown registers f to run after every test.
func onTeardown(f func() error) {
	teardownMu.Lock()
	teardowns = append(teardowns, f)
	teardownMu.Unlock()
}

// teardown stops the engines, removes the cgroups, checks that no mount
// is left under baseDir and removes it, then removes what the engines
// made outside it.
func teardown(absent []int) error {
	var errs []error
	teardownMu.Lock()
	for i := len(teardowns) - 1; i >= 0; i-- {
		errs = append(errs, teardowns[i]())
	}
	teardownMu.Unlock()
	errs = append(errs, removeCgroupParent())
	left, err := mountsUnder(baseDir)
	errs = append(errs, err)
	if len(left) > 0 {
		errs = append(errs, fmt.Errorf("mounts left under %s: %q", baseDir, left))
		for _, p := range left {
			// Detached, so a busy mount cannot stop the clean-up.
			if err := unmountDetach(p); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if err := os.RemoveAll(baseDir); err != nil {
		errs = append(errs, fmt.Errorf("remove %q: %w", baseDir, err))
	}
	for _, i := range absent {
		p := outsidePaths[i]
		rm := os.Remove
		if p.all {
			rm = os.RemoveAll
		}
		if err := rm(p.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("remove %q, which the engines made: %w", p.path, err))
		}
	}
	return errors.Join(errs...)
}

package process

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/ocikit/ocikit/internal/caps"
)

// The integration tests re-execute the test binary: TestHelperProcess,
// running in that child, applies a spec Process to its locked thread and
// execs a busybox script, whose output the parent then checks. The child
// is what the container's init is at that point: a Go program with other
// threads that still run as root.
const (
	envHelper = "OCIKIT_PROCESS_HELPER" // the mode, see helperMain
	envSpec   = "OCIKIT_PROCESS_SPEC"   // the specs.Process, as JSON
	envScript = "OCIKIT_PROCESS_SCRIPT" // the shell script to exec
	envDir    = "OCIKIT_PROCESS_DIR"    // a directory the mode uses
	envLowFd  = "OCIKIT_PROCESS_LOW_NOFILE"
	leakedFd  = 100 // a descriptor the fd modes leave open
)

const busybox = "/bin/busybox"

func TestHelperProcess(t *testing.T) {
	mode := os.Getenv(envHelper)
	if mode == "" {
		t.Skip("helper process of the integration tests")
	}
	if os.Getenv(envLowFd) != "" {
		startWithLowNofile()
	}
	// As in the init: one thread is prepared and execs.
	runtime.LockOSThread()
	err := helperMain(mode)
	fmt.Fprintf(os.Stderr, "helper: %v\n", err)
	os.Exit(3)
}

// startWithLowNofile re-executes the helper with a soft RLIMIT_NOFILE of
// 512 under a hard one of 1024, the case where Go's runtime raises the soft
// limit at start and puts 512 back at exec unless told otherwise: the test
// then shows whether SetRlimits told it.
func startWithLowNofile() {
	os.Unsetenv(envLowFd)
	err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: 512, Max: 1024})
	if err == nil {
		err = syscall.Exec(os.Args[0], os.Args, os.Environ())
	}
	fmt.Fprintf(os.Stderr, "helper: lower RLIMIT_NOFILE: %v\n", err)
	os.Exit(3)
}

// helperMain returns only on failure. Modes:
//
//	setup           Setup, CloseExecFrom(3), exec the script
//	fds-close-range leak fds, CloseExecFrom(3), exec
//	fds-proc        leak fds, the /proc/self/fd fallback, exec
//	fds-leak        leak fds, exec (the control)
//	drop-bounding   dropBounding before and after giving up CAP_SETPCAP
//	                (see dropWithoutSetpcap), exec
//	procfs-overmount  see procfsOvermount, exec
//	oom-overmount   bind envDir over /proc/self/oom_score_adj, Setup, exec
//	lastcap-fake-proc see lastCapFakeProc, exec
//	cwd-escape      chroot into envDir/root with a fd to envDir open,
//	                then Setup (its cwd may name /proc/self/fd/FD)
func helperMain(mode string) error {
	var p specs.Process
	if err := json.Unmarshal([]byte(os.Getenv(envSpec)), &p); err != nil {
		return err
	}
	switch mode {
	case "setup":
		if err := Setup(&p); err != nil {
			return err
		}
		if err := CloseExecFrom(3); err != nil {
			return err
		}
	case "fds-close-range", "fds-proc", "fds-leak":
		if err := leakFds(); err != nil {
			return err
		}
		var err error
		switch mode {
		case "fds-close-range":
			err = CloseExecFrom(3)
		case "fds-proc":
			err = closeExecProcFd(3)
		}
		if err != nil {
			return err
		}
	case "procfs-overmount":
		if err := procfsOvermount(os.Getenv(envDir)); err != nil {
			return err
		}
	case "oom-overmount":
		if err := oomOvermount(os.Getenv(envDir)); err != nil {
			return err
		}
		if err := Setup(&p); err != nil {
			return err
		}
	case "lastcap-fake-proc":
		if err := lastCapFakeProc(os.Getenv(envDir)); err != nil {
			return err
		}
	case "drop-bounding":
		if err := dropWithoutSetpcap(); err != nil {
			return err
		}
	case "cwd-escape":
		if err := chrootWithLeakedFd(os.Getenv(envDir)); err != nil {
			return err
		}
		if err := Setup(&p); err != nil {
			return err
		}
	default:
		return fmt.Errorf("unknown mode %q", mode)
	}
	return Exec(busybox, []string{"sh", "-c", os.Getenv(envScript)}, []string{"PATH=/bin:/usr/bin"})
}

// leakFds opens descriptors without close-on-exec, as a careless runtime
// might: two low ones and leakedFd.
func leakFds() error {
	for range 2 {
		if _, err := unix.Open("/", unix.O_RDONLY|unix.O_DIRECTORY, 0); err != nil {
			return err
		}
	}
	fd, err := unix.Open("/dev/null", unix.O_RDONLY, 0)
	if err != nil {
		return err
	}
	return unix.Dup2(fd, leakedFd)
}

// chrootWithLeakedFd, in a new mount namespace, mounts proc in dir/root,
// opens dir (outside that root) as descriptor leakedFd without
// close-on-exec, and chroots into dir/root: the situation of
// CVE-2024-21626, where a host directory fd survived into the container.
func chrootWithLeakedFd(dir string) error {
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("make / private: %w", err)
	}
	root := filepath.Join(dir, "root")
	if err := unix.Mount("proc", filepath.Join(root, "proc"), "proc", 0, ""); err != nil {
		return fmt.Errorf("mount proc: %w", err)
	}
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		return err
	}
	if err := unix.Dup2(fd, leakedFd); err != nil {
		return err
	}
	if err := unix.Chroot(root); err != nil {
		return err
	}
	return unix.Chdir("/")
}

// runHelper runs TestHelperProcess in mode with p and script, and returns
// its standard output, and its standard error as part of a non-nil error
// when it fails.
func runHelper(t *testing.T, mode string, p *specs.Process, script string, attr *syscall.SysProcAttr, extraEnv ...string) (string, error) {
	t.Helper()
	js, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append([]string{envHelper + "=" + mode, envSpec + "=" + string(js), envScript + "=" + script}, extraEnv...)
	cmd.SysProcAttr = attr
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("%w: %s", err, stderr.String())
	}
	return stdout.String(), nil
}

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: changes user and capabilities")
	}
	if _, err := os.Stat(busybox); err != nil {
		t.Skipf("needs %s: %v", busybox, err)
	}
}

// ownCaps returns the names of the capabilities in this process's
// bounding set, and that set's mask.
func ownCaps(t *testing.T) ([]string, uint64) {
	t.Helper()
	st := statusFields(t, readFile(t, "/proc/self/status"))
	mask, err := strconv.ParseUint(st["CapBnd"], 16, 64)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for n := range 64 {
		if mask&(1<<n) != 0 {
			names = append(names, caps.Name(n))
		}
	}
	return names, mask
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

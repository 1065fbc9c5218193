package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"github.com/ocikit/ocikit/internal/mountinfo"
	"golang.org/x/sys/unix"
)

// nsMarker in the environment tells the re-executed program that it
// already runs in its private mount namespace.
const nsMarker = "_OCIKIT_BENCH_NS"

// inNamespace reports whether this process is the re-executed one.
func inNamespace() bool { return os.Getenv(nsMarker) == "1" }

// reexecInNamespace runs this program again in a new mount namespace and
// returns its exit code. Go's Unshareflags makes every mount of the new
// namespace private before execve, so the unmount done inside never
// reaches the host's namespace.
//
// Every signal this process catches is passed on, so that the child
// stops and cleans up however it was signalled; the terminal's Ctrl-C
// then reaches the child twice, which it handles as once.
func reexecInNamespace(self string, args []string) (int, error) {
	cmd := exec.Command(self, args...)
	cmd.Env = append(os.Environ(), nsMarker+"=1")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWNS}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		return 1, fmt.Errorf("re-execute %q in a new mount namespace: %w", self, err)
	}
	done := make(chan struct{})
	go func() {
		for {
			select {
			case s := <-sigs:
				_ = cmd.Process.Signal(s)
			case <-done:
				return
			}
		}
	}()
	err := cmd.Wait()
	close(done)
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, nil
	case errors.As(err, &ee):
		if ee.ExitCode() >= 0 {
			return ee.ExitCode(), nil
		}
		return 1, fmt.Errorf("benchmark process: %w", err)
	default:
		return 1, fmt.Errorf("benchmark process: %w", err)
	}
}

// prepareCgroupView unmounts /sys/fs/cgroup/unified in this (private)
// namespace when the host is hybrid, so that runc, crun and ocikit all
// see the same v1-only layout; crun refuses the hybrid one. It returns
// the cgroup mounts the runtimes will see.
func prepareCgroupView() ([]Mount, bool, error) {
	ms, err := readMountinfo()
	if err != nil {
		return nil, false, err
	}
	if !HybridUnified(ms) {
		return CgroupMounts(ms), false, nil
	}
	if err := unix.Unmount("/sys/fs/cgroup/unified", unix.MNT_DETACH); err != nil {
		return nil, false, fmt.Errorf("unmount %q: %w", "/sys/fs/cgroup/unified", err)
	}
	if ms, err = readMountinfo(); err != nil {
		return nil, false, err
	}
	return CgroupMounts(ms), true, nil
}

func readMountinfo() ([]Mount, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, fmt.Errorf("open %q: %w", "/proc/self/mountinfo", err)
	}
	defer f.Close()
	es, err := mountinfo.Parse(f)
	if err != nil {
		return nil, fmt.Errorf("read %q: %w", "/proc/self/mountinfo", err)
	}
	return mountsOf(es), nil
}

// mountStateTmpfs mounts a tmpfs at dir, in this private namespace, for
// every runtime's state root. In production the roots are on tmpfs
// (/run/runc, /run/crun, /run/ocikit); on an ext4 /tmp, allocating an
// inode while thousands were deleted in the last minutes walks the
// recently deleted ones (ext4's find_inode_bit and recently_deleted were
// 14 % of oci-run's CPU samples here), a cost of the disk, not of the
// runtimes, and one that grows with the benchmark's own churn.
func mountStateTmpfs(dir string) error {
	if err := os.Mkdir(dir, 0o700); err != nil {
		return fmt.Errorf("make state directory: %w", err)
	}
	if err := unix.Mount("tmpfs", dir, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "mode=0700"); err != nil {
		return fmt.Errorf("mount tmpfs on %q: %w", dir, err)
	}
	return nil
}

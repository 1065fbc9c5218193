package engines

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// ctrNamespace is the containerd namespace the tests use.
const ctrNamespace = "ocikit-e2e"

// containerdEnv is a containerd started by the tests, with every file it
// keeps under dir, and the runc v2 shim pointed at the runtime under test.
type containerdEnv struct {
	dir      string
	sock     string
	runcRoot string // the shim's runtime root; the shim adds the namespace
	fifoDir  string
	daemon   *exec.Cmd
	exited   chan struct{}
}

var (
	containerdOnce   sync.Once
	containerdShared *containerdEnv
	containerdErr    error
)

// needContainerd skips the test unless containerd can run here and
// returns the containerd all containerd tests share, started on first use.
func needContainerd(t *testing.T) *containerdEnv {
	t.Helper()
	needHost(t, "containerd", "containerd", "ctr", "containerd-shim-runc-v2")
	containerdOnce.Do(func() { containerdShared, containerdErr = setupContainerd() })
	if containerdErr != nil {
		t.Fatalf("containerd set-up: %v", containerdErr)
	}
	return containerdShared
}

// containerdConfig keeps containerd to what ctr needs: no CRI, no
// snapshotter but native (plain copies, which work on any file system the
// temporary directory may be on), no /opt plugin directory, and no move of
// containerd's own cgroup. The v1 runtime stays: the tasks service needs
// it loaded, though the containers use the v2 shim.
func containerdConfig(dir string) string {
	q := func(name string) string { return strconv.Quote(filepath.Join(dir, name)) }
	return fmt.Sprintf(`version = 2
root = %s
state = %s
temp = %s
disabled_plugins = [
  "io.containerd.grpc.v1.cri",
  "io.containerd.internal.v1.opt",
  "io.containerd.snapshotter.v1.aufs",
  "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.snapshotter.v1.overlayfs",
  "io.containerd.snapshotter.v1.zfs",
]

[grpc]
  address = %s

[ttrpc]
  address = %s

[cgroup]
  path = ""
`, q("root"), q("state"), q("tmp"), q("containerd.sock"), q("containerd.sock.ttrpc"))
}

func setupContainerd() (*containerdEnv, error) {
	dir := filepath.Join(baseDir, "containerd")
	for _, d := range []string{"root", "state", "tmp", "runc", "fifo"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o700); err != nil {
			return nil, fmt.Errorf("make containerd directory: %w", err)
		}
	}
	conf := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(conf, []byte(containerdConfig(dir)), 0o600); err != nil {
		return nil, fmt.Errorf("write %q: %w", conf, err)
	}
	logPath := filepath.Join(dir, "containerd.log")
	logF, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("create %q: %w", logPath, err)
	}
	defer logF.Close()
	c := &containerdEnv{
		dir:      dir,
		sock:     filepath.Join(dir, "containerd.sock"),
		runcRoot: filepath.Join(dir, "runc"),
		fifoDir:  filepath.Join(dir, "fifo"),
		exited:   make(chan struct{}),
	}
	c.daemon = exec.Command("containerd", "--config", conf,
		"--root", filepath.Join(dir, "root"), "--state", filepath.Join(dir, "state"), "--address", c.sock)
	c.daemon.Stdout, c.daemon.Stderr = logF, logF
	if err := c.daemon.Start(); err != nil {
		return nil, fmt.Errorf("start containerd: %w", err)
	}
	go func() {
		c.daemon.Wait()
		close(c.exited)
	}()
	onTeardown(c.teardown)

	deadline := time.Now().Add(cmdTimeout)
	for {
		res, err := tryRun(c.ctr("version"))
		if err == nil && res.code == 0 {
			break
		}
		if c.dead() || time.Now().After(deadline) {
			log, _ := os.ReadFile(logPath)
			return c, fmt.Errorf("containerd did not come up (%s); its log:\n%s", res, log)
		}
		time.Sleep(50 * time.Millisecond)
	}

	layer, err := imageLayer()
	if err != nil {
		return c, err
	}
	archive, err := ociArchive(layer)
	if err != nil {
		return c, err
	}
	archivePath := filepath.Join(dir, "image.oci.tar")
	if err := os.WriteFile(archivePath, archive, 0o600); err != nil {
		return c, fmt.Errorf("write %q: %w", archivePath, err)
	}
	res, err := tryRun(c.ctr("image", "import", archivePath))
	if err == nil && res.code != 0 {
		err = fmt.Errorf("ctr image import: %s", res)
	}
	return c, err
}

func (c *containerdEnv) dead() bool {
	select {
	case <-c.exited:
		return true
	default:
		return false
	}
}

// ctr is a ctr command talking to this containerd in the tests' namespace.
func (c *containerdEnv) ctr(args ...string) command {
	return command{
		argv: append([]string{"ctr", "--address", c.sock, "--namespace", ctrNamespace}, args...),
		env:  []string{"CONTAINERD_SNAPSHOTTER=native"},
	}
}

// runCmd is `ctr run` with the runtime under test, the shim's runtime
// root and the I/O fifos under dir, and the container's cgroup under the
// tests' parent. flags go before the image, argv after the ID.
func (c *containerdEnv) runCmd(id string, flags []string, argv ...string) command {
	args := append([]string{"run", "--runc-binary", runtimePath, "--runc-root", c.runcRoot,
		"--fifo-dir", c.fifoDir, "--cgroup", cgroupParent + "/" + id}, flags...)
	return c.ctr(append(append(args, imageName, id), argv...)...)
}

// execCmd is `ctr task exec` with the fifos under dir.
func (c *containerdEnv) execCmd(id, execID string, flags []string, argv ...string) command {
	args := append([]string{"task", "exec", "--fifo-dir", c.fifoDir, "--exec-id", execID}, flags...)
	return c.ctr(append(append(args, id), argv...)...)
}

// task returns a task's pid and status as ctr task ls shows them.
func (c *containerdEnv) task(t *testing.T, id string) (int, string, bool) {
	t.Helper()
	for _, line := range strings.Split(mustRun(t, c.ctr("task", "ls")), "\n") {
		f := strings.Fields(line)
		if len(f) == 3 && f[0] == id {
			pid, err := strconv.Atoi(f[1])
			if err != nil {
				t.Fatalf("ctr task ls: bad pid in %q", line)
			}
			return pid, f[2], true
		}
	}
	return 0, "", false
}

// assertRemoved checks that containerd no longer knows the container and
// the runtime has no state for it under the shim's root.
func (c *containerdEnv) assertRemoved(t *testing.T, id string) {
	t.Helper()
	for _, name := range strings.Fields(mustRun(t, c.ctr("container", "ls", "--quiet"))) {
		if name == id {
			t.Errorf("containerd still lists container %s", id)
		}
	}
	root := filepath.Join(c.runcRoot, ctrNamespace)
	if res := run(t, command{argv: []string{runtimePath, "--root", root, "state", id}}); res.code == 0 {
		t.Errorf("the runtime still has state for %s under %s: %s", id, root, res)
	}
}

// forget removes a test's container whatever state it was left in.
func (c *containerdEnv) forget(id string) {
	tryRun(c.ctr("task", "kill", "--signal", "KILL", id))
	tryRun(c.ctr("task", "delete", "--force", id))
	tryRun(c.ctr("container", "delete", id))
}

// teardown removes the containers left, stops containerd and checks that
// no shim of it outlived it.
func (c *containerdEnv) teardown() error {
	var errs []error
	if !c.dead() {
		if res, err := tryRun(c.ctr("container", "ls", "--quiet")); err == nil {
			for _, id := range strings.Fields(res.stdout) {
				c.forget(id)
			}
		}
		c.daemon.Process.Signal(syscall.SIGTERM)
		select {
		case <-c.exited:
		case <-time.After(cmdTimeout):
			c.daemon.Process.Kill()
			<-c.exited
			errs = append(errs, errors.New("containerd did not stop on SIGTERM; killed it"))
		}
	}
	for _, pid := range shimsOf(c.sock) {
		syscall.Kill(pid, syscall.SIGKILL)
		errs = append(errs, fmt.Errorf("containerd shim %d outlived its containers; killed it", pid))
	}
	return errors.Join(errs...)
}

// shimsOf returns the pids of the shims that the containerd at address
// started: their command lines name its address.
func shimsOf(address string) []int {
	ents, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		args := strings.Split(string(b), "\x00")
		if len(args) > 0 && strings.HasPrefix(filepath.Base(args[0]), "containerd-shim") && strings.Contains(string(b), "\x00"+address+"\x00") {
			out = append(out, pid)
		}
	}
	return out
}

package engines

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// podmanEnv is a podman whose every file lives under dir, configured to
// run containers with the runtime under test.
type podmanEnv struct {
	dir    string
	global []string // podman's global flags
	env    []string
}

var (
	podmanOnce   sync.Once
	podmanShared *podmanEnv
	podmanErr    error

	layerOnce sync.Once
	layerTar  []byte
	layerErr  error
)

// imageLayer returns the busybox root filesystem tar, made once.
func imageLayer() ([]byte, error) {
	layerOnce.Do(func() { layerTar, layerErr = rootfsTar(busybox) })
	return layerTar, layerErr
}

// needPodman skips the test unless podman can run here and returns the
// podman all podman tests share, set up on first use.
func needPodman(t *testing.T) *podmanEnv {
	t.Helper()
	needHost(t, "podman", "podman", "conmon")
	podmanOnce.Do(func() { podmanShared, podmanErr = setupPodman() })
	if podmanErr != nil {
		t.Fatalf("podman set-up: %v", podmanErr)
	}
	return podmanShared
}

func setupPodman() (*podmanEnv, error) {
	dir := filepath.Join(baseDir, "podman")
	for _, d := range []string{"root", "runroot", "tmp", "net.d"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o700); err != nil {
			return nil, fmt.Errorf("make podman directory: %w", err)
		}
	}
	conf := filepath.Join(dir, "containers.conf")
	storage := filepath.Join(dir, "storage.conf")
	registries := filepath.Join(dir, "registries.conf")
	env := []string{
		"CONTAINERS_CONF=" + conf,
		"CONTAINERS_STORAGE_CONF=" + storage,
		"CONTAINERS_REGISTRIES_CONF=" + registries,
		// podman import copies the image through TMPDIR (/var/tmp by default).
		"TMPDIR=" + filepath.Join(dir, "tmp"),
	}
	files := map[string]string{
		conf:       containersConf(dir, env),
		storage:    fmt.Sprintf("[storage]\ndriver = \"vfs\"\ngraphroot = %s\nrunroot = %s\n", strconv.Quote(filepath.Join(dir, "root")), strconv.Quote(filepath.Join(dir, "runroot"))),
		registries: "unqualified-search-registries = []\n",
	}
	for name, body := range files {
		if err := os.WriteFile(name, []byte(body), 0o600); err != nil {
			return nil, fmt.Errorf("write %q: %w", name, err)
		}
	}
	p := &podmanEnv{
		dir: dir,
		// Flags rather than only containers.conf: podman hands its flags
		// on to the clean-up command conmon runs when a container exits.
		global: []string{
			"--root", filepath.Join(dir, "root"),
			"--runroot", filepath.Join(dir, "runroot"),
			"--tmpdir", filepath.Join(dir, "tmp"),
			"--storage-driver", "vfs",
			"--cgroup-manager", "cgroupfs",
			"--events-backend", "file",
			"--network-config-dir", filepath.Join(dir, "net.d"),
		},
		env: env,
	}
	onTeardown(p.teardown)
	layer, err := imageLayer()
	if err != nil {
		return nil, err
	}
	tarPath := filepath.Join(dir, "rootfs.tar")
	if err := os.WriteFile(tarPath, layer, 0o600); err != nil {
		return nil, fmt.Errorf("write %q: %w", tarPath, err)
	}
	res, err := tryRun(p.cmd("import", "--quiet", "--change", "CMD=/bin/sh", tarPath, imageName))
	if err == nil && res.code != 0 {
		err = fmt.Errorf("podman import: %s", res)
	}
	return p, err
}

// confRuntime is the name containers.conf gives the runtime under test,
// as docs/engines.md names oci-runtime.
const confRuntime = "oci-runtime"

// containersConf is the only containers.conf podman reads. File locks
// keep podman out of the host's shared-memory lock segment, and conmon
// passes the environment on to the clean-up podman it runs, so that one
// reads this file too. The runtime under test is both the default runtime
// by name, for podman without --runtime, and given by path with --runtime.
func containersConf(dir string, env []string) string {
	conmonEnv := append([]string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}, env...)
	q := make([]string, len(conmonEnv))
	for i, e := range conmonEnv {
		q[i] = strconv.Quote(e)
	}
	return fmt.Sprintf(`[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
lock_type = "file"
runtime = %[1]s
# podman passes --log-format=json --log FILE to the runtimes listed here, by
# name or by the base name of the --runtime path, and reads their errors
# from FILE.
runtime_supports_json = [%[1]s, %[2]s]
conmon_env_vars = [%[3]s]

[engine.runtimes]
%[4]s = [%[5]s]

[network]
network_backend = "cni"
network_config_dir = %[6]s
`, strconv.Quote(confRuntime), strconv.Quote(filepath.Base(runtimePath)), strings.Join(q, ", "),
		confRuntime, strconv.Quote(runtimePath), strconv.Quote(filepath.Join(dir, "net.d")))
}

// cmd is a podman command with the environment's global flags and
// --runtime naming the runtime under test by its path.
func (p *podmanEnv) cmd(args ...string) command {
	return p.confCmd(append([]string{"--runtime", runtimePath}, args...)...)
}

// confCmd is a podman command that leaves the runtime to containers.conf.
func (p *podmanEnv) confCmd(args ...string) command {
	return command{argv: append(append([]string{"podman"}, p.global...), args...), env: p.env, dir: p.dir}
}

// runArgs are the arguments of `podman run` with what every container
// here needs: no network (none is reachable, and none is needed), nofile
// and nproc limits within the host's hard limits (podman's defaults exceed
// them and CAP_SYS_RESOURCE is missing), and the tests' cgroup parent.
func runArgs(args ...string) []string {
	return append([]string{"run", "--network", "none",
		"--ulimit", "nofile=20000:20000", "--ulimit", "nproc=20000:20000",
		"--cgroup-parent", cgroupParent}, args...)
}

// runCmd is `podman --runtime PATH run` with runArgs.
func (p *podmanEnv) runCmd(args ...string) command {
	return p.cmd(runArgs(args...)...)
}

// inspect returns one field of a container's podman inspect.
func (p *podmanEnv) inspect(t *testing.T, id, format string) string {
	t.Helper()
	return strings.TrimSpace(mustRun(t, p.cmd("inspect", "--format", format, id)))
}

// containerPid returns the host pid of a running container's process.
func (p *podmanEnv) containerPid(t *testing.T, id string) int {
	t.Helper()
	pid, err := strconv.Atoi(p.inspect(t, id, "{{.State.Pid}}"))
	if err != nil || pid <= 0 {
		t.Fatalf("container %s: no pid (%q, %v)", id, p.inspect(t, id, "{{.State.Pid}}"), err)
	}
	return pid
}

// assertRemoved checks that podman no longer knows the container and
// the runtime has no state for it. podman runs as root without --root,
// so the runtime's default state directory is the one to ask.
func (p *podmanEnv) assertRemoved(t *testing.T, id string) {
	t.Helper()
	for _, c := range strings.Fields(mustRun(t, p.cmd("ps", "--all", "--quiet", "--no-trunc"))) {
		if c == id {
			t.Errorf("podman still lists container %s", id)
		}
	}
	if res := run(t, command{argv: []string{runtimePath, "state", id}}); res.code == 0 {
		t.Errorf("the runtime still has state for %s: %s", id, res)
	}
}

// teardown removes every container and checks that none is left.
func (p *podmanEnv) teardown() error {
	res, err := tryRun(p.cmd("rm", "--all", "--force", "--time", "0"))
	if err != nil {
		return err
	}
	if res.code != 0 {
		return fmt.Errorf("podman rm --all: %s", res)
	}
	res, err = tryRun(p.cmd("ps", "--all", "--quiet"))
	if err != nil {
		return err
	}
	if strings.TrimSpace(res.stdout) != "" {
		return fmt.Errorf("podman containers left at the end: %q", res.stdout)
	}
	return nil
}

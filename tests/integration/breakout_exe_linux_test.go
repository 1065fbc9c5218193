package integration

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// The CVE-2019-5736 tests: a container tries to overwrite the runtime
// binary through a process that runs it inside the container. They attack
// copies of the tools in the test's own directory, never binDir.

// exeAttack is pid 1 of the attacked containers. It waits for a process
// of the container running something else than busybox (the runtime
// binary, trampolined into the container), opens its executable for
// reading as CVE-2019-5736 does, and probes what it can open for writing
// while that process runs: its exe, and its fds from 3 up (0-2 are the
// stdio the admin gave it). Once the process is gone the binary is no
// longer busy, and the attacker writes through the fd it kept until the
// write succeeds or fails for another reason than "busy". The try count
// only keeps a broken runtime from looping forever.
const exeAttack = `
while :; do
  for d in /proc/[0-9]*; do
    [ "${d#/proc/}" = $$ ] && continue
    t=$(readlink $d/exe 2>/dev/null) || continue
    [ "$t" = /bin/busybox ] && continue
    { command exec 3< $d/exe; } 2>/dev/null || continue
    echo "${d#/proc/} $t" > /out/got
    break 2
  done
done
(exec 4<> $d/exe) 2>/dev/null && echo "OPENED $d/exe rw" >> /out/probe
for f in $d/fd/*; do
  n=${f##*/}
  [ "$n" -ge 3 ] 2>/dev/null || continue
  (exec 4>> $f) 2>/dev/null && echo "OPENED $f for writing" >> /out/probe
done
echo probed >> /out/probe
i=0
while :; do
  if e=$( (echo PWNED > /proc/self/fd/3) 2>&1 ); then echo overwritten > /out/result; break; fi
  case "$e" in *busy*) ;; *) echo "refused: $e" > /out/result; break;; esac
  i=$((i+1))
  [ $i -gt 20000 ] && { echo "still busy" > /out/result; break; }
  usleep 2000
done
exec sleep 1000
`

// exeTools are the tools the tests run, copied.
var exeTools = []string{"oci-create", "oci-start", "oci-exec", "oci-delete"}

// copyTools copies the tools into a directory of the test's and returns
// it: the attacks target these copies.
func copyTools(t *testing.T, r *rt) string {
	t.Helper()
	dir := r.dir("tools")
	for _, tool := range exeTools {
		if err := copyFile(filepath.Join(binDir, tool), filepath.Join(dir, tool), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// exeRun runs the copied tools, as root or through a prefix such as
// setpriv, on one state directory.
type exeRun struct {
	r     *rt
	tools string
	root  string
	as    runOpts
}

// tool runs a copied tool with the state directory.
func (e *exeRun) tool(name string, args ...string) result {
	e.r.t.Helper()
	return e.r.exec(e.as, filepath.Join(e.tools, name), append([]string{"--root", e.root}, args...)...)
}

// toolPaths are the copies in dir.
func toolPaths(dir string) []string {
	var paths []string
	for _, tool := range exeTools {
		paths = append(paths, filepath.Join(dir, tool))
	}
	return paths
}

// attackedBundle is a bundle whose pid 1 runs exeAttack and writes its
// findings to a host directory, returned, mounted at /out.
func attackedBundle(t *testing.T, r *rt) (*bundle, string) {
	t.Helper()
	b := r.bundle("sh", "/attack.sh")
	if err := os.WriteFile(filepath.Join(b.rootfs, "attack.sh"), []byte(exeAttack), 0o755); err != nil {
		t.Fatal(err)
	}
	out := r.dir("out")
	b.spec.Mounts = append(b.spec.Mounts, specs.Mount{
		Destination: "/out", Type: "bind", Source: out, Options: []string{"rbind", "rw"},
	})
	return b, out
}

// TestBreakoutRuntimeExe runs the runtime binary inside a container while
// the container's pid 1 tries to overwrite it (CVE-2019-5736): by
// oci-exec of /proc/self/exe, of /proc/self/fd/3..10 (the exec role's
// own fds, the sealed binary among them), and of a /bin/sh that is a
// "#!/proc/self/exe" script. Each exec either fails or runs a binary the
// container cannot write: the attacker's write is refused, the copies'
// sha256 are unchanged, and nothing is left.
func TestBreakoutRuntimeExe(t *testing.T) {
	t.Parallel()
	type tcase struct {
		name   string
		args   []string
		sheBin bool // /bin/sh is "#!/proc/self/exe --root"
	}
	// "-p - x": the runtime binary, started as oci-exec, reads a process
	// from stdin before it looks for container x, so it runs until the
	// test closes its stdin.
	cases := []tcase{{name: "proc-self-exe", args: []string{"/proc/self/exe", "-p", "-", "x"}}}
	for n := 3; n <= 10; n++ {
		cases = append(cases, tcase{name: fmt.Sprintf("fd-%d", n), args: []string{fmt.Sprintf("/proc/self/fd/%d", n), "-p", "-", "x"}})
	}
	// The kernel runs "/proc/self/exe --root /bin/sh -p - x": again a
	// runtime binary reading stdin.
	cases = append(cases, tcase{name: "shebang-sh", args: []string{"sh", "-p", "-", "x"}, sheBin: true})

	r := newRT(t)
	tools := copyTools(t, r)
	w := watchHost(t, r, toolPaths(tools), []string{tools})
	latched := 0
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// The subtest's own runtime: its failures are its own.
			sr := newRT(t)
			e := &exeRun{r: sr, tools: tools, root: sr.root}
			b, out := attackedBundle(t, sr)
			if c.sheBin {
				sh := filepath.Join(b.rootfs, "bin", "sh")
				if err := os.Remove(sh); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(sh, []byte("#!/proc/self/exe --root\n"), 0o755); err != nil {
					t.Fatal(err)
				}
				// The attacker's own shell is busybox's.
				b.spec.Process.Args = []string{"/bin/busybox", "sh", "/attack.sh"}
			}
			if e.attack(t, b, out, "exe-"+c.name, c.args) {
				latched++
			}
		})
	}
	w.check()
	// The runtime binary ran in the container, and was attacked, by
	// /proc/self/exe, by the fd of the sealed binary, and by the
	// shebang: at least three.
	if latched < 3 {
		t.Errorf("the attacker reached the runtime binary in %d cases, want at least 3", latched)
	}
}

// attack creates and starts a container from b, whose pid 1 runs
// exeAttack, trampolines the runtime binary into it, deletes it, and
// reports whether the attacker reached the binary.
func (e *exeRun) attack(t *testing.T, b *bundle, out, what string, args []string) bool {
	t.Helper()
	if err := b.write(); err != nil {
		t.Fatal(err)
	}
	id := e.r.id(what)
	if res := e.tool("oci-create", "--bundle", b.dir, id); res.code != 0 {
		t.Fatalf("oci-create: %s", res)
	}
	if res := e.tool("oci-start", id); res.code != 0 {
		t.Fatalf("oci-start: %s", res)
	}
	latched := e.trampoline(t, id, out, args)
	if res := e.tool("oci-delete", "--force", id); res.code != 0 {
		t.Errorf("oci-delete: %s", res)
	}
	assertClean(t, e.root, id)
	return latched
}

// trampoline runs oci-exec ID args... with its stdin held open, and
// reports whether the attacker got hold of the runtime binary it ran. If
// it did, the stdin is closed only once the attacker probed, and the
// attacker's write must have been refused.
func (e *exeRun) trampoline(t *testing.T, id, out string, args []string) bool {
	t.Helper()
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pw.Close()
	done := make(chan result, 1)
	go func() {
		defer pr.Close()
		o := e.as
		o.stdin = pr
		res, err := e.r.tryExec(o, filepath.Join(e.tools, "oci-exec"), append([]string{"--root", e.root, id}, args...)...)
		if err != nil {
			res.stderr += err.Error()
		}
		done <- res
	}()
	var res result
	exited := false
	eventually(t, "the exec to end or the attacker to reach it", func() bool {
		select {
		case res = <-done:
			exited = true
		default:
		}
		return exited || exists(filepath.Join(out, "probe"))
	})
	if !exists(filepath.Join(out, "probe")) {
		// The exec failed, or ran something that ended before the
		// attacker saw it; either way nothing may have been written.
		t.Logf("exec %v: %s", args, res)
		return false
	}
	pw.Close()
	if !exited {
		res = <-done
	}
	// The shell creates the file before it writes the line: wait for
	// the whole line, not the file.
	eventually(t, "the attacker's write", func() bool {
		b, err := os.ReadFile(filepath.Join(out, "result"))
		return err == nil && strings.HasSuffix(string(b), "\n")
	})
	got, probe, result := readOut(t, out, "got"), readOut(t, out, "probe"), readOut(t, out, "result")
	t.Logf("exec %v: attacker got %q, wrote: %q", args, strings.TrimSpace(got), strings.TrimSpace(result))
	if strings.Contains(probe, "OPENED") {
		t.Errorf("the container opened the runtime binary's files for writing: %s", probe)
	}
	if !strings.HasPrefix(result, "refused: ") {
		t.Errorf("the attacker's write through the runtime binary's exe: %q, want refused", result)
	}
	return true
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

func readOut(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestBreakoutRuntimeExeWaitingInit looks at the runtime processes the
// container can see before it is started: the waiting init (the waiter, or
// the Go init when the waiter does not fit). The container cannot open its
// /proc/1/exe or /proc/1/fd/* for writing, and seen from the host the
// init's executable is the sealed binary: on a read-only mount, or a
// sealed memfd.
func TestBreakoutRuntimeExeWaitingInit(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name  string
		hooks bool // a startContainer hook keeps the Go init waiting
	}{{"waiter", false}, {"go-init", true}} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := newRT(t)
			tools := copyTools(t, r)
			w := watchHost(t, r, toolPaths(tools), []string{tools})
			b := r.bundle("sleep", "1000")
			if c.hooks {
				b.spec.Hooks = &specs.Hooks{StartContainer: []specs.Hook{{Path: "/bin/true"}}}
			}
			if err := b.write(); err != nil {
				t.Fatal(err)
			}
			id := r.id("exe-waiting-" + c.name)
			e := &exeRun{r: r, tools: tools, root: r.root}
			res := e.tool("oci-create", "--bundle", b.dir, id)
			if res.code != 0 {
				t.Fatalf("oci-create: %s", res)
			}
			st := parseState(t, res.stdout)
			checkSealedExe(t, st.Pid)
			probe := `
(exec 4<> /proc/1/exe) 2>/dev/null && echo "OPENED /proc/1/exe rw"
readlink /proc/1/exe 2>/dev/null && echo "READ the link of /proc/1/exe"
for n in 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do
  (exec 4>> /proc/1/fd/$n) 2>/dev/null && echo "OPENED /proc/1/fd/$n for writing"
done
echo probed`
			res = e.tool("oci-exec", id, "sh", "-c", probe)
			if res.code != 0 || !strings.Contains(res.stdout, "probed") || strings.Contains(res.stdout, "OPENED") || strings.Contains(res.stdout, "READ") {
				t.Errorf("the waiting init's exe and fds from the container: %s", res)
			}
			if res := e.tool("oci-delete", "--force", id); res.code != 0 {
				t.Errorf("oci-delete: %s", res)
			}
			assertClean(t, r.root, id)
			w.check()
		})
	}
}

// checkSealedExe fails the test unless the executable of pid, seen from
// the host, is on a read-only mount or a memfd sealed against writes.
func checkSealedExe(t *testing.T, pid int) {
	t.Helper()
	p := fmt.Sprintf("/proc/%d/exe", pid)
	fd, err := unix.Open(p, unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("open %s: %v", p, err)
	}
	defer unix.Close(fd)
	var st unix.Statfs_t
	if err := unix.Fstatfs(fd, &st); err != nil {
		t.Fatalf("statfs %s: %v", p, err)
	}
	if st.Flags&unix.ST_RDONLY != 0 {
		return
	}
	// A memfd: F_GET_SEALS needs a real open, which the read below is.
	f, err := os.Open(p)
	if err != nil {
		t.Fatalf("%s is on a writable mount and cannot be opened to read its seals: %v", p, err)
	}
	defer f.Close()
	seals, err := unix.FcntlInt(f.Fd(), unix.F_GET_SEALS, 0)
	if err != nil || seals&unix.F_SEAL_WRITE == 0 || seals&unix.F_SEAL_SEAL == 0 {
		t.Errorf("%s is neither on a read-only mount nor a sealed memfd (seals %#x, %v)", p, seals, err)
	}
}

// TestBreakoutRuntimeExeRootless is the attack on a rootless runtime,
// whose tools the user owns and could write: there the kernel refuses the
// read-only clone (no CAP_SYS_ADMIN over the user's mount namespace), and
// the processes run a sealed memfd copy instead. The container's root is
// the user, so nothing but the copy stands between it and the binary.
func TestBreakoutRuntimeExeRootless(t *testing.T) {
	t.Parallel()
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Skip("needs setpriv (util-linux) to run the tools as another user")
	}
	const uid = 12346
	u := strconv.Itoa(uid)
	r := newRT(t)
	r.traversable()
	tools := copyTools(t, r)
	chownTree(t, tools, uid, uid)
	e := &exeRun{r: r, tools: tools, root: r.dir("rootless-state"), as: runOpts{
		prefix: []string{setpriv, "--reuid=" + u, "--regid=" + u, "--clear-groups"},
		env:    []string{"HOME=/nonexistent"},
	}}
	chownTree(t, e.root, uid, uid)
	w := watchHost(t, r, toolPaths(tools), []string{tools})

	b, out := attackedBundle(t, r)
	chownTree(t, b.dir, uid, uid)
	chownTree(t, out, uid, uid)
	if res := r.exec(e.as, "oci-spec", "--bundle", b.dir, "--rootless"); res.code != 0 {
		t.Fatalf("oci-spec --rootless: %s", res)
	}
	var rootless specs.Spec
	if err := json.Unmarshal([]byte(readOut(t, b.dir, "config.json")), &rootless); err != nil {
		t.Fatal(err)
	}
	rootless.Process.Terminal = false
	rootless.Process.Args = b.spec.Process.Args
	rootless.Mounts = append(rootless.Mounts, b.spec.Mounts[len(b.spec.Mounts)-1])
	b.spec = &rootless

	t.Cleanup(func() {
		for _, id := range r.issued() {
			r.exec(e.as, filepath.Join(tools, "oci-delete"), "--root", e.root, "--force", id)
		}
	})
	if !e.attack(t, b, out, "exe-rootless", []string{"/proc/self/exe", "-p", "-", "x"}) {
		t.Error("the attacker did not reach the runtime binary run in the container")
	}
	w.check()
}

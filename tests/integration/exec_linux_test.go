package integration

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// defaultCaps are the capabilities of the default spec's process.
var defaultCaps = []int{unix.CAP_AUDIT_WRITE, unix.CAP_KILL, unix.CAP_NET_BIND_SERVICE}

// TestExecOverrides runs processes in one container with each of
// oci-exec's changes to the container's process and checks their effect
// from inside.
func TestExecOverrides(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.bundle("sleep", "1000")
	// Without no_new_privs in the container's process, so that the
	// flag's effect shows.
	b.spec.Process.NoNewPrivileges = false
	id, _ := r.started(b, "overrides")

	status := func(key, want string) func(*testing.T, string) {
		return func(t *testing.T, out string) {
			t.Helper()
			if got := statusLine(t, out, key); got != want {
				t.Errorf("%s = %q, want %q", key, got, want)
			}
		}
	}
	output := func(want string) func(*testing.T, string) {
		return func(t *testing.T, out string) {
			t.Helper()
			if out != want {
				t.Errorf("output %q, want %q", out, want)
			}
		}
	}
	const procStatus = "cat /proc/self/status"
	withCaps := append(append([]int(nil), defaultCaps...), unix.CAP_SYS_ADMIN, unix.CAP_NET_RAW)
	cases := []struct {
		name   string
		flags  []string
		script string
		checks []func(*testing.T, string)
	}{
		// Nothing changed: the container's own process, its env and cwd.
		{"none", nil, `echo "$PATH $TERM"; pwd; id -u; id -g`,
			[]func(*testing.T, string){output("/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin xterm\n/\n0\n0\n")}},
		{"none-status", nil, procStatus, []func(*testing.T, string){
			status("CapEff", capMask(defaultCaps...)), status("NoNewPrivs", "0"), status("Groups", "")}},
		// -e replaces a variable of the same name and adds new ones.
		// A value may hold commas (runc's --env does not split).
		{"env", []string{"-e", "FOO=bar baz", "--env", "PATH=/bin", "-e", "LIST=a,b"}, `echo "$FOO|$PATH|$TERM|$LIST"`,
			[]func(*testing.T, string){output("bar baz|/bin|xterm|a,b\n")}},
		{"cwd", []string{"--cwd", "/tmp"}, "pwd", []func(*testing.T, string){output("/tmp\n")}},
		{"user", []string{"-u", "1000:1001"}, "id -u; id -g", []func(*testing.T, string){output("1000\n1001\n")}},
		// A UID alone keeps the container's GID.
		{"uid-only", []string{"--user", "1000"}, "id -u; id -g", []func(*testing.T, string){output("1000\n0\n")}},
		{"groups", []string{"-g", "5,6", "--additional-gids", "7"}, procStatus,
			[]func(*testing.T, string){status("Groups", "5 6 7")}},
		{"caps", []string{"--cap", "CAP_SYS_ADMIN", "-c", "net_raw"}, procStatus, []func(*testing.T, string){
			status("CapEff", capMask(withCaps...)), status("CapPrm", capMask(withCaps...)),
			status("CapBnd", capMask(withCaps...)), status("CapInh", capMask())}},
		{"no-new-privs", []string{"--no-new-privs"}, procStatus, []func(*testing.T, string){status("NoNewPrivs", "1")}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := append(append(append([]string(nil), c.flags...), id), sh(c.script)...)
			res := r.oci("oci-exec", args...)
			if res.code != 0 || res.stderr != "" {
				t.Fatalf("oci-exec %s: %s", strings.Join(args, " "), res)
			}
			for _, check := range c.checks {
				check(t, res.stdout)
			}
		})
	}
	r.remove(id)
}

// TestExecProcess runs a process described in a file, then on stdin: it
// is taken whole, nothing of the container's own process added.
func TestExecProcess(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.bundle("sleep", "1000")
	id, _ := r.started(b, "process")

	proc := func(who string) []byte {
		data, err := json.Marshal(specs.Process{
			Args: sh(`echo "$WHO ${TERM:-no-term}"; id -u; id -g; pwd; grep CapEff /proc/self/status`),
			Env:  []string{"PATH=/bin", "WHO=" + who},
			Cwd:  "/tmp",
			User: specs.User{UID: 123, GID: 45},
		})
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	want := func(who string) string {
		return who + " no-term\n123\n45\n/tmp\nCapEff:\t" + capMask() + "\n"
	}
	file := filepath.Join(r.dir("process"), "process.json")
	if err := os.WriteFile(file, proc("from-file"), 0o644); err != nil {
		t.Fatal(err)
	}
	if res := r.oci("oci-exec", "--process", file, id); res.code != 0 || res.stdout != want("from-file") {
		t.Errorf("oci-exec --process FILE: %s, want stdout %q", res, want("from-file"))
	}
	stdin := tempWithContent(t, r, string(proc("from-stdin")))
	res := r.exec(runOpts{stdin: stdin}, "oci-exec", "--root", r.root, "-p", "-", id)
	if res.code != 0 || res.stdout != want("from-stdin") {
		t.Errorf("oci-exec -p -: %s, want stdout %q", res, want("from-stdin"))
	}

	// A process file and a command are one too many; a process without
	// args is none.
	if res := r.oci("oci-exec", "--process", file, id, "true"); res.code != 2 {
		t.Errorf("oci-exec --process FILE ID CMD: %s, want usage error 2", res)
	}
	noArgs := filepath.Join(r.dir("process"), "process.json")
	if err := os.WriteFile(noArgs, []byte(`{"cwd":"/"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if res := r.oci("oci-exec", "--process", noArgs, id); res.code == 0 || !strings.Contains(res.stderr, "args") {
		t.Errorf("oci-exec --process with no args: %s, want a failure naming args", res)
	}
	r.remove(id)
}

// TestExecDetach starts a process and returns: the tool prints its ID and
// pid, the pid file agrees, and the process runs in the container
// (oci-ps lists it) after oci-exec has exited.
func TestExecDetach(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.bundle("sleep", "1000")
	id, st := r.started(b, "detach")
	pidFile := filepath.Join(r.dir("pid"), "pid")
	out := r.must("oci-exec", "--detach", "--pid-file", pidFile, id, "sleep", "999")
	var v struct {
		ID  string `json:"id"`
		Pid int    `json:"pid"`
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil || !strings.HasSuffix(out, "}\n") || strings.Count(out, "\n") != 1 {
		t.Fatalf("oci-exec --detach printed %q, want one JSON line (%v)", out, err)
	}
	if v.ID != id || v.Pid <= 0 || v.Pid == st.Pid {
		t.Errorf("oci-exec --detach printed %+v, want id %s and the new process's pid", v, id)
	}
	if pid := readPid(t, pidFile); pid != v.Pid {
		t.Errorf("pid file holds %d, oci-exec printed %d", pid, v.Pid)
	}

	type proc struct {
		Pid  int      `json:"pid"`
		Args []string `json:"args"`
	}
	found := map[int][]string{}
	for _, line := range strings.Split(strings.TrimSpace(r.must("oci-ps", id)), "\n") {
		var p proc
		if err := json.Unmarshal([]byte(line), &p); err != nil {
			t.Fatalf("oci-ps line %q: %v", line, err)
		}
		found[p.Pid] = p.Args
	}
	if got := strings.Join(found[v.Pid], " "); got != "sleep 999" {
		t.Errorf("oci-ps lists pid %d with args %q, want sleep 999 (all: %v)", v.Pid, got, found)
	}
	if _, ok := found[st.Pid]; !ok || len(found) != 2 {
		t.Errorf("oci-ps lists %v, want the init %d and the exec'd %d", found, st.Pid, v.Pid)
	}
	// In the container's cgroups, as the host sees them.
	if got, want := mustRead(t, "/proc/"+strconv.Itoa(v.Pid)+"/cgroup"), mustRead(t, "/proc/"+strconv.Itoa(st.Pid)+"/cgroup"); got != want {
		t.Errorf("cgroups of the detached process:\n%s\nwant the init's:\n%s", got, want)
	}
	// Deleting the container takes the detached process with it.
	r.remove(id)
}

func TestExecPreserveFds(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.bundle("sleep", "1000")
	id, _ := r.started(b, "fds")
	f3 := tempWithContent(t, r, "from fd 3\n")
	f4 := tempWithContent(t, r, "from fd 4\n")
	f5 := tempWithContent(t, r, "not passed\n")
	res := r.exec(runOpts{extra: []*os.File{f3, f4, f5}}, "oci-exec", "--root", r.root, "--preserve-fds", "2", id,
		"sh", "-c", "cat <&3; cat <&4; ls /proc/self/fd")
	want := "from fd 3\nfrom fd 4\n0\n1\n2\n3\n4\n5\n"
	if res.code != 0 || res.stdout != want {
		t.Errorf("oci-exec --preserve-fds 2: %s, want stdout %q (fds 3 and 4 passed, 5 is ls's)", res, want)
	}
	// Without the flag only the standard streams get in.
	res = r.exec(runOpts{extra: []*os.File{f3}}, "oci-exec", "--root", r.root, id, "ls", "/proc/self/fd")
	if res.code != 0 || res.stdout != "0\n1\n2\n3\n" {
		t.Errorf("oci-exec without --preserve-fds: %s, want fds 0 1 2 and ls's 3", res)
	}
	r.remove(id)
}

// TestExecConsoleSocket sends the process's pty master to a receiver; a
// detached process with a terminal and nowhere to send it is refused.
func TestExecConsoleSocket(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.bundle("sleep", "1000")
	id, _ := r.started(b, "console")
	sock, output := consoleReceiver(t, r)
	res := r.oci("oci-exec", "-t", "--console-socket", sock, id,
		"sh", "-c", "test -t 0 && test -t 1 && test -t 2 && echo all-tty; tty; exit 4")
	if res.code != 4 || res.stdout != "" {
		t.Errorf("oci-exec -t --console-socket: %s, want exit 4 and nothing on its own stdout", res)
	}
	out := output()
	if !strings.Contains(out, "all-tty\n") || !strings.Contains(out, "/dev/pts/") {
		t.Errorf("terminal output %q, want all-tty and a /dev/pts/ terminal", out)
	}

	res = r.oci("oci-exec", "--detach", "--tty", id, "true")
	if res.code != 1 {
		t.Errorf("oci-exec --detach --tty without --console-socket: %s, want exit 1", res)
	}
	errLine(t, res, "oci-exec", id, "--console-socket")
	r.remove(id)
}

// TestExecTty runs oci-exec -t on a terminal (script's): the process gets
// a terminal of the container's own and its exit status comes back.
func TestExecTty(t *testing.T) {
	t.Parallel()
	script, err := exec.LookPath("script")
	if err != nil {
		t.Skip("needs script(1) from util-linux to give oci-exec a terminal")
	}
	r := newRT(t)
	b := r.bundle("sleep", "1000")
	id, _ := r.started(b, "tty")
	cmdline := strings.Join([]string{shQuote(filepath.Join(binDir, "oci-exec")), "--root", shQuote(r.root), "-t", id,
		"sh", "-c", shQuote("test -t 0 && test -t 1 && echo in-tty; tty; exit 5")}, " ")
	// script needs a standard input open (the harness leaves it closed
	// by default); at its end, script waits for its command.
	devNull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer devNull.Close()
	res := r.exec(runOpts{stdin: devNull}, script, "-qec", cmdline, "/dev/null")
	out := strings.ReplaceAll(res.stdout, "\r\n", "\n")
	if res.code != 5 {
		t.Errorf("script -qec 'oci-exec -t ...': %s, want exit 5", res)
	}
	// The container mounts a devpts of its own: the process's terminal
	// is one of its ptys, not script's. script may forward the end of
	// its own (empty) input as a control character, which the
	// container's terminal echoes (^@, ^D) between the lines.
	out = strings.NewReplacer("^@", "", "^D", "").Replace(out)
	if !strings.Contains(out, "in-tty\n/dev/pts/") {
		t.Errorf("output %q, want in-tty and a /dev/pts/ terminal", out)
	}
	r.remove(id)
}

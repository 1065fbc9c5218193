package integration

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/ocikit/ocikit/internal/seccomp"
)

// The SCMP_ACT_NOTIFY tests: the test is the seccomp agent. It listens on
// a unix socket in its temporary directory, named by listenerPath; the
// runtime connects, sends the specs.ContainerProcessState with the
// filter's listener, and the agent answers the container's mkdir calls:
// EXDEV for one path, "go on" (SECCOMP_USER_NOTIF_FLAG_CONTINUE) for
// another.

// The paths the agent answers for.
const (
	notifyDenied  = "/tmp/notify-denied"
	notifyAllowed = "/tmp/notify-allowed"
)

// handedListener is what one connection to the agent brought.
type handedListener struct {
	state   specs.ContainerProcessState
	fds     int    // descriptors received
	fdKind  string // what the descriptor links to in /proc/self/fd
	err     error
	answers []string // "path=answer" for every notification answered
}

// seccompAgent is the test's listener at path.
type seccompAgent struct {
	path string
	ln   *net.UnixListener

	mu   sync.Mutex
	got  []*handedListener
	done sync.WaitGroup
}

func newSeccompAgent(t *testing.T, dir string) *seccompAgent {
	t.Helper()
	path := filepath.Join(dir, "agent.sock")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	a := &seccompAgent{path: path, ln: ln}
	a.done.Add(1)
	go a.accept()
	t.Cleanup(func() { a.ln.Close(); a.done.Wait() })
	return a
}

// accept takes connections until the listener is closed, each served
// in its own goroutine until the filter's processes are gone.
func (a *seccompAgent) accept() {
	defer a.done.Done()
	for {
		conn, err := a.ln.AcceptUnix()
		if err != nil {
			return
		}
		h := &handedListener{}
		a.mu.Lock()
		a.got = append(a.got, h)
		a.mu.Unlock()
		a.done.Add(1)
		go func() {
			defer a.done.Done()
			a.serve(conn, h)
		}()
	}
}

// connections returns what every connection so far brought, once each
// has finished being served.
func (a *seccompAgent) connections() []*handedListener {
	a.ln.Close()
	a.done.Wait()
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.got
}

func (a *seccompAgent) serve(conn *net.UnixConn, h *handedListener) {
	defer conn.Close()
	buf := make([]byte, 64<<10)
	oob := make([]byte, unix.CmsgSpace(4*4))
	n, oobn, _, _, err := conn.ReadMsgUnix(buf, oob)
	if err != nil {
		h.err = fmt.Errorf("read the state: %w", err)
		return
	}
	var fds []int
	msgs, _ := unix.ParseSocketControlMessage(oob[:oobn])
	for _, m := range msgs {
		got, err := unix.ParseUnixRights(&m)
		if err == nil {
			fds = append(fds, got...)
		}
	}
	h.fds = len(fds)
	for _, fd := range fds[min(1, len(fds)):] {
		unix.Close(fd)
	}
	if err := json.Unmarshal(buf[:n], &h.state); err != nil {
		h.err = fmt.Errorf("decode the state %q: %w", buf[:n], err)
	}
	if len(fds) == 0 {
		return
	}
	fd := fds[0]
	defer unix.Close(fd)
	h.fdKind, _ = os.Readlink(fmt.Sprintf("/proc/self/fd/%d", fd))
	for {
		// RECV would block for good once no process is left under the
		// filter; poll says so with POLLHUP.
		pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		if _, err := unix.Poll(pfd, -1); err != nil {
			if err == unix.EINTR {
				continue
			}
			return
		}
		if pfd[0].Revents&unix.POLLIN == 0 {
			return
		}
		req, err := seccomp.RecvNotif(uintptr(fd))
		if err == unix.EINTR || err == unix.ENOENT {
			// ENOENT: the caller was killed before the agent got its
			// call.
			continue
		}
		if err != nil {
			return
		}
		path := notifPath(&req)
		resp := seccomp.NotifResp{ID: req.ID}
		answer := "continue"
		if path == notifyDenied {
			resp.Error, answer = -int32(unix.EXDEV), "EXDEV"
		} else {
			// Safe only because the agent makes no decision that
			// the call's later reading of its arguments could
			// undo: it lets the call run as if never filtered.
			resp.Flags = unix.SECCOMP_USER_NOTIF_FLAG_CONTINUE
		}
		h.answers = append(h.answers, path+"="+answer)
		seccomp.SendNotifResp(uintptr(fd), resp)
	}
}

// notifPath reads the path argument of a notified mkdir or mkdirat from
// the calling process's memory.
func notifPath(req *seccomp.Notif) string {
	addr := req.Args[0]
	if req.Nr == unix.SYS_MKDIRAT {
		addr = req.Args[1]
	}
	mem, err := os.Open(fmt.Sprintf("/proc/%d/mem", req.Pid))
	if err != nil {
		return "?" + err.Error()
	}
	defer mem.Close()
	buf := make([]byte, 256)
	n, _ := mem.ReadAt(buf, int64(addr))
	s, _, _ := bytes.Cut(buf[:n], []byte{0})
	return string(s)
}

// notifyBundle is a bundle whose filter notifies mkdir and mkdirat.
func notifyBundle(r *rt, listener string, nnp bool) *bundle {
	b := r.bundle()
	b.spec.Process.NoNewPrivileges = nnp
	b.spec.Root.Readonly = false
	b.spec.Linux.Seccomp = filter(specs.ActAllow, specs.LinuxSyscall{Names: mkdirCalls, Action: specs.ActNotify})
	b.spec.Linux.Seccomp.ListenerPath = listener
	b.spec.Linux.Seccomp.ListenerMetadata = "agent-metadata-42"
	b.spec.Linux.Seccomp.Flags = []specs.LinuxSeccompFlag{specs.LinuxSeccompFlagWaitKillableRecv}
	return b
}

// notifyScript makes both directories and prints what each mkdir said.
const notifyScript = "mkdir " + notifyDenied + " 2>&1; echo denied=$?; mkdir " + notifyAllowed + " && test -d " + notifyAllowed + " && echo allowed=ok"

// checkHanded checks one connection's state and descriptor.
func checkHanded(t *testing.T, h *handedListener, id string, pid, initPid int, status specs.ContainerState) {
	t.Helper()
	if h.err != nil {
		t.Fatal(h.err)
	}
	st := h.state
	if h.fds != 1 || h.fdKind != "anon_inode:seccomp notify" {
		t.Errorf("got %d descriptors, the first %q; want one seccomp listener", h.fds, h.fdKind)
	}
	if len(st.Fds) != 1 || st.Fds[0] != specs.SeccompFdName {
		t.Errorf("fds %q, want [%q]", st.Fds, specs.SeccompFdName)
	}
	if st.Version == "" || st.Metadata != "agent-metadata-42" {
		t.Errorf("ociVersion %q, metadata %q", st.Version, st.Metadata)
	}
	if st.Pid != pid || st.State.Pid != initPid || st.State.ID != id || st.State.Status != status {
		t.Errorf("pid %d, state pid %d id %q status %q; want pid %d, state pid %d id %q status %q",
			st.Pid, st.State.Pid, st.State.ID, st.State.Status, pid, initPid, id, status)
	}
	if st.State.Bundle == "" {
		t.Error("state without bundle")
	}
}

// TestSeccompNotify runs a container whose mkdir calls go to the test's
// agent, with no_new_privs (the filter goes in last) and without (it goes
// in before the credentials change), through oci-run.
func TestSeccompNotify(t *testing.T) {
	t.Parallel()
	for _, nnp := range []bool{true, false} {
		name := "nnp"
		if !nnp {
			name = "privs"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := newRT(t)
			agent := newSeccompAgent(t, r.dir("agent"))
			b := notifyBundle(r, agent.path, nnp)
			b.spec.Process.Args = sh(notifyScript)
			pidFile := filepath.Join(r.dir("pid"), "pid")
			res := r.run(b, "--pid-file", pidFile)
			if res.code != 0 {
				t.Fatalf("oci-run: %s", res)
			}
			want := "mkdir: can't create directory '" + notifyDenied + "': Invalid cross-device link\ndenied=1\nallowed=ok\n"
			if res.stdout != want {
				t.Errorf("output %q, want %q", res.stdout, want)
			}
			pid := readPid(t, pidFile)
			hs := agent.connections()
			if len(hs) != 1 {
				t.Fatalf("%d connections to the agent, want 1", len(hs))
			}
			h := hs[0]
			// oci-run names the container itself: take the id the
			// runtime sent, and check the rest against it.
			checkHanded(t, h, h.state.State.ID, pid, pid, specs.StateCreating)
			if !strings.Contains(strings.Join(h.answers, " "), notifyDenied+"=EXDEV") || !strings.Contains(strings.Join(h.answers, " "), notifyAllowed+"=continue") {
				t.Errorf("the agent answered %q", h.answers)
			}
		})
	}
}

// TestSeccompNotifyExec: a container created and then started waits for
// the start under its notifying filter; a process oci-exec starts in it is
// under the container's filter, with a listener of its own that goes to
// the agent too, naming the process's pid and the container's state.
func TestSeccompNotifyExec(t *testing.T) {
	t.Parallel()
	for _, nnp := range []bool{true, false} {
		name := "nnp"
		if !nnp {
			name = "privs"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			notifyExec(t, nnp)
		})
	}
}

func notifyExec(t *testing.T, nnp bool) {
	r := newRT(t)
	agent := newSeccompAgent(t, r.dir("agent"))
	b := notifyBundle(r, agent.path, nnp)
	b.spec.Process.Args = []string{"sleep", "1000"}
	// Created, then started: the init waits for the start under the
	// filter (it went in before "created").
	id := r.id("notify-exec")
	st := r.create(b, id)
	r.must("oci-start", id)
	pidFile := filepath.Join(r.dir("pid"), "exec-pid")
	res := r.oci("oci-exec", "--pid-file", pidFile, id, "sh", "-c", notifyScript)
	want := "mkdir: can't create directory '" + notifyDenied + "': Invalid cross-device link\ndenied=1\nallowed=ok\n"
	if res.code != 0 || res.stdout != want {
		t.Fatalf("oci-exec: %s, want stdout %q", res, want)
	}
	execPid := readPid(t, pidFile)
	// With the agent gone (closing its socket removes it), an exec
	// fails naming the path, and its process does not stay.
	agent.ln.Close()
	res = r.oci("oci-exec", id, "sh", "-c", "echo ran")
	if res.code == 0 || !strings.Contains(res.stderr, agent.path) || strings.Contains(res.stdout, "ran") {
		t.Errorf("oci-exec without the agent: %s, want a failure naming %s", res, agent.path)
	}
	r.remove(id)
	hs := agent.connections()
	if len(hs) != 2 {
		t.Fatalf("%d connections to the agent, want 2 (init, exec)", len(hs))
	}
	checkHanded(t, hs[0], id, st.Pid, st.Pid, specs.StateCreating)
	checkHanded(t, hs[1], id, execPid, st.Pid, specs.StateRunning)
	if got := strings.Join(hs[1].answers, " "); !strings.Contains(got, notifyDenied+"=EXDEV") || !strings.Contains(got, notifyAllowed+"=continue") {
		t.Errorf("the agent answered the exec'd process %q", got)
	}
}

// TestSeccompNotifyNoListener: with nobody at listenerPath (no socket, or
// a socket nobody listens on), oci-create fails naming the path, and
// nothing of the container is left.
func TestSeccompNotifyNoListener(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		make func(t *testing.T, path string)
		want string
	}{
		{"absent", func(*testing.T, string) {}, "no such file or directory"},
		{"refusing", func(t *testing.T, path string) {
			// A socket bound and never listened on refuses
			// connections.
			fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer unix.Close(fd)
			if err := unix.Bind(fd, &unix.SockaddrUnix{Name: path}); err != nil {
				t.Fatal(err)
			}
		}, "connection refused"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := newRT(t)
			path := filepath.Join(r.dir("agent"), "agent.sock")
			c.make(t, path)
			b := notifyBundle(r, path, true)
			b.spec.Process.Args = sh(notifyScript)
			if err := b.write(); err != nil {
				t.Fatal(err)
			}
			id := r.id("notify-" + c.name)
			res := r.oci("oci-create", "--bundle", b.dir, id)
			if res.code == 0 {
				t.Fatalf("oci-create succeeded: %s", res)
			}
			errLine(t, res, "oci-create", id, strconv.Quote(path), c.want)
			assertClean(t, r.root, id)
			res = r.run(b)
			if res.code == 0 || !strings.Contains(res.stderr, path) {
				t.Errorf("oci-run: %s, want a failure naming %s", res, path)
			}
		})
	}
}

package container

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/ocikit/ocikit/internal/initproto"
)

// initPair is a socketpair standing for the init socket: the runtime's
// end, and the init's.
func initPair(t *testing.T) (runtimeEnd, initEnd *os.File) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	a, b := os.NewFile(uintptr(fds[0]), "runtime"), os.NewFile(uintptr(fds[1]), "init")
	t.Cleanup(func() { a.Close(); b.Close() })
	return a, b
}

// sendWithFD writes msg on sock with f attached, as the init does.
func sendWithFD(t *testing.T, sock *os.File, msg string, f *os.File) {
	t.Helper()
	if err := unix.Sendmsg(int(sock.Fd()), []byte(msg), unix.UnixRights(int(f.Fd())), nil, 0); err != nil {
		t.Fatal(err)
	}
}

// TestFDReader: replies read through fdReader by a json.Decoder keep the
// descriptor that came with one of them, and a log reply before it and
// the ready after it decode as before.
func TestFDReader(t *testing.T) {
	rt, in := initPair(t)
	marker, err := os.CreateTemp(t.TempDir(), "listener")
	if err != nil {
		t.Fatal(err)
	}
	defer marker.Close()
	in.Write([]byte(`{"log":{"level":"INFO","msg":"hook said hi"}}` + "\n"))
	sendWithFD(t, in, `{"seccompListener":true}`+"\n", marker)
	in.Write([]byte(`{"ready":true}` + "\n"))
	in.Close()

	fdr := newFDReader(rt)
	defer fdr.close()
	dec := json.NewDecoder(fdr)
	var kinds []string
	for {
		var rep initReply
		if err := dec.Decode(&rep); err != nil {
			break
		}
		switch {
		case rep.Log != nil:
			kinds = append(kinds, "log")
		case rep.SeccompListener:
			f, err := fdr.take()
			if err != nil {
				t.Fatal(err)
			}
			var a, b unix.Stat_t
			unix.Fstat(int(f.Fd()), &a)
			unix.Fstat(int(marker.Fd()), &b)
			if a.Ino != b.Ino || a.Dev != b.Dev {
				t.Error("the descriptor taken is not the one sent")
			}
			f.Close()
			kinds = append(kinds, "listener")
		case rep.Ready:
			kinds = append(kinds, "ready")
		}
	}
	if got := strings.Join(kinds, " "); got != "log listener ready" {
		t.Errorf("replies %q, want log, listener, ready", got)
	}
	if _, err := fdr.take(); err == nil {
		t.Error("take with nothing received succeeded")
	}
}

// TestExecReplies: the exec role's listener is passed on when its line
// comes, and what follows (an error reply) is returned.
func TestExecReplies(t *testing.T) {
	rt, in := initPair(t)
	marker, err := os.CreateTemp(t.TempDir(), "listener")
	if err != nil {
		t.Fatal(err)
	}
	defer marker.Close()
	sendWithFD(t, in, `{"seccompListener":true}`+"\n", marker)
	in.Write([]byte(`{"error":"no such file","op":"exec"}` + "\n"))
	in.Close()
	passed := 0
	msg, err := execReplies(rt, func(fdr *fdReader) error {
		f, err := fdr.take()
		if err == nil {
			f.Close()
			passed++
		}
		return err
	})
	if err != nil || passed != 1 {
		t.Fatalf("passed %d, %v", passed, err)
	}
	var rep initproto.Reply
	if err := json.Unmarshal(msg, &rep); err != nil || rep.Error != "no such file" {
		t.Errorf("rest %q (%v), want the error reply", msg, err)
	}
}

// TestHandListener: the process at listenerPath gets one message, the
// ContainerProcessState as JSON with the descriptor; without a process
// there, the error names the path.
func TestHandListener(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "agent.sock")
	s := &specs.Spec{Version: specs.Version, Linux: &specs.Linux{Seccomp: &specs.LinuxSeccomp{ListenerPath: path, ListenerMetadata: "m"}}}
	st := hookState(s, "c1", 42, "/bundle", specs.StateCreating)
	listener := func() *os.File {
		f, err := os.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	err := handListener(s, st, 43, listener())
	if err == nil || !strings.Contains(err.Error(), `"`+path+`"`) {
		t.Fatalf("no agent: %v, want an error naming %s", err, path)
	}
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	done := make(chan error, 1)
	go func() { done <- handListener(s, st, 43, listener()) }()
	conn, err := ln.AcceptUnix()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	buf, oob := make([]byte, 4096), make([]byte, unix.CmsgSpace(4))
	n, oobn, _, _, err := conn.ReadMsgUnix(buf, oob)
	if err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	msgs, _ := unix.ParseSocketControlMessage(oob[:oobn])
	if len(msgs) != 1 {
		t.Fatalf("%d control messages, want 1", len(msgs))
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) != 1 {
		t.Fatalf("rights %v, %v", fds, err)
	}
	unix.Close(fds[0])
	var cps specs.ContainerProcessState
	if err := json.Unmarshal(buf[:n], &cps); err != nil {
		t.Fatal(err)
	}
	if cps.Pid != 43 || cps.Metadata != "m" || len(cps.Fds) != 1 || cps.Fds[0] != specs.SeccompFdName ||
		cps.State.ID != "c1" || cps.State.Pid != 42 || cps.State.Status != specs.StateCreating || cps.Version != specs.Version {
		t.Errorf("state %+v", cps)
	}
}

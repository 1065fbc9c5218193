package tty

import (
	"errors"
	"fmt"
	"github.com/ocikit/ocikit/internal/unixsock"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func socketPair(t *testing.T) (a, b *os.File) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("socketpair: %v", err)
	}
	a, b = os.NewFile(uintptr(fds[0]), "sock-a"), os.NewFile(uintptr(fds[1]), "sock-b")
	t.Cleanup(func() {
		a.Close()
		b.Close()
	})
	return a, b
}

// checkSamePty fails unless got is a working master of the pty whose slave
// is slave: a size set through it shows on the slave, and bytes written to
// it are read from the slave.
func checkSamePty(t *testing.T, got, slave *os.File) {
	t.Helper()
	if err := SetSize(got, 21, 43); err != nil {
		t.Fatal(err)
	}
	if r, c, err := GetSize(slave); err != nil || r != 21 || c != 43 {
		t.Fatalf("slave size = %dx%d, %v; want 21x43", r, c, err)
	}
	if _, err := got.Write([]byte("ping\n")); err != nil {
		t.Fatalf("write received master: %v", err)
	}
	buf := make([]byte, 64)
	n, err := slave.Read(buf)
	if err != nil || string(buf[:n]) != "ping\n" {
		t.Fatalf("slave read %q, %v; want %q", buf[:n], err, "ping\n")
	}
}

func TestSendRecvConsole(t *testing.T) {
	master, slave := newTestPty(t)
	a, b := socketPair(t)
	if err := SendConsole(a, master); err != nil {
		t.Fatalf("SendConsole: %v", err)
	}
	got, err := RecvConsole(b)
	if err != nil {
		t.Fatalf("RecvConsole: %v", err)
	}
	defer got.Close()
	if got.Name() != master.Name() {
		t.Errorf("name = %q, want %q", got.Name(), master.Name())
	}
	if flags, err := unix.FcntlInt(got.Fd(), unix.F_GETFD, 0); err != nil || flags&unix.FD_CLOEXEC == 0 {
		t.Errorf("received descriptor not close-on-exec (flags %#x, %v)", flags, err)
	}
	checkSamePty(t, got, slave)
}

func TestSendConsoleCustomName(t *testing.T) {
	master, slave := newTestPty(t)
	fd, err := unix.FcntlInt(master.Fd(), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	named := os.NewFile(uintptr(fd), "/dev/pts/ptmx")
	defer named.Close()
	a, b := socketPair(t)
	if err := SendConsole(a, named); err != nil {
		t.Fatalf("SendConsole: %v", err)
	}
	got, err := RecvConsole(b)
	if err != nil {
		t.Fatalf("RecvConsole: %v", err)
	}
	defer got.Close()
	if got.Name() != "/dev/pts/ptmx" {
		t.Errorf("name = %q, want /dev/pts/ptmx", got.Name())
	}
	checkSamePty(t, got, slave)
}

func TestRecvConsoleRejectsNonTerminal(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	a, b := socketPair(t)
	if err := SendConsole(a, r); err != nil {
		t.Fatalf("SendConsole: %v", err)
	}
	if got, err := RecvConsole(b); err == nil {
		got.Close()
		t.Fatal("RecvConsole accepted a pipe")
	} else if !strings.Contains(err.Error(), "not a terminal") {
		t.Errorf("error = %v, want one saying not a terminal", err)
	}
}

func TestRecvConsoleRejectsTwoDescriptors(t *testing.T) {
	m1, _ := newTestPty(t)
	m2, _ := newTestPty(t)
	a, b := socketPair(t)
	rights := unix.UnixRights(int(m1.Fd()), int(m2.Fd()))
	if err := unix.Sendmsg(int(a.Fd()), []byte("/dev/ptmx"), rights, nil, 0); err != nil {
		t.Fatalf("sendmsg: %v", err)
	}
	if got, err := RecvConsole(b); err == nil {
		got.Close()
		t.Fatal("RecvConsole accepted two descriptors")
	}
}

func TestRecvConsoleEOF(t *testing.T) {
	a, b := socketPair(t)
	a.Close()
	_, err := RecvConsole(b)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("RecvConsole on a closed socket: %v, want ErrUnexpectedEOF", err)
	}
}

// listenAt makes a listening unix socket at dir/base whatever the lengths:
// it binds a short name through an O_PATH descriptor of dir and renames it.
func listenAt(t *testing.T, dir, base string) *os.File {
	t.Helper()
	dfd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("open %s: %v", dir, err)
	}
	defer unix.Close(dfd)
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	l := os.NewFile(uintptr(fd), "listener")
	t.Cleanup(func() { l.Close() })
	if err := unix.Bind(fd, &unix.SockaddrUnix{Name: fmt.Sprintf("/proc/self/fd/%d/s", dfd)}); err != nil {
		t.Fatalf("bind: %v", err)
	}
	if err := unix.Listen(fd, 1); err != nil {
		t.Fatalf("listen: %v", err)
	}
	if err := unix.Renameat(dfd, "s", dfd, base); err != nil {
		t.Fatalf("rename socket to %s: %v", base, err)
	}
	return l
}

// dialAndPass dials path, sends a console over the connection and checks it
// arrives on the listener's side.
func dialAndPass(t *testing.T, l *os.File, path string) {
	t.Helper()
	conn, err := DialConsole(path)
	if err != nil {
		t.Fatalf("DialConsole(%d-byte path): %v", len(path), err)
	}
	defer conn.Close()
	afd, _, err := unix.Accept4(int(l.Fd()), unix.SOCK_CLOEXEC)
	if err != nil {
		t.Fatalf("accept: %v", err)
	}
	accepted := os.NewFile(uintptr(afd), "accepted")
	defer accepted.Close()
	master, slave := newTestPty(t)
	if err := SendConsole(conn, master); err != nil {
		t.Fatalf("SendConsole: %v", err)
	}
	got, err := RecvConsole(accepted)
	if err != nil {
		t.Fatalf("RecvConsole: %v", err)
	}
	defer got.Close()
	checkSamePty(t, got, slave)
}

func TestDialConsole(t *testing.T) {
	dir := t.TempDir()
	l := listenAt(t, dir, "console.sock")
	dialAndPass(t, l, filepath.Join(dir, "console.sock"))
}

func TestDialConsoleLongPath(t *testing.T) {
	dir := t.TempDir()
	for len(dir) <= 2*unixsock.SunPathLen {
		dir = filepath.Join(dir, strings.Repeat("d", 40))
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	l := listenAt(t, dir, "console.sock")
	dialAndPass(t, l, filepath.Join(dir, "console.sock"))
}

func TestDialConsoleLongBase(t *testing.T) {
	dir := t.TempDir()
	base := strings.Repeat("b", 200)
	l := listenAt(t, dir, base)
	dialAndPass(t, l, filepath.Join(dir, base))
}

func TestDialConsoleMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "absent.sock")
	if conn, err := DialConsole(path); err == nil {
		conn.Close()
		t.Fatal("DialConsole succeeded on a missing socket")
	} else if !errors.Is(err, unix.ENOENT) || !strings.Contains(err.Error(), path) {
		t.Errorf("error = %v, want ENOENT naming %s", err, path)
	}
}

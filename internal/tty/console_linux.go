package tty

import (
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"

	"github.com/ocikit/ocikit/internal/unixsock"
)

// maxNameLen bounds the data bytes of a console message (the master's name).
// runc and its receivers (recvtty, containerd) use the same 4096-byte buffer,
// so a longer name would be truncated on their side.
const maxNameLen = 4096

// SendConsole passes master over sock, a connected unix socket, as one
// SCM_RIGHTS message whose data bytes are the master's name. This is the
// message runc sends to a --console-socket, so recvtty-style tools and
// containerd accept it.
func SendConsole(sock, master *os.File) error {
	name := master.Name()
	if name == "" {
		// A stream socket cannot carry ancillary data without at least one
		// data byte, and receivers expect a name.
		name = "/dev/ptmx"
	}
	if len(name) > maxNameLen {
		return fmt.Errorf("send console %q: name longer than %d bytes", name, maxNameLen)
	}
	src, err := sock.SyscallConn()
	if err != nil {
		return fmt.Errorf("send console over %q: %w", sock.Name(), err)
	}
	mrc, err := master.SyscallConn()
	if err != nil {
		return fmt.Errorf("send console %q: %w", name, err)
	}
	var n int
	var sendErr error
	// SyscallConn is used rather than Fd so neither file is switched to
	// blocking mode behind its poller's back.
	ctlErr := mrc.Control(func(mfd uintptr) {
		err = src.Write(func(sfd uintptr) bool {
			n, sendErr = unix.SendmsgN(int(sfd), []byte(name), unix.UnixRights(int(mfd)), nil, 0)
			return sendErr != unix.EAGAIN
		})
	})
	switch {
	case ctlErr != nil:
		return fmt.Errorf("send console %q: %w", name, ctlErr)
	case err != nil:
		return fmt.Errorf("send console over %q: %w", sock.Name(), err)
	case sendErr != nil:
		return fmt.Errorf("send console over %q: %w", sock.Name(), sendErr)
	case n != len(name):
		return fmt.Errorf("send console over %q: short write (%d of %d bytes)", sock.Name(), n, len(name))
	}
	return nil
}

// RecvConsole receives one console message from sock, as sent by
// SendConsole or runc, and returns the terminal it carries, named by the
// message's data bytes. The file is close-on-exec.
func RecvConsole(sock *os.File) (*os.File, error) {
	rc, err := sock.SyscallConn()
	if err != nil {
		return nil, fmt.Errorf("receive console from %q: %w", sock.Name(), err)
	}
	buf := make([]byte, maxNameLen)
	// Room for exactly one descriptor: if the peer sends more, the kernel
	// sets MSG_CTRUNC and discards the excess instead of filling our table.
	oob := make([]byte, unix.CmsgSpace(4))
	var n, oobn, flags int
	var recvErr error
	err = rc.Read(func(fd uintptr) bool {
		n, oobn, flags, _, recvErr = unix.Recvmsg(int(fd), buf, oob, unix.MSG_CMSG_CLOEXEC)
		return recvErr != unix.EAGAIN
	})
	if err == nil {
		err = recvErr
	}
	if err != nil {
		return nil, fmt.Errorf("receive console from %q: %w", sock.Name(), err)
	}
	fds, err := parseRights(oob[:oobn])
	if err != nil {
		return nil, fmt.Errorf("receive console from %q: %w", sock.Name(), err)
	}
	closeAll := func() {
		for _, fd := range fds {
			unix.Close(fd)
		}
	}
	switch {
	case flags&unix.MSG_CTRUNC != 0:
		closeAll()
		return nil, fmt.Errorf("receive console from %q: more than one file descriptor sent", sock.Name())
	case len(fds) == 0 && n == 0:
		return nil, fmt.Errorf("receive console from %q: %w", sock.Name(), io.ErrUnexpectedEOF)
	case len(fds) != 1:
		closeAll()
		return nil, fmt.Errorf("receive console from %q: got %d file descriptors, want 1", sock.Name(), len(fds))
	}
	name := string(buf[:n])
	if name == "" {
		name = "/dev/ptmx"
	}
	f := os.NewFile(uintptr(fds[0]), name)
	// The caller will put this file in raw-mode proxies and resize it;
	// refuse anything that is not a terminal rather than fail obscurely later.
	if !IsTerminal(f) {
		f.Close()
		return nil, fmt.Errorf("receive console from %q: %q is not a terminal", sock.Name(), name)
	}
	return f, nil
}

// parseRights returns every descriptor carried by SCM_RIGHTS messages in oob.
func parseRights(oob []byte) ([]int, error) {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return nil, fmt.Errorf("parse control message: %w", err)
	}
	var fds []int
	for i := range msgs {
		if msgs[i].Header.Level != unix.SOL_SOCKET || msgs[i].Header.Type != unix.SCM_RIGHTS {
			continue
		}
		rights, err := unix.ParseUnixRights(&msgs[i])
		if err != nil {
			for _, fd := range fds {
				unix.Close(fd)
			}
			return nil, fmt.Errorf("parse rights: %w", err)
		}
		fds = append(fds, rights...)
	}
	return fds, nil
}

// DialConsole connects a SOCK_STREAM unix socket to path, the
// --console-socket a runtime's caller listens on, whatever the path's
// length (see package unixsock).
func DialConsole(path string) (*os.File, error) {
	f, err := unixsock.Dial(path)
	if err != nil {
		return nil, fmt.Errorf("dial console socket %q: %w", path, err)
	}
	return f, nil
}

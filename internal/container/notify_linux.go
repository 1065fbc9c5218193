package container

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/ocikit/ocikit/internal/initproto"
	"github.com/ocikit/ocikit/internal/seccomp"
	"github.com/ocikit/ocikit/internal/unixsock"
)

// initReply is a message of the init (or the exec role) on its socket:
// an initproto.Reply, or the announcement of a seccomp listener.
type initReply struct {
	initproto.Reply
	seccomp.ListenerReply
}

// maxRights is how many descriptors one read of the init socket makes room
// for. The init sends one at a time; room for more keeps a stray extra one
// from truncating the control data (the kernel would then close them all).
const maxRights = 4

// fdReader reads the runtime's end of the init socket with recvmsg, so
// that a descriptor sent with a message (SCM_RIGHTS) is kept, in arrival
// order, rather than closed by the kernel as a plain read would do. A
// json.Decoder reads the messages through it; the descriptor announced by
// a message has arrived by the time the decoder returns that message,
// since it travels with the message's first bytes.
type fdReader struct {
	sock *os.File
	fds  []*os.File
}

func newFDReader(sock *os.File) *fdReader { return &fdReader{sock: sock} }

func (r *fdReader) Read(p []byte) (int, error) {
	rc, err := r.sock.SyscallConn()
	if err != nil {
		return 0, err
	}
	oob := make([]byte, unix.CmsgSpace(4*maxRights))
	var n, oobn int
	var rerr error
	err = rc.Read(func(fd uintptr) bool {
		for {
			n, oobn, _, _, rerr = unix.Recvmsg(int(fd), p, oob, unix.MSG_CMSG_CLOEXEC)
			if rerr != unix.EINTR {
				break
			}
		}
		return rerr != unix.EAGAIN
	})
	if err == nil {
		err = rerr
	}
	if oobn > 0 {
		r.keep(oob[:oobn])
	}
	if err != nil {
		return 0, err
	}
	if n == 0 && len(p) > 0 {
		return 0, io.EOF
	}
	return n, nil
}

// keep takes the descriptors out of control data.
func (r *fdReader) keep(oob []byte) {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return
	}
	for _, m := range msgs {
		fds, err := unix.ParseUnixRights(&m)
		if err != nil {
			continue
		}
		for _, fd := range fds {
			r.fds = append(r.fds, os.NewFile(uintptr(fd), "from-init"))
		}
	}
}

// take returns the oldest descriptor received and not yet taken.
func (r *fdReader) take() (*os.File, error) {
	if len(r.fds) == 0 {
		return nil, errors.New("the init announced a seccomp listener but sent no descriptor")
	}
	f := r.fds[0]
	r.fds = r.fds[1:]
	return f, nil
}

// close closes every descriptor received and not taken.
func (r *fdReader) close() {
	for _, f := range r.fds {
		f.Close()
	}
	r.fds = nil
}

// passListener takes the listener the init just announced from fdr,
// hands it to linux.seccomp.listenerPath (handListener) and tells the
// process, which waits for that before it goes on. On error the caller
// kills the process.
func passListener(fdr *fdReader, s *specs.Spec, st *specs.State, pid int) error {
	listener, err := fdr.take()
	if err != nil {
		return err
	}
	if s.Linux == nil || s.Linux.Seccomp == nil || s.Linux.Seccomp.ListenerPath == "" {
		listener.Close()
		return errors.New("the init sent a seccomp listener, but the spec names no linux.seccomp.listenerPath")
	}
	if err := handListener(s, st, pid, listener); err != nil {
		return err
	}
	if err := json.NewEncoder(fdr.sock).Encode(seccomp.ListenerReply{SeccompListener: true}); err != nil {
		return fmt.Errorf("tell the container process its seccomp listener was handed over: %w", err)
	}
	return nil
}

// handListener passes a container process's seccomp listener to the
// process listening at linux.seccomp.listenerPath: one message holding
// the specs.ContainerProcessState as JSON, with the listener attached
// (SCM_RIGHTS), as the runtime spec describes. pid is the filtered
// process, st the container's state. The runtime's copy is closed here
// in every case: from now on only the listener's owner can answer the
// process's notified calls, and once every copy is gone (the owner
// refused it, or exits) those calls fail with ENOSYS instead of waiting.
func handListener(s *specs.Spec, st *specs.State, pid int, listener *os.File) error {
	defer listener.Close()
	path := s.Linux.Seccomp.ListenerPath
	msg, err := json.Marshal(&specs.ContainerProcessState{
		Version:  specs.Version,
		Fds:      []string{specs.SeccompFdName},
		Pid:      pid,
		Metadata: s.Linux.Seccomp.ListenerMetadata,
		State:    *st,
	})
	if err != nil {
		return fmt.Errorf("seccomp listener %q: encode the state: %w", path, err)
	}
	conn, err := unixsock.Dial(path)
	if err != nil {
		return fmt.Errorf("seccomp listener %q: connect: %w", path, err)
	}
	defer conn.Close()
	rc, err := conn.SyscallConn()
	if err != nil {
		return fmt.Errorf("seccomp listener %q: %w", path, err)
	}
	var n int
	var serr error
	err = rc.Write(func(fd uintptr) bool {
		n, serr = unix.SendmsgN(int(fd), msg, unix.UnixRights(int(listener.Fd())), nil, 0)
		return serr != unix.EAGAIN
	})
	if err == nil {
		err = serr
	}
	if err == nil && n < len(msg) {
		_, err = conn.Write(msg[n:])
	}
	if err != nil {
		return fmt.Errorf("seccomp listener %q: send the state and the listener: %w", path, err)
	}
	return nil
}

// execReplies reads what the exec role says on sock until EOF and returns
// it. A seccomp listener the process announces first (a
// seccomp.ListenerReply line, with the descriptor) is handed on with pass
// as soon as it arrives, not at EOF: the process may make a notified call
// before its exec, which waits until the listener's owner has it. Empty
// means the process exec'd: its end of the socket is close-on-exec.
func execReplies(sock *os.File, pass func(*fdReader) error) ([]byte, error) {
	fdr := newFDReader(sock)
	defer fdr.close()
	var msg []byte
	buf := make([]byte, 4096)
	passed := false
	for {
		n, err := fdr.Read(buf)
		msg = append(msg, buf[:n]...)
		if !passed {
			if line, rest, ok := bytes.Cut(msg, []byte("\n")); ok {
				passed = true
				var lr seccomp.ListenerReply
				if json.Unmarshal(line, &lr) == nil && lr.SeccompListener {
					if err := pass(fdr); err != nil {
						return nil, err
					}
					msg = append([]byte(nil), rest...)
				}
			}
		}
		if err == io.EOF {
			return msg, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

package containerinit

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"

	"github.com/ocikit/ocikit/internal/cerr"
	"github.com/ocikit/ocikit/internal/seccomp"
)

// listenerSend hands a notifying filter's listener to the runtime.
type listenerSend func(listener *os.File) error

// loadFilter loads filter on this thread. A notifying filter's listener is
// handed to the runtime at once, before any other call of the runtime's
// own: from the load on, a call the profile notifies waits until the
// process at listenerPath answers it, and that process can only answer
// once the runtime has passed the listener on. Had the init gone on to
// make such a call first (a stat of LookPath, a chdir), it would wait
// forever for a listener nobody holds.
func loadFilter(filter *seccomp.Program, send listenerSend) error {
	if !filter.Notify {
		return filter.Load()
	}
	if send == nil {
		return errors.New("load seccomp filter: it notifies a listener, and there is no runtime to hand the listener to")
	}
	l, err := filter.LoadListener()
	if err != nil {
		return err
	}
	// This process's copy goes once the runtime has its own: the
	// program exec'd later must never hold its own filter's listener
	// (it could answer its own calls). The kernel made it close-on-exec
	// too.
	defer l.Close()
	return send(l)
}

// sendListener writes a seccomp.ListenerReply on sock, the init socket,
// with the listener attached (SCM_RIGHTS) to the same bytes, so that the
// runtime, reading the replies in order, finds the descriptor with the
// message that announces it; then it waits on dec for the runtime's
// answer, which says the listener is with the process at listenerPath.
func sendListener(sock *os.File, dec *json.Decoder, listener *os.File) error {
	if err := writeListener(sock, listener); err != nil {
		return err
	}
	var ack seccomp.ListenerReply
	if err := dec.Decode(&ack); err != nil || !ack.SeccompListener {
		return cerr.Op("wait for the runtime to hand the seccomp listener over", "", fmt.Errorf("no answer (%v)", err))
	}
	return nil
}

func writeListener(sock, listener *os.File) error {
	msg, err := json.Marshal(seccomp.ListenerReply{SeccompListener: true})
	if err != nil {
		return err
	}
	msg = append(msg, '\n')
	rights := unix.UnixRights(int(listener.Fd()))
	n, err := unix.SendmsgN(int(sock.Fd()), msg, rights, nil, 0)
	if err == nil && n < len(msg) {
		// The descriptor went with the first bytes; the rest follow.
		_, err = sock.Write(msg[n:])
	}
	if err != nil {
		return cerr.Op("send the seccomp listener to the runtime", "", err)
	}
	return nil
}

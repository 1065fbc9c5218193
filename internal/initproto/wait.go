package initproto

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/sys/unix"
)

// EnvWait marks a process as the waiting init: the container's init, set
// up and ready, re-executed so that only a small C program
// (internal/waiter) waits for the start instead of a whole Go runtime.
// Its value is "START,REQ": the listening start socket and a file holding
// the WaitRequest.
const EnvWait = "_OCIKIT_WAIT"

const waitMagic = 0x5749434f // "OCIW"

// WaitRequest is what the waiter execs once it is told to start, and the
// seccomp filter it loads right before.
type WaitRequest struct {
	Path        string
	Args, Env   []string
	Filter      []unix.SockFilter // empty: none to load
	FilterFlags uint
	// SigMask is the signal mask the program is to start with (the
	// init's, before it blocked the signals the waiter catches for the
	// hand-over); the waiter restores it once its handlers are in.
	SigMask uint64
}

// WaitEnv is the EnvWait entry for the two fds.
func WaitEnv(start, req int) string {
	return fmt.Sprintf("%s=%d,%d", EnvWait, start, req)
}

// Encode returns the request as waiter.c reads it: the 32-bit magic, the
// 64-bit signal mask, 32-bit fields (filter flags, instruction count), the
// filter's 8-byte
// instructions, then the path, the argument count and arguments, the
// variable count and variables, each string as a 32-bit length and its
// bytes. A string holding a NUL byte cannot be passed to execve: it is
// refused here as syscall.Exec refuses it, with EINVAL.
func (r *WaitRequest) Encode() ([]byte, error) {
	var b bytes.Buffer
	put := func(v uint32) { binary.Write(&b, binary.NativeEndian, v) }
	str := func(s string) error {
		if strings.IndexByte(s, 0) >= 0 {
			return fmt.Errorf("exec %q: %w", r.Path, unix.EINVAL)
		}
		put(uint32(len(s)))
		b.WriteString(s)
		return nil
	}
	if r.Path == "" || len(r.Args) == 0 {
		return nil, errors.New("wait request: no program to exec")
	}
	put(waitMagic)
	binary.Write(&b, binary.NativeEndian, r.SigMask)
	put(uint32(r.FilterFlags))
	put(uint32(len(r.Filter)))
	for _, in := range r.Filter {
		binary.Write(&b, binary.NativeEndian, in)
	}
	if err := str(r.Path); err != nil {
		return nil, err
	}
	for _, list := range [][]string{r.Args, r.Env} {
		put(uint32(len(list)))
		for _, s := range list {
			if err := str(s); err != nil {
				return nil, err
			}
		}
	}
	return b.Bytes(), nil
}

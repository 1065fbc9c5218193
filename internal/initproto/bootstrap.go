package initproto

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"golang.org/x/sys/unix"
)

// EnvInit is the environment variable that marks a process as a container
// init; its value is the bootstrap socket's file descriptor number.
const EnvInit = "_OCIKIT_INIT"

const magic = 0x4f43494b

// Join is a namespace to join: FD is its number in the child.
type Join struct {
	FD   int
	Type uintptr // CLONE_NEW*
}

// Bootstrap is what the constructor needs.
type Bootstrap struct {
	CloneFlags uintptr // new namespaces (CLONE_NEW*)
	Joins      []Join
	// CgroupTasks are the numbers in the child of cgroup v1 "tasks" files,
	// opened for writing by the parent. Before it joins or makes any
	// namespace the constructor writes "0" to each, moving its only
	// thread (so the whole process, and the init it forks) into that
	// cgroup, and closes them.
	CgroupTasks []int
	TimeOffsets map[string][2]int64 // clock name ("monotonic", "boottime") -> seconds, nanoseconds
}

// Encode returns the bootstrap message: the header (magic, length) and
// native-endian 32-bit fields, as nsenter.c reads them: clone flags, the
// number of joins and each join's fd and type, the number of cgroup tasks
// fds and each fd, then the length of the time offsets text and the text.
func (b *Bootstrap) Encode() []byte {
	var body bytes.Buffer
	put := func(v uint32) { binary.Write(&body, binary.NativeEndian, v) }
	put(uint32(b.CloneFlags))
	put(uint32(len(b.Joins)))
	for _, j := range b.Joins {
		put(uint32(int32(j.FD)))
		put(uint32(j.Type))
	}
	put(uint32(len(b.CgroupTasks)))
	for _, fd := range b.CgroupTasks {
		put(uint32(int32(fd)))
	}
	var tb strings.Builder
	clocks := make([]string, 0, len(b.TimeOffsets))
	for c := range b.TimeOffsets {
		clocks = append(clocks, c)
	}
	sort.Strings(clocks)
	for _, c := range clocks {
		o := b.TimeOffsets[c]
		fmt.Fprintf(&tb, "%s %d %d\n", c, o[0], o[1])
	}
	put(uint32(tb.Len()))
	body.WriteString(tb.String())
	var out bytes.Buffer
	binary.Write(&out, binary.NativeEndian, uint32(magic))
	binary.Write(&out, binary.NativeEndian, uint32(body.Len()))
	out.Write(body.Bytes())
	return out.Bytes()
}

// BootReply is one message from the nsenter constructor.
type BootReply struct {
	// 'U' (write id maps), 'P' (init pid), 'E' (error), or 'H' (the
	// init's Go runtime is up and it waits for its Config: see Hello).
	Kind byte
	Pid  int
	Err  error
}

// Hello is the byte the init sends, from Go, right before it reads its
// Config: its runtime has started the threads it needs to set the
// container up. It may come before or after the constructor's 'P' (each
// is one write, so they never interleave), and the runtime reads it
// before it sends the Config. It tells the runtime when a process that
// is to be moved into a cgroup with a pids limit (a move is never
// refused for the limit; a new thread inside is) has its threads.
const Hello = 'H'

// ReadBootReply reads one constructor message from r.
func ReadBootReply(r io.Reader) (BootReply, error) {
	var k [1]byte
	if _, err := io.ReadFull(r, k[:]); err != nil {
		return BootReply{}, fmt.Errorf("read from init: %w", err)
	}
	switch k[0] {
	case 'U', Hello:
		return BootReply{Kind: k[0]}, nil
	case 'P':
		var pid int32
		if err := binary.Read(r, binary.NativeEndian, &pid); err != nil {
			return BootReply{}, fmt.Errorf("read init pid: %w", err)
		}
		return BootReply{Kind: 'P', Pid: int(pid)}, nil
	case 'E':
		var n uint32
		if err := binary.Read(r, binary.NativeEndian, &n); err != nil || n > 4096 {
			return BootReply{}, fmt.Errorf("read init error: %v", err)
		}
		msg := make([]byte, n)
		if _, err := io.ReadFull(r, msg); err != nil {
			return BootReply{}, fmt.Errorf("read init error: %w", err)
		}
		return BootReply{Kind: 'E', Err: errors.New(string(msg))}, nil
	}
	return BootReply{}, fmt.Errorf("unexpected message %q from init", k[0])
}

// IsInit reports whether this process was started as a container init.
func IsInit() bool { _, ok := os.LookupEnv(EnvInit); return ok }

// CloneFlag maps a spec namespace type to its CLONE_NEW* flag.
func CloneFlag(nsType string) (uintptr, error) {
	switch nsType {
	case "pid":
		return unix.CLONE_NEWPID, nil
	case "network":
		return unix.CLONE_NEWNET, nil
	case "mount":
		return unix.CLONE_NEWNS, nil
	case "ipc":
		return unix.CLONE_NEWIPC, nil
	case "uts":
		return unix.CLONE_NEWUTS, nil
	case "user":
		return unix.CLONE_NEWUSER, nil
	case "cgroup":
		return unix.CLONE_NEWCGROUP, nil
	case "time":
		return unix.CLONE_NEWTIME, nil
	}
	return 0, fmt.Errorf("unknown namespace type %q", nsType)
}

package initproto

import (
	"bytes"
	"encoding/binary"
	"testing"

	"golang.org/x/sys/unix"
)

// u32s reads n native-endian 32-bit fields from r.
func u32s(t *testing.T, r *bytes.Reader, n int) []uint32 {
	t.Helper()
	v := make([]uint32, n)
	if err := binary.Read(r, binary.NativeEndian, v); err != nil {
		t.Fatalf("read %d fields: %v", n, err)
	}
	return v
}

func TestEncodeLayout(t *testing.T) {
	b := Bootstrap{
		CloneFlags:  unix.CLONE_NEWNS | unix.CLONE_NEWPID,
		Joins:       []Join{{FD: 7, Type: unix.CLONE_NEWNET}},
		CgroupTasks: []int{8, 9, 12},
		TimeOffsets: map[string][2]int64{"monotonic": {5, 0}, "boottime": {-3, 7}},
	}
	msg := b.Encode()
	var hdr [2]uint32
	binary.Read(bytes.NewReader(msg), binary.NativeEndian, &hdr)
	if hdr[0] != magic || int(hdr[1]) != len(msg)-8 {
		t.Fatalf("header %x %d for %d bytes", hdr[0], hdr[1], len(msg))
	}
	body := bytes.NewReader(msg[8:])
	if f := u32s(t, body, 4); f[0] != unix.CLONE_NEWNS|unix.CLONE_NEWPID || f[1] != 1 || f[2] != 7 || f[3] != unix.CLONE_NEWNET {
		t.Fatalf("flags and joins %v", f)
	}
	if f := u32s(t, body, 4); f[0] != 3 || f[1] != 8 || f[2] != 9 || f[3] != 12 {
		t.Fatalf("cgroup tasks fds %v", f)
	}
	n := u32s(t, body, 1)[0]
	rest := make([]byte, n)
	body.Read(rest)
	if string(rest) != "boottime -3 7\nmonotonic 5 0\n" {
		t.Fatalf("time offsets %q", rest)
	}
	if body.Len() != 0 {
		t.Fatalf("%d bytes after the time offsets", body.Len())
	}
}

// TestEncodeEmpty: a bootstrap with nothing to do is four zero fields
// (flags, joins, cgroup fds, time offsets length) after the header.
func TestEncodeEmpty(t *testing.T) {
	msg := (&Bootstrap{}).Encode()
	r := bytes.NewReader(msg)
	hdr := u32s(t, r, 2)
	if hdr[0] != magic || hdr[1] != 16 {
		t.Fatalf("header %x %d", hdr[0], hdr[1])
	}
	if f := u32s(t, r, 4); f[0] != 0 || f[1] != 0 || f[2] != 0 || f[3] != 0 || r.Len() != 0 {
		t.Fatalf("fields %v, %d more bytes", f, r.Len())
	}
}

func TestReadBootReply(t *testing.T) {
	var buf bytes.Buffer
	buf.WriteByte('U')
	buf.WriteByte(Hello)
	buf.WriteByte('P')
	binary.Write(&buf, binary.NativeEndian, int32(4242))
	buf.WriteByte('E')
	binary.Write(&buf, binary.NativeEndian, uint32(4))
	buf.WriteString("oops")
	for _, want := range []BootReply{{Kind: 'U'}, {Kind: Hello}, {Kind: 'P', Pid: 4242}, {Kind: 'E'}} {
		got, err := ReadBootReply(&buf)
		if err != nil || got.Kind != want.Kind || got.Pid != want.Pid {
			t.Fatalf("got %+v, %v; want %+v", got, err, want)
		}
		if got.Kind == 'E' && got.Err.Error() != "oops" {
			t.Fatalf("error %q", got.Err)
		}
	}
	if _, err := ReadBootReply(bytes.NewReader([]byte{'Z'})); err == nil {
		t.Fatal("unknown kind accepted")
	}
}

package initproto

import (
	"bytes"
	"encoding/binary"
	"testing"

	"golang.org/x/sys/unix"
)

func TestEncodeLayout(t *testing.T) {
	b := Bootstrap{
		CloneFlags:  unix.CLONE_NEWNS | unix.CLONE_NEWPID,
		Joins:       []Join{{FD: 7, Type: unix.CLONE_NEWNET}},
		TimeOffsets: map[string][2]int64{"monotonic": {5, 0}, "boottime": {-3, 7}},
	}
	msg := b.Encode()
	var hdr [2]uint32
	binary.Read(bytes.NewReader(msg), binary.NativeEndian, &hdr)
	if hdr[0] != magic || int(hdr[1]) != len(msg)-8 {
		t.Fatalf("header %x %d for %d bytes", hdr[0], hdr[1], len(msg))
	}
	body := bytes.NewReader(msg[8:])
	var f [5]uint32
	binary.Read(body, binary.NativeEndian, &f)
	if f[0] != unix.CLONE_NEWNS|unix.CLONE_NEWPID || f[1] != 1 || f[2] != 7 || f[3] != unix.CLONE_NEWNET {
		t.Fatalf("fields %v", f)
	}
	rest := make([]byte, f[4])
	body.Read(rest)
	if string(rest) != "boottime -3 7\nmonotonic 5 0\n" {
		t.Fatalf("time offsets %q", rest)
	}
}

func TestReadBootReply(t *testing.T) {
	var buf bytes.Buffer
	buf.WriteByte('U')
	buf.WriteByte('P')
	binary.Write(&buf, binary.NativeEndian, int32(4242))
	buf.WriteByte('E')
	binary.Write(&buf, binary.NativeEndian, uint32(4))
	buf.WriteString("oops")
	for _, want := range []BootReply{{Kind: 'U'}, {Kind: 'P', Pid: 4242}, {Kind: 'E'}} {
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

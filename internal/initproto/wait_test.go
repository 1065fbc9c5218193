package initproto

import (
	"bytes"
	"encoding/binary"
	"errors"
	"reflect"
	"testing"

	"golang.org/x/sys/unix"
)

// decodeWait reads Encode's layout back, as waiter.c does.
func decodeWait(t *testing.T, b []byte) WaitRequest {
	t.Helper()
	r := bytes.NewReader(b)
	u32 := func() uint32 {
		var v uint32
		if err := binary.Read(r, binary.NativeEndian, &v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	str := func() string {
		s := make([]byte, u32())
		if _, err := r.Read(s); err != nil && len(s) > 0 {
			t.Fatal(err)
		}
		return string(s)
	}
	if m := u32(); m != waitMagic {
		t.Fatalf("magic %#x", m)
	}
	var q WaitRequest
	if err := binary.Read(r, binary.NativeEndian, &q.SigMask); err != nil {
		t.Fatal(err)
	}
	q.FilterFlags = uint(u32())
	q.Filter = make([]unix.SockFilter, u32())
	if err := binary.Read(r, binary.NativeEndian, q.Filter); err != nil {
		t.Fatal(err)
	}
	q.Path = str()
	for _, list := range []*[]string{&q.Args, &q.Env} {
		n := u32()
		*list = []string{}
		for i := uint32(0); i < n; i++ {
			*list = append(*list, str())
		}
	}
	if r.Len() != 0 {
		t.Fatalf("%d bytes left over", r.Len())
	}
	return q
}

func TestWaitRequestEncode(t *testing.T) {
	in := WaitRequest{
		Path:        "/bin/sh",
		Args:        []string{"sh", "-c", "echo ünïcode; exit 3", ""},
		Env:         []string{"PATH=/bin", "EMPTY="},
		Filter:      []unix.SockFilter{{Code: 0x20, K: 4}, {Code: 0x06, Jt: 1, Jf: 2, K: 0x7fff0000}},
		FilterFlags: 5,
		SigMask:     1<<(15-1) | 1<<(2-1),
	}
	b, err := in.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if got := decodeWait(t, b); !reflect.DeepEqual(got, in) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, in)
	}

	noFilter := WaitRequest{Path: "/x", Args: []string{"x"}, Env: []string{}, Filter: []unix.SockFilter{}}
	b, err = noFilter.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if got := decodeWait(t, b); !reflect.DeepEqual(got, noFilter) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, noFilter)
	}
}

func TestWaitRequestRefuses(t *testing.T) {
	for name, q := range map[string]WaitRequest{
		"nul in arg": {Path: "/x", Args: []string{"a\x00b"}},
		"nul in env": {Path: "/x", Args: []string{"x"}, Env: []string{"A=\x00"}},
	} {
		if _, err := q.Encode(); !errors.Is(err, unix.EINVAL) {
			t.Errorf("%s: err %v, want EINVAL", name, err)
		}
	}
	for name, q := range map[string]WaitRequest{
		"no path": {Args: []string{"x"}},
		"no args": {Path: "/x"},
	} {
		if _, err := q.Encode(); err == nil {
			t.Errorf("%s: encoded", name)
		}
	}
}

func TestWaitEnv(t *testing.T) {
	if got, want := WaitEnv(7, 9), "_OCIKIT_WAIT=7,9"; got != want {
		t.Errorf("WaitEnv = %q, want %q", got, want)
	}
}

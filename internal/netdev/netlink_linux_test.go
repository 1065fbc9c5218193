package netdev

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"golang.org/x/sys/unix"
)

func TestMessageRoundTrip(t *testing.T) {
	a := encodeMessage(unix.RTM_GETLINK, unix.NLM_F_REQUEST, 7, []byte{1, 2, 3, 4, 5})
	if l := binary.NativeEndian.Uint32(a); l != unix.SizeofNlMsghdr+5 {
		t.Fatalf("length %d, want %d", l, unix.SizeofNlMsghdr+5)
	}
	// Two messages in one datagram, the first padded to 4 bytes.
	b := encodeMessage(unix.NLMSG_DONE, 0, 8, []byte{0, 0, 0, 0})
	dgram := append(append(append([]byte{}, a...), 0, 0, 0), b...)
	msgs, err := parseMessages(dgram)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 2 || msgs[0].typ != unix.RTM_GETLINK || msgs[0].seq != 7 ||
		!bytes.Equal(msgs[0].data, []byte{1, 2, 3, 4, 5}) || msgs[1].typ != unix.NLMSG_DONE || msgs[1].seq != 8 {
		t.Fatalf("parsed %+v", msgs)
	}
	if _, err := parseMessages([]byte{200, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}); err == nil {
		t.Fatal("a length past the datagram was accepted")
	}
}

func TestAttrs(t *testing.T) {
	b := attrString(nil, unix.IFLA_IFNAME, "eth1")
	if len(b) != 12 || binary.NativeEndian.Uint16(b) != 9 {
		t.Fatalf("IFLA_IFNAME %x: want length 9 padded to 12", b)
	}
	nested := attrString(nil, unix.IFLA_INFO_KIND, "veth")
	b = attr(b, unix.IFLA_LINKINFO|unix.NLA_F_NESTED, nested)
	b = attrU32(b, unix.IFLA_NET_NS_FD, 42)
	attrs, err := parseAttrs(b)
	if err != nil {
		t.Fatal(err)
	}
	if cString(attrs[unix.IFLA_IFNAME]) != "eth1" {
		t.Errorf("name %q", attrs[unix.IFLA_IFNAME])
	}
	if binary.NativeEndian.Uint32(attrs[unix.IFLA_NET_NS_FD]) != 42 {
		t.Errorf("fd %x", attrs[unix.IFLA_NET_NS_FD])
	}
	in, err := parseAttrs(attrs[unix.IFLA_LINKINFO]) // the nested flag masked off
	if err != nil || cString(in[unix.IFLA_INFO_KIND]) != "veth" {
		t.Errorf("nested kind %q, %v", in[unix.IFLA_INFO_KIND], err)
	}
	if _, err := parseAttrs([]byte{2, 0, 1, 0}); err == nil {
		t.Error("an attribute shorter than its header was accepted")
	}
}

// fakeKernel answers one request on the other end of a socket pair with
// the datagrams reply builds from it, and hands the request over.
func fakeKernel(t *testing.T, reply func(req message) [][]byte) (*conn, <-chan message) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fds[1]) })
	c := &conn{fd: fds[0], seq: 41}
	t.Cleanup(func() { c.close() })
	got := make(chan message, 1)
	go func() {
		buf := make([]byte, 4096)
		n, err := unix.Read(fds[1], buf)
		if err != nil {
			return
		}
		msgs, err := parseMessages(buf[:n])
		if err != nil || len(msgs) != 1 {
			return
		}
		got <- msgs[0]
		for _, d := range reply(msgs[0]) {
			unix.Write(fds[1], d)
		}
	}()
	return c, got
}

// errMsg is an NLMSG_ERROR carrying -errno (0: an acknowledgement).
func errMsg(seq uint32, errno unix.Errno) []byte {
	e := -int32(errno)
	return encodeMessage(unix.NLMSG_ERROR, 0, seq, binary.NativeEndian.AppendUint32(nil, uint32(e)))
}

func TestRequestAck(t *testing.T) {
	c, got := fakeKernel(t, func(req message) [][]byte {
		return [][]byte{
			encodeMessage(unix.RTM_NEWLINK, 0, req.seq-1, []byte("stale")), // an earlier request's
			append(encodeMessage(unix.RTM_NEWLINK, 0, req.seq, ifinfomsg(5, 0, 0)), errMsg(req.seq, 0)...),
		}
	})
	msgs, err := c.request(unix.RTM_GETLINK, 0, ifinfomsg(0, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if c.seq != 42 || len(msgs) != 1 || msgs[0].typ != unix.RTM_NEWLINK {
		t.Fatalf("seq %d, answers %+v", c.seq, msgs)
	}
	if l, _ := parseLink(msgs[0].data); l.index != 5 {
		t.Errorf("index %d", l.index)
	}
	if flags := (<-got).flags; flags != unix.NLM_F_REQUEST|unix.NLM_F_ACK {
		t.Errorf("request flags %#x, want REQUEST|ACK", flags)
	}
}

func TestRequestError(t *testing.T) {
	c, _ := fakeKernel(t, func(req message) [][]byte {
		return [][]byte{errMsg(req.seq, unix.EEXIST)}
	})
	_, err := c.request(unix.RTM_SETLINK, 0, moveMessage(3, 9, "eth1"))
	if !errors.Is(err, unix.EEXIST) {
		t.Fatalf("error %v, want EEXIST", err)
	}
}

func TestRequestDump(t *testing.T) {
	c, got := fakeKernel(t, func(req message) [][]byte {
		a := encodeMessage(unix.RTM_NEWLINK, unix.NLM_F_MULTI, req.seq, ifinfomsg(1, 0, 0))
		b := encodeMessage(unix.RTM_NEWLINK, unix.NLM_F_MULTI, req.seq, ifinfomsg(2, 0, 0))
		done := encodeMessage(unix.NLMSG_DONE, unix.NLM_F_MULTI, req.seq, []byte{0, 0, 0, 0})
		return [][]byte{append(a, b...), done}
	})
	links, err := c.links()
	if err != nil {
		t.Fatal(err)
	}
	if len(links) != 2 || links[0].index != 1 || links[1].index != 2 {
		t.Fatalf("links %+v", links)
	}
	if flags := (<-got).flags; flags != unix.NLM_F_REQUEST|unix.NLM_F_DUMP {
		t.Errorf("dump flags %#x, want REQUEST|DUMP (no ACK)", flags)
	}
}

func TestRequestDumpFails(t *testing.T) {
	c, _ := fakeKernel(t, func(req message) [][]byte {
		done := errMsg(req.seq, unix.EPERM)
		binary.NativeEndian.PutUint16(done[4:], unix.NLMSG_DONE)
		return [][]byte{done}
	})
	if _, err := c.links(); !errors.Is(err, unix.EPERM) {
		t.Fatalf("error %v, want EPERM", err)
	}
}

package netdev

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"runtime"

	"golang.org/x/sys/unix"
)

// conn is a NETLINK_ROUTE socket. A netlink socket stays bound to the
// network namespace it was created in, whichever namespace the thread
// using it is in later: that is what lets one process talk to the host's
// namespace and to a container's at once.
type conn struct {
	fd  int
	seq uint32
}

// dial opens a route socket in the calling thread's network namespace.
func dial() (*conn, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE)
	if err != nil {
		return nil, fmt.Errorf("netlink socket: %w", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("bind netlink socket: %w", err)
	}
	// A dump larger than the default buffer would be cut short; the
	// strict checking makes the kernel reject attributes it does not
	// know instead of ignoring them (kernels that lack the option
	// simply keep the old behaviour).
	unix.SetsockoptInt(fd, unix.SOL_NETLINK, unix.NETLINK_GET_STRICT_CHK, 1)
	return &conn{fd: fd}, nil
}

// dialIn opens a route socket in the network namespace ns. The setns is
// made on a thread of its own: if going back to the original namespace
// fails, the goroutine ends still locked and the Go runtime throws that
// thread away, so no later code of this process runs in the wrong
// namespace.
func dialIn(ns *os.File) (*conn, error) {
	type result struct {
		c   *conn
		err error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			runtime.UnlockOSThread()
			ch <- result{err: fmt.Errorf("open own network namespace: %w", err)}
			return
		}
		defer orig.Close()
		if err := unix.Setns(int(ns.Fd()), unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			ch <- result{err: fmt.Errorf("enter network namespace %q: %w", ns.Name(), err)}
			return
		}
		c, err := dial()
		if rerr := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); rerr != nil {
			// Stay locked: the thread dies with the goroutine.
			if c != nil {
				c.close()
			}
			ch <- result{err: fmt.Errorf("return to own network namespace: %w", rerr)}
			return
		}
		runtime.UnlockOSThread()
		ch <- result{c, err}
	}()
	r := <-ch
	return r.c, r.err
}

func (c *conn) close() error { return unix.Close(c.fd) }

// request sends one message and collects the answers: for a dump, every
// message up to NLMSG_DONE; otherwise the replies up to the
// acknowledgement, which the request always asks for. An error the kernel
// returns is a unix.Errno.
func (c *conn) request(typ, flags uint16, body []byte) ([]message, error) {
	c.seq++
	dump := flags&unix.NLM_F_DUMP == unix.NLM_F_DUMP
	if !dump {
		flags |= unix.NLM_F_ACK
	}
	if _, err := unix.Write(c.fd, encodeMessage(typ, unix.NLM_F_REQUEST|flags, c.seq, body)); err != nil {
		return nil, fmt.Errorf("netlink send: %w", err)
	}
	var out []message
	for {
		// A fresh buffer per datagram: the messages kept point into it.
		buf := make([]byte, 1<<16)
		n, err := unix.Read(c.fd, buf)
		if err != nil {
			return nil, fmt.Errorf("netlink receive: %w", err)
		}
		msgs, err := parseMessages(buf[:n])
		if err != nil {
			return nil, err
		}
		for _, m := range msgs {
			if m.seq != c.seq {
				continue // a late answer to an earlier request
			}
			switch m.typ {
			case unix.NLMSG_ERROR, unix.NLMSG_DONE:
				// Both carry a status first: 0, or a negated errno.
				if err := status(m.data); err != nil {
					return nil, err
				}
				if m.typ == unix.NLMSG_ERROR && dump {
					continue // not the end of a dump
				}
				return out, nil
			default:
				out = append(out, m)
			}
		}
	}
}

// message is one netlink message: its header's type, flags and
// sequence, and the payload after the header.
type message struct {
	typ   uint16
	flags uint16
	seq   uint32
	data  []byte
}

// status reads the int32 status that begins an NLMSG_ERROR or
// NLMSG_DONE payload.
func status(data []byte) error {
	if len(data) < 4 {
		return nil
	}
	if e := int32(binary.NativeEndian.Uint32(data)); e < 0 {
		return unix.Errno(-e)
	}
	return nil
}

// align rounds n up to netlink's 4-byte alignment.
func align(n int) int { return (n + 3) &^ 3 }

// encodeMessage prefixes body with a netlink header.
func encodeMessage(typ, flags uint16, seq uint32, body []byte) []byte {
	b := make([]byte, unix.SizeofNlMsghdr, unix.SizeofNlMsghdr+len(body))
	binary.NativeEndian.PutUint32(b[0:], uint32(unix.SizeofNlMsghdr+len(body)))
	binary.NativeEndian.PutUint16(b[4:], typ)
	binary.NativeEndian.PutUint16(b[6:], flags)
	binary.NativeEndian.PutUint32(b[8:], seq)
	return append(b, body...)
}

// parseMessages splits a datagram into its messages.
func parseMessages(b []byte) ([]message, error) {
	var out []message
	for len(b) >= unix.SizeofNlMsghdr {
		l := int(binary.NativeEndian.Uint32(b))
		if l < unix.SizeofNlMsghdr || l > len(b) {
			return nil, errors.New("netlink: malformed message length")
		}
		out = append(out, message{
			typ:   binary.NativeEndian.Uint16(b[4:]),
			flags: binary.NativeEndian.Uint16(b[6:]),
			seq:   binary.NativeEndian.Uint32(b[8:]),
			data:  b[unix.SizeofNlMsghdr:l],
		})
		if align(l) >= len(b) {
			break
		}
		b = b[align(l):]
	}
	return out, nil
}

// attr appends one route attribute to b.
func attr(b []byte, typ uint16, data []byte) []byte {
	l := unix.SizeofRtAttr + len(data)
	var h [unix.SizeofRtAttr]byte
	binary.NativeEndian.PutUint16(h[0:], uint16(l))
	binary.NativeEndian.PutUint16(h[2:], typ)
	b = append(b, h[:]...)
	b = append(b, data...)
	return append(b, make([]byte, align(l)-l)...)
}

func attrU32(b []byte, typ uint16, v uint32) []byte {
	return attr(b, typ, binary.NativeEndian.AppendUint32(nil, v))
}

// attrString appends a NUL-terminated string, as the kernel wants names.
func attrString(b []byte, typ uint16, s string) []byte {
	return attr(b, typ, append([]byte(s), 0))
}

// parseAttrs maps each attribute type in b to its data; the nested flag
// is dropped from the type.
func parseAttrs(b []byte) (map[uint16][]byte, error) {
	out := map[uint16][]byte{}
	for len(b) >= unix.SizeofRtAttr {
		l := int(binary.NativeEndian.Uint16(b))
		if l < unix.SizeofRtAttr || l > len(b) {
			return nil, errors.New("netlink: malformed attribute length")
		}
		out[binary.NativeEndian.Uint16(b[2:])&nlaTypeMask] = b[unix.SizeofRtAttr:l]
		if align(l) >= len(b) {
			break
		}
		b = b[align(l):]
	}
	return out, nil
}

// cString reads a NUL-terminated attribute string.
func cString(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

// nlaTypeMask clears NLA_F_NESTED and NLA_F_NET_BYTEORDER from an
// attribute type (linux/netlink.h NLA_TYPE_MASK).
const nlaTypeMask = ^uint16(unix.NLA_F_NESTED | unix.NLA_F_NET_BYTEORDER)

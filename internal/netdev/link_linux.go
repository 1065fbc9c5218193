package netdev

import (
	"encoding/binary"
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// link is what this package needs of an RTM_NEWLINK answer.
type link struct {
	index int32
	flags uint32
	name  string
	kind  string // IFLA_INFO_KIND: "veth", "macvlan"...; empty for hardware
}

// ifinfomsg encodes struct ifinfomsg.
func ifinfomsg(index int32, flags, change uint32) []byte {
	b := make([]byte, unix.SizeofIfInfomsg)
	b[0] = unix.AF_UNSPEC
	binary.NativeEndian.PutUint32(b[4:], uint32(index))
	binary.NativeEndian.PutUint32(b[8:], flags)
	binary.NativeEndian.PutUint32(b[12:], change)
	return b
}

// parseLink decodes an RTM_NEWLINK payload.
func parseLink(b []byte) (link, error) {
	if len(b) < unix.SizeofIfInfomsg {
		return link{}, errors.New("netlink: short link message")
	}
	l := link{
		index: int32(binary.NativeEndian.Uint32(b[4:])),
		flags: binary.NativeEndian.Uint32(b[8:]),
	}
	attrs, err := parseAttrs(b[unix.SizeofIfInfomsg:])
	if err != nil {
		return link{}, err
	}
	l.name = cString(attrs[unix.IFLA_IFNAME])
	if info, ok := attrs[unix.IFLA_LINKINFO]; ok {
		if nested, err := parseAttrs(info); err == nil {
			l.kind = cString(nested[unix.IFLA_INFO_KIND])
		}
	}
	return l, nil
}

// linkByName asks for one device by name; a missing one is ENODEV.
func (c *conn) linkByName(name string) (link, error) {
	msgs, err := c.request(unix.RTM_GETLINK, 0, attrString(ifinfomsg(0, 0, 0), unix.IFLA_IFNAME, name))
	if err != nil {
		return link{}, err
	}
	for _, m := range msgs {
		if m.typ == unix.RTM_NEWLINK {
			return parseLink(m.data)
		}
	}
	return link{}, unix.ENODEV
}

// links lists every device of the socket's namespace.
func (c *conn) links() ([]link, error) {
	msgs, err := c.request(unix.RTM_GETLINK, unix.NLM_F_DUMP, ifinfomsg(0, 0, 0))
	if err != nil {
		return nil, err
	}
	var out []link
	for _, m := range msgs {
		if m.typ != unix.RTM_NEWLINK {
			continue
		}
		l, err := parseLink(m.data)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, nil
}

// moveMessage is the RTM_SETLINK body that moves device index into the
// namespace open as nsFD and, when name is not empty, renames it there.
// The kernel moves first, keeping the device's name unless that is taken
// inside (then it uses name as the pattern), and renames after, so a
// "%d" template gets the first free number of the target namespace.
func moveMessage(index int32, nsFD int, name string) []byte {
	b := attrU32(ifinfomsg(index, 0, 0), unix.IFLA_NET_NS_FD, uint32(nsFD))
	if name != "" {
		b = attrString(b, unix.IFLA_IFNAME, name)
	}
	return b
}

// move moves device index into the namespace nsFD under name.
func (c *conn) move(index int32, nsFD int, name string) error {
	_, err := c.request(unix.RTM_SETLINK, 0, moveMessage(index, nsFD, name))
	return err
}

// upMessage is the RTM_SETLINK body that sets IFF_UP and nothing else
// (ifi_change masks the flags the kernel looks at).
func upMessage(index int32) []byte {
	return ifinfomsg(index, unix.IFF_UP, unix.IFF_UP)
}

// setUp brings device index up.
func (c *conn) setUp(index int32) error {
	_, err := c.request(unix.RTM_SETLINK, 0, upMessage(index))
	if err != nil {
		return fmt.Errorf("set up: %w", err)
	}
	return nil
}

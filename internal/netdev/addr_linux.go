package netdev

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"

	"golang.org/x/sys/unix"
)

// address is an interface address as RTM_NEWADDR carries it.
type address struct {
	family    uint8
	prefixLen uint8
	scope     uint8
	flags     uint32 // IFA_FLAGS when present, else ifa_flags
	local     []byte // IFA_LOCAL: the address itself (IPv4)
	address   []byte // IFA_ADDRESS: the address, or the peer on point-to-point
	broadcast []byte // IFA_BROADCAST (IPv4)
}

// String gives the address as ip(8) shows it, for messages and logs.
func (a address) String() string {
	b := a.local
	if b == nil {
		b = a.address
	}
	ip, ok := netip.AddrFromSlice(b)
	if !ok {
		return fmt.Sprintf("family %d address %x", a.family, b)
	}
	return netip.PrefixFrom(ip, int(a.prefixLen)).String()
}

// kept says whether the spec wants the address carried along: permanent
// (not learnt, no lifetime: IFA_F_PERMANENT) and of universe scope, so
// link-local and host addresses, which the kernel makes itself, stay out.
func (a address) kept() bool {
	return a.flags&unix.IFA_F_PERMANENT != 0 && a.scope == unix.RT_SCOPE_UNIVERSE
}

// settableFlags are the address flags a user may ask for; the others
// (permanent, tentative, deprecated...) are the kernel's to set.
const settableFlags = unix.IFA_F_NODAD | unix.IFA_F_HOMEADDRESS | unix.IFA_F_MANAGETEMPADDR |
	unix.IFA_F_NOPREFIXROUTE | unix.IFA_F_MCAUTOJOIN

// ifaddrmsg encodes struct ifaddrmsg.
func ifaddrmsg(family, prefixLen, flags, scope uint8, index int32) []byte {
	b := []byte{family, prefixLen, flags, scope, 0, 0, 0, 0}
	binary.NativeEndian.PutUint32(b[4:], uint32(index))
	return b
}

// parseAddr decodes an RTM_NEWADDR payload and the index of its device.
func parseAddr(b []byte) (address, int32, error) {
	if len(b) < unix.SizeofIfAddrmsg {
		return address{}, 0, errors.New("netlink: short address message")
	}
	a := address{family: b[0], prefixLen: b[1], flags: uint32(b[2]), scope: b[3]}
	index := int32(binary.NativeEndian.Uint32(b[4:]))
	attrs, err := parseAttrs(b[unix.SizeofIfAddrmsg:])
	if err != nil {
		return address{}, 0, err
	}
	if f, ok := attrs[unix.IFA_FLAGS]; ok && len(f) >= 4 {
		a.flags = binary.NativeEndian.Uint32(f)
	}
	a.local, a.address, a.broadcast = attrs[unix.IFA_LOCAL], attrs[unix.IFA_ADDRESS], attrs[unix.IFA_BROADCAST]
	return a, index, nil
}

// addrs lists the addresses of device index that the spec wants kept.
func (c *conn) addrs(index int32) ([]address, error) {
	msgs, err := c.request(unix.RTM_GETADDR, unix.NLM_F_DUMP, ifaddrmsg(unix.AF_UNSPEC, 0, 0, 0, 0))
	if err != nil {
		return nil, fmt.Errorf("list addresses: %w", err)
	}
	var out []address
	for _, m := range msgs {
		if m.typ != unix.RTM_NEWADDR {
			continue
		}
		a, idx, err := parseAddr(m.data)
		if err != nil {
			return nil, err
		}
		if idx == index && a.kept() {
			out = append(out, a)
		}
	}
	return out, nil
}

// addrMessage is the RTM_NEWADDR body that gives a to device index.
func addrMessage(a address, index int32) []byte {
	flags := a.flags & settableFlags
	b := ifaddrmsg(a.family, a.prefixLen, uint8(flags), a.scope, index)
	if a.local != nil {
		b = attr(b, unix.IFA_LOCAL, a.local)
	}
	if a.address != nil {
		b = attr(b, unix.IFA_ADDRESS, a.address)
	}
	if a.broadcast != nil {
		b = attr(b, unix.IFA_BROADCAST, a.broadcast)
	}
	if flags > 0xff {
		b = attrU32(b, unix.IFA_FLAGS, flags)
	}
	return b
}

// addAddr gives a to device index (the move flushed the device's
// addresses, so none of them is there yet).
func (c *conn) addAddr(a address, index int32) error {
	if _, err := c.request(unix.RTM_NEWADDR, unix.NLM_F_CREATE|unix.NLM_F_EXCL, addrMessage(a, index)); err != nil {
		return fmt.Errorf("add address %s: %w", a, err)
	}
	return nil
}

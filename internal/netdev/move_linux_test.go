package netdev

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestMoveMessage(t *testing.T) {
	b := moveMessage(7, 12, "eth%d")
	// struct ifinfomsg: family, pad, type, index 7, flags 0, change 0.
	want := make([]byte, unix.SizeofIfInfomsg)
	binary.NativeEndian.PutUint32(want[4:], 7)
	if !bytes.Equal(b[:unix.SizeofIfInfomsg], want) {
		t.Fatalf("ifinfomsg %x, want %x", b[:unix.SizeofIfInfomsg], want)
	}
	attrs, err := parseAttrs(b[unix.SizeofIfInfomsg:])
	if err != nil {
		t.Fatal(err)
	}
	if len(attrs) != 2 || binary.NativeEndian.Uint32(attrs[unix.IFLA_NET_NS_FD]) != 12 ||
		string(attrs[unix.IFLA_IFNAME]) != "eth%d\x00" {
		t.Fatalf("attributes %x", attrs)
	}
	// Without a name the device keeps its own: no IFLA_IFNAME at all.
	if attrs, _ := parseAttrs(moveMessage(7, 12, "")[unix.SizeofIfInfomsg:]); len(attrs) != 1 {
		t.Errorf("attributes without a name %x", attrs)
	}
}

func TestUpMessage(t *testing.T) {
	b := upMessage(3)
	if len(b) != unix.SizeofIfInfomsg || binary.NativeEndian.Uint32(b[4:]) != 3 ||
		binary.NativeEndian.Uint32(b[8:]) != unix.IFF_UP || binary.NativeEndian.Uint32(b[12:]) != unix.IFF_UP {
		t.Fatalf("up message %x: want index 3, flags and change IFF_UP only", b)
	}
}

func TestParseLink(t *testing.T) {
	b := ifinfomsg(9, unix.IFF_UP|unix.IFF_BROADCAST, 0)
	b = attrString(b, unix.IFLA_IFNAME, "oknd1")
	b = attr(b, unix.IFLA_LINKINFO|unix.NLA_F_NESTED, attrString(nil, unix.IFLA_INFO_KIND, "veth"))
	l, err := parseLink(b)
	if err != nil {
		t.Fatal(err)
	}
	if l.index != 9 || l.name != "oknd1" || l.kind != "veth" || l.flags&unix.IFF_UP == 0 {
		t.Fatalf("link %+v", l)
	}
	if _, err := parseLink(b[:8]); err == nil {
		t.Error("a short link message was accepted")
	}
}

func ipBytes(s string) []byte { return netip.MustParseAddr(s).AsSlice() }

func TestAddressKept(t *testing.T) {
	for _, c := range []struct {
		name string
		a    address
		want bool
	}{
		{"permanent universe", address{flags: unix.IFA_F_PERMANENT, scope: unix.RT_SCOPE_UNIVERSE}, true},
		{"with a lifetime", address{flags: 0, scope: unix.RT_SCOPE_UNIVERSE}, false},
		{"link scope", address{flags: unix.IFA_F_PERMANENT, scope: unix.RT_SCOPE_LINK}, false},
		{"host scope", address{flags: unix.IFA_F_PERMANENT, scope: unix.RT_SCOPE_HOST}, false},
	} {
		if got := c.a.kept(); got != c.want {
			t.Errorf("%s: kept %v, want %v", c.name, got, c.want)
		}
	}
}

func TestAddrRoundTrip(t *testing.T) {
	// What the kernel sends: IFA_FLAGS beyond the byte of ifa_flags.
	in := ifaddrmsg(unix.AF_INET6, 64, 0, unix.RT_SCOPE_UNIVERSE, 4)
	in = attr(in, unix.IFA_ADDRESS, ipBytes("fd00:250::1"))
	in = attrU32(in, unix.IFA_FLAGS, unix.IFA_F_PERMANENT|unix.IFA_F_NODAD|unix.IFA_F_NOPREFIXROUTE)
	a, index, err := parseAddr(in)
	if err != nil {
		t.Fatal(err)
	}
	if index != 4 || !a.kept() || a.String() != "fd00:250::1/64" {
		t.Fatalf("parsed %v index %d kept %v", a, index, a.kept())
	}
	// What is sent to add it elsewhere: the new index, and only the
	// flags a user may set (NOPREFIXROUTE needs IFA_FLAGS).
	out := addrMessage(a, 11)
	if out[0] != unix.AF_INET6 || out[1] != 64 || out[3] != unix.RT_SCOPE_UNIVERSE ||
		binary.NativeEndian.Uint32(out[4:]) != 11 || out[2] != unix.IFA_F_NODAD {
		t.Fatalf("ifaddrmsg %x", out[:8])
	}
	attrs, _ := parseAttrs(out[unix.SizeofIfAddrmsg:])
	if f := binary.NativeEndian.Uint32(attrs[unix.IFA_FLAGS]); f != unix.IFA_F_NODAD|unix.IFA_F_NOPREFIXROUTE {
		t.Errorf("IFA_FLAGS %#x", f)
	}
	if !bytes.Equal(attrs[unix.IFA_ADDRESS], ipBytes("fd00:250::1")) || attrs[unix.IFA_LOCAL] != nil {
		t.Errorf("attributes %x", attrs)
	}

	v4 := address{family: unix.AF_INET, prefixLen: 30, flags: unix.IFA_F_PERMANENT, scope: unix.RT_SCOPE_UNIVERSE,
		local: ipBytes("10.250.0.1"), address: ipBytes("10.250.0.1"), broadcast: ipBytes("10.250.0.3")}
	attrs, _ = parseAttrs(addrMessage(v4, 2)[unix.SizeofIfAddrmsg:])
	if len(attrs) != 3 || !bytes.Equal(attrs[unix.IFA_BROADCAST], ipBytes("10.250.0.3")) {
		t.Errorf("IPv4 attributes %x: want local, address, broadcast and no IFA_FLAGS", attrs)
	}
	if v4.String() != "10.250.0.1/30" {
		t.Errorf("String %q", v4)
	}
}

func TestValidName(t *testing.T) {
	for _, c := range []struct {
		name     string
		template bool
		bad      string // a word of the error, or "" for valid
	}{
		{"eth1", false, ""},
		{"eth%d", true, ""},
		{"%dnet", true, ""},
		{"eth%d", false, "%"},
		{"", true, "empty"},
		{"abcdefghijklmnop", true, "longer"},
		{"abcdefghijklmno", true, ""},
		{".", true, "not allowed"},
		{"..", true, "not allowed"},
		{"a/b", true, "slash"},
		{"a:b", true, "colon"},
		{"a b", true, "space"},
		{"e%d%d", true, "one %d"},
		{"e%s", true, "one %d"},
	} {
		err := validName(c.name, c.template)
		switch {
		case c.bad == "" && err != nil:
			t.Errorf("%q: %v", c.name, err)
		case c.bad != "" && (err == nil || !strings.Contains(err.Error(), c.bad)):
			t.Errorf("%q: error %v, want one saying %q", c.name, err, c.bad)
		}
	}
}

func TestMatchTemplate(t *testing.T) {
	for _, c := range []struct {
		template, name string
		want           bool
	}{
		{"eth%d", "eth0", true},
		{"eth%d", "eth12", true},
		{"eth%d", "eth", false},
		{"eth%d", "ethx", false},
		{"eth%d", "lo", false},
		{"n%dx", "n3x", true},
		{"n%dx", "n3", false},
	} {
		if got := matchTemplate(c.template, c.name); got != c.want {
			t.Errorf("matchTemplate(%q, %q) = %v", c.template, c.name, got)
		}
	}
}

func TestFieldErr(t *testing.T) {
	err := fieldErr("oknd1", ".name", unix.EEXIST)
	if err.Error() != "linux.netDevices.oknd1.name: file exists" {
		t.Fatalf("%q", err)
	}
}

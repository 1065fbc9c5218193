package netdev

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// newNetNS opens a fresh network namespace, made on a thread that is
// then thrown away (its goroutine ends locked), so no other code of the
// test runs in it. It lives as long as the file.
func newNetNS(t *testing.T) *os.File {
	t.Helper()
	ch := make(chan any, 1)
	go func() {
		runtime.LockOSThread()
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			ch <- err
			return
		}
		f, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			ch <- err
			return
		}
		ch <- f
	}()
	switch v := (<-ch).(type) {
	case *os.File:
		t.Cleanup(func() { v.Close() })
		return v
	default:
		t.Fatalf("new network namespace: %v", v)
		return nil
	}
}

// vethPair makes a veth pair oknd<n>/okp<n> on the host, the first with
// the addresses given, and deletes whatever is left of it at the end.
func vethPair(t *testing.T, addrs ...string) string {
	t.Helper()
	n := rand.IntN(1 << 20)
	name, peer := fmt.Sprintf("oknd%d", n), fmt.Sprintf("okp%d", n)
	ip(t, "link", "add", name, "type", "veth", "peer", "name", peer)
	t.Cleanup(func() {
		// Deleting either end deletes the pair, wherever the other is.
		exec.Command("ip", "link", "del", peer).Run()
		exec.Command("ip", "link", "del", name).Run()
	})
	for _, a := range addrs {
		ip(t, append([]string{"addr", "add"}, append(strings.Fields(a), "dev", name)...)...)
	}
	ip(t, "link", "set", name, "up")
	return name
}

func ip(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
	}
}

// addrsIn lists the kept addresses of name in ns, as strings.
func addrsIn(t *testing.T, c *conn, name string) (link, []string) {
	t.Helper()
	l, err := c.linkByName(name)
	if err != nil {
		t.Fatalf("look up %q: %v", name, err)
	}
	as, err := c.addrs(l.index)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, a := range as {
		out = append(out, a.String())
	}
	slices.Sort(out)
	return l, out
}

func needRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: creates veth pairs and network namespaces")
	}
	// busybox's ip names a veth's peer itself.
	if out, err := exec.Command("ip", "-V").CombinedOutput(); err != nil || !strings.Contains(string(out), "iproute2") {
		t.Skip("needs iproute2's ip(8) to make veth pairs")
	}
}

func TestMoveVeth(t *testing.T) {
	needRoot(t)
	ns := newNetNS(t)
	name := vethPair(t, "10.250.7.1/30", "fd00:250:7::1/64 nodad",
		"10.250.7.5/30 valid_lft 300 preferred_lft 300") // not permanent: left behind
	devs, err := Move(ns, map[string]specs.LinuxNetDevice{name: {Name: "ctr1"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(devs) != 1 || devs[0].HostName != name || devs[0].Name != "ctr1" || devs[0].Kind != "veth" {
		t.Fatalf("moved %+v", devs)
	}
	host, err := dial()
	if err != nil {
		t.Fatal(err)
	}
	defer host.close()
	if _, err := host.linkByName(name); err != unix.ENODEV {
		t.Errorf("host still has %q: %v", name, err)
	}
	inside, err := dialIn(ns)
	if err != nil {
		t.Fatal(err)
	}
	defer inside.close()
	l, got := addrsIn(t, inside, "ctr1")
	if want := []string{"10.250.7.1/30", "fd00:250:7::1/64"}; !slices.Equal(got, want) {
		t.Errorf("addresses inside %q, want %q", got, want)
	}
	if l.flags&unix.IFF_UP == 0 || l.index != devs[0].Index {
		t.Errorf("inside: %+v, recorded index %d", l, devs[0].Index)
	}

	// Undone: back under its host name, with its addresses, up.
	if err := MoveBack(ns, devs); err != nil {
		t.Fatal(err)
	}
	l, got = addrsIn(t, host, name)
	if want := []string{"10.250.7.1/30", "fd00:250:7::1/64"}; !slices.Equal(got, want) || l.flags&unix.IFF_UP == 0 {
		t.Errorf("back on the host: %+v %q", l, got)
	}
}

func TestMoveTemplate(t *testing.T) {
	needRoot(t)
	ns := newNetNS(t)
	a, b := vethPair(t), vethPair(t)
	devs, err := Move(ns, map[string]specs.LinuxNetDevice{a: {Name: "ctr%d"}, b: {Name: "ctr%d"}})
	if err != nil {
		t.Fatal(err)
	}
	// Host names in order, the kernel numbering from 0.
	if len(devs) != 2 || devs[0].Name != "ctr0" || devs[1].Name != "ctr1" {
		t.Fatalf("moved %+v", devs)
	}
	inside, err := dialIn(ns)
	if err != nil {
		t.Fatal(err)
	}
	defer inside.close()
	for _, d := range devs {
		if l, err := inside.linkByName(d.Name); err != nil || l.index != d.Index || l.flags&unix.IFF_UP == 0 {
			t.Errorf("%s inside: %+v %v", d.Name, l, err)
		}
	}
}

func TestMoveRefused(t *testing.T) {
	needRoot(t)
	ns := newNetNS(t)
	a, b := vethPair(t, "10.250.8.1/30"), vethPair(t)
	last := max(a, b) // moved second
	for _, c := range []struct {
		name    string
		devices map[string]specs.LinuxNetDevice
		want    string
	}{
		{"name taken inside", map[string]specs.LinuxNetDevice{a: {Name: "lo"}},
			"linux.netDevices." + a + ".name: \"lo\" already exists in the container's network namespace"},
		{"no such device", map[string]specs.LinuxNetDevice{"oknd-none": {}},
			"linux.netDevices.oknd-none: no such network device"},
		{"bad name", map[string]specs.LinuxNetDevice{a: {Name: "a/b"}},
			"linux.netDevices." + a + ".name: device name \"a/b\" holds a slash"},
		{"loopback stays", map[string]specs.LinuxNetDevice{"lo": {Name: "hostlo"}},
			"linux.netDevices.lo: move into the container's network namespace"},
		// The second fails: the first, already in, is brought back.
		{"undone", map[string]specs.LinuxNetDevice{a: {Name: "same"}, b: {Name: "same"}},
			"linux.netDevices." + last + ".name: \"same\" already exists"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Move(ns, c.devices)
			if err == nil || !strings.HasPrefix(err.Error(), c.want) {
				t.Fatalf("error %v, want one starting %q", err, c.want)
			}
		})
	}
	host, err := dial()
	if err != nil {
		t.Fatal(err)
	}
	defer host.close()
	if l, got := addrsIn(t, host, a); !slices.Equal(got, []string{"10.250.8.1/30"}) || l.flags&unix.IFF_UP == 0 {
		t.Errorf("%s after the refusals: %+v %q", a, l, got)
	}
	if _, err := host.linkByName(b); err != nil {
		t.Errorf("%s after the refusals: %v", b, err)
	}
}

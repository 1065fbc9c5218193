package integration

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// The linux.netDevices tests make veth pairs of their own, named
// oknd<N> (the end that moves) and okp<N> (its peer, left on the host),
// and touch no other device of the machine.

// vethPair makes a veth pair on the host, gives the first end the
// addresses (ip-addr arguments), sets it up, and returns its name. The
// pair is deleted at the end if anything of it is left.
func vethPair(t *testing.T, addrs ...string) (name, peer string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: moves host network devices")
	}
	needIproute2(t)
	n := rand.IntN(1 << 20)
	name, peer = fmt.Sprintf("oknd%d", n), fmt.Sprintf("okp%d", n)
	hostIP(t, "link", "add", name, "type", "veth", "peer", "name", peer)
	t.Cleanup(func() {
		exec.Command("ip", "link", "del", peer).Run()
		exec.Command("ip", "link", "del", name).Run()
	})
	for _, a := range addrs {
		hostIP(t, append(append([]string{"addr", "add"}, strings.Fields(a)...), "dev", name)...)
	}
	hostIP(t, "link", "set", name, "up")
	return name, peer
}

// needIproute2 skips unless ip(8) is iproute2's: busybox's ip (the v2
// guest's) names a veth's peer itself and would leave the pair to chance.
func needIproute2(t *testing.T) {
	t.Helper()
	if out, err := exec.Command("ip", "-V").CombinedOutput(); err != nil || !strings.Contains(string(out), "iproute2") {
		t.Skip("needs iproute2's ip(8) to make veth pairs")
	}
}

// hostIP runs ip(8) on the host and returns its output.
func hostIP(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// onHost says whether the host's network namespace has a device name.
func onHost(name string) bool {
	return exec.Command("ip", "link", "show", "dev", name).Run() == nil
}

// TestNetDevices moves a veth end into a container under another name:
// inside it has its permanent address (not the one with a lifetime) and
// is up; the host no longer has it. After delete it is not moved back
// (the spec forbids it): the namespace goes, and the kernel destroys the
// virtual device, its peer on the host with it. With a user namespace
// the container's network namespace belongs to it, which changes
// nothing for root's runtime.
func TestNetDevices(t *testing.T) {
	t.Parallel()
	for i, userNS := range []bool{false, true} {
		name := "plain"
		if userNS {
			name = "userns"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := newRT(t)
			addr := fmt.Sprintf("10.250.%d.1/30", 20+i)
			dev, peer := vethPair(t, addr, fmt.Sprintf("10.250.%d.5/30 valid_lft 300 preferred_lft 300", 20+i))
			b := r.bundle("sleep", "1000")
			if userNS {
				const hostID = 100000
				r.traversable()
				chownTree(t, b.rootfs, hostID, hostID)
				b.spec.Linux.Namespaces = append(b.spec.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace})
				b.spec.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: hostID, Size: 65536}}
				b.spec.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: hostID, Size: 65536}}
			}
			b.spec.Linux.NetDevices = map[string]specs.LinuxNetDevice{dev: {Name: "eth1"}}
			id, _ := r.started(b, "netdev")

			res := r.oci("oci-exec", id, "ip", "addr", "show", "dev", "eth1")
			if res.code != 0 {
				t.Fatalf("oci-exec ip addr show dev eth1: %s", res)
			}
			if !strings.Contains(res.stdout, "inet "+addr) || !strings.Contains(res.stdout, ",UP") {
				t.Errorf("eth1 inside: %q, want inet %s and UP", res.stdout, addr)
			}
			if strings.Contains(res.stdout, ".5/30") {
				t.Errorf("eth1 inside: %q: the address with a lifetime is not permanent and must stay out", res.stdout)
			}
			if onHost(dev) {
				t.Errorf("the host still has %s", dev)
			}
			r.remove(id)
			eventually(t, "the veth pair to go with the container's namespace", func() bool {
				return !onHost(peer) && !onHost(dev)
			})
		})
	}
}

// TestNetDevicesJoinedNetNS: the devices go into a network namespace the
// spec joins by path, and stay there after delete, as the spec wants:
// that namespace belongs to whoever made it.
func TestNetDevicesJoinedNetNS(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	name, _ := vethPair(t, "10.250.11.1/30")
	// The namespace's owner: a process of its own, killed at the end.
	holder := exec.Command("unshare", "--net", "sleep", "1000")
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { holder.Process.Kill(); holder.Wait() })
	netns := fmt.Sprintf("/proc/%d/ns/net", holder.Process.Pid)
	eventually(t, "unshare to enter its network namespace", func() bool {
		return nsLink(t, fmt.Sprint(holder.Process.Pid), "net") != nsLink(t, "self", "net")
	})
	b := r.bundle("sleep", "1000")
	b.spec.Linux.Namespaces = append(withoutNS(b.spec.Linux.Namespaces, specs.NetworkNamespace),
		specs.LinuxNamespace{Type: specs.NetworkNamespace, Path: netns})
	b.spec.Linux.NetDevices = map[string]specs.LinuxNetDevice{name: {Name: "eth1"}}
	id, _ := r.started(b, "netdev-joined")
	r.remove(id)
	out, err := exec.Command("nsenter", "--net="+netns, "ip", "addr", "show", "dev", "eth1").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "inet 10.250.11.1/30") || !strings.Contains(string(out), ",UP") {
		t.Errorf("eth1 in %s after delete: %q (%v), want it up with 10.250.11.1/30", netns, out, err)
	}
	if onHost(name) {
		t.Errorf("%s is back on the host: the spec forbids moving it out", name)
	}
}

// TestNetDevicesTemplate: a name with %d is the kernel's to number:
// two devices given the same template get net0 and net1.
func TestNetDevicesTemplate(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	a, _ := vethPair(t)
	c, _ := vethPair(t)
	b := r.bundle("sleep", "1000")
	b.spec.Linux.NetDevices = map[string]specs.LinuxNetDevice{a: {Name: "net%d"}, c: {Name: "net%d"}}
	id, _ := r.started(b, "netdev-tmpl")
	res := r.oci("oci-exec", id, "ip", "-o", "link", "show")
	if res.code != 0 {
		t.Fatalf("oci-exec ip link show: %s", res)
	}
	// ip shows a veth as NAME@ifPEER.
	for _, want := range []string{": net0@", ": net1@"} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("devices inside: %q, want %q", res.stdout, want)
		}
	}
	if onHost(a) || onHost(c) {
		t.Errorf("the host still has %s or %s", a, c)
	}
	r.remove(id)
}

// TestNetDevicesRefused: each refusal is one error line naming the
// field, and the device is left on the host as it was, address and up
// state included, even when the create fails after the move.
func TestNetDevicesRefused(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	name, _ := vethPair(t, "10.250.10.1/30")
	for _, c := range []struct {
		what string
		edit func(s *specs.Spec)
		want []string
	}{
		{"host netns", func(s *specs.Spec) {
			s.Linux.Namespaces = withoutNS(s.Linux.Namespaces, specs.NetworkNamespace)
		}, []string{"linux.netDevices: the container has no network namespace of its own"}},
		// /proc/self is oci-create itself.
		{"joined host netns", func(s *specs.Spec) {
			s.Linux.Namespaces = append(withoutNS(s.Linux.Namespaces, specs.NetworkNamespace),
				specs.LinuxNamespace{Type: specs.NetworkNamespace, Path: "/proc/self/ns/net"})
		}, []string{"/proc/self/ns/net", "linux.netDevices: this network namespace is the runtime's own"}},
		{"name taken inside", func(s *specs.Spec) {
			s.Linux.NetDevices[name] = specs.LinuxNetDevice{Name: "lo"}
		}, []string{"linux.netDevices." + name + `.name: "lo" already exists in the container's network namespace`}},
		{"no such device, after one moved", func(s *specs.Spec) {
			s.Linux.NetDevices["okzz-none"] = specs.LinuxNetDevice{}
		}, []string{"linux.netDevices.okzz-none: no such network device"}},
		// createRuntime hooks run once the devices are in.
		{"create fails after the move", func(s *specs.Spec) {
			s.Hooks = &specs.Hooks{CreateRuntime: []specs.Hook{{Path: "/bin/false"}}}
		}, []string{"createRuntime"}},
	} {
		t.Run(c.what, func(t *testing.T) {
			b := r.bundle("true")
			b.spec.Linux.NetDevices = map[string]specs.LinuxNetDevice{name: {Name: "eth1"}}
			c.edit(b.spec)
			if err := b.write(); err != nil {
				t.Fatal(err)
			}
			id := r.id("netdev-refused")
			res := r.oci("oci-create", "--bundle", b.dir, id)
			if res.code == 0 {
				t.Fatalf("oci-create: %s, want a refusal", res)
			}
			errLine(t, res, "oci-create", id, c.want...)
			assertClean(t, r.root, id)
			out := hostIP(t, "addr", "show", "dev", name)
			if !strings.Contains(out, "inet 10.250.10.1/30") || !strings.Contains(out, ",UP") {
				t.Errorf("%s on the host after the refusal: %q, want it up with 10.250.10.1/30", name, out)
			}
		})
	}
}

// withoutNS returns namespaces without those of type typ.
func withoutNS(nss []specs.LinuxNamespace, typ specs.LinuxNamespaceType) []specs.LinuxNamespace {
	var out []specs.LinuxNamespace
	for _, ns := range nss {
		if ns.Type != typ {
			out = append(out, ns)
		}
	}
	return out
}

// TestNetDevicesRootless: an ordinary user's runtime cannot take a
// device out of the host's namespace; the create is refused naming the
// field, and the device stays.
func TestNetDevicesRootless(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Skip("needs setpriv (util-linux) to run the tools as another user")
	}
	name, _ := vethPair(t, "10.250.12.1/30")
	const u = "12346"
	r.traversable()
	b := r.bundle()
	state := r.dir("rootless-state")
	chownTree(t, b.dir, 12346, 12346)
	chownTree(t, state, 12346, 12346)
	as := runOpts{
		prefix: []string{setpriv, "--reuid=" + u, "--regid=" + u, "--clear-groups"},
		env:    []string{"HOME=/nonexistent"},
	}
	for _, args := range [][]string{
		{"--bundle", b.dir, "--rootless"},
		{"--bundle", b.dir, "set", "process.terminal", "false", "linux.netDevices", `{"` + name + `":{"name":"eth1"}}`},
	} {
		if res := r.exec(as, "oci-spec", args...); res.code != 0 {
			t.Fatalf("oci-spec %s: %s", strings.Join(args, " "), res)
		}
	}
	id := r.id("netdev-rootless")
	res := r.exec(as, "oci-create", "--root", state, "--bundle", b.dir, id)
	if res.code == 0 {
		r.exec(runOpts{}, "oci-delete", "--root", state, "--force", id)
		t.Fatalf("oci-create as uid %s: %s, want a refusal", u, res)
	}
	errLine(t, res, "oci-create", id, "linux.netDevices: moving a host network device needs a runtime run as root")
	assertClean(t, state, id)
	if out := hostIP(t, "addr", "show", "dev", name); !strings.Contains(out, "inet 10.250.12.1/30") {
		t.Errorf("%s on the host after the refusal: %q", name, out)
	}
}

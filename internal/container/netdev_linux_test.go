package container

import (
	"os"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestCheckNetDevices(t *testing.T) {
	devs := map[string]specs.LinuxNetDevice{"oknd1": {Name: "eth1"}}
	for _, c := range []struct {
		name string
		nss  []specs.LinuxNamespace
		devs map[string]specs.LinuxNetDevice
		want string // a part of the error, or "" for none
	}{
		{"no devices, no netns", nil, nil, ""},
		{"new netns", []specs.LinuxNamespace{{Type: specs.NetworkNamespace}}, devs, ""},
		{"no netns", []specs.LinuxNamespace{{Type: specs.PIDNamespace}}, devs, "no network namespace of its own"},
		{"joined own netns", []specs.LinuxNamespace{{Type: specs.NetworkNamespace, Path: "/proc/self/ns/net"}}, devs, "the runtime's own"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := &specs.Spec{Linux: &specs.Linux{Namespaces: c.nss, NetDevices: c.devs}}
			ns, err := planNamespaces(s)
			if err != nil {
				t.Fatal(err)
			}
			defer ns.close()
			want := c.want
			if os.Geteuid() != 0 && c.devs != nil {
				want = "needs a runtime run as root"
			}
			err = checkNetDevices(s, ns)
			switch {
			case want == "" && err != nil:
				t.Fatalf("error %v", err)
			case want != "" && (err == nil || !strings.Contains(err.Error(), "linux.netDevices: ") || !strings.Contains(err.Error(), want)):
				t.Fatalf("error %v, want one naming linux.netDevices and saying %q", err, want)
			}
		})
	}
}

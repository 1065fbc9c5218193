package features

import (
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/runtime-spec/specs-go/features"

	"github.com/ocikit/ocikit/internal/spec"
)

// fakeRoot writes files (path relative to the root → content; a path
// ending in "/" is a directory) into a new tree.
func fakeRoot(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for p, data := range files {
		full := filepath.Join(root, p)
		if strings.HasSuffix(p, "/") {
			if err := os.MkdirAll(full, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

const (
	mountinfoPlain   = "22 1 0:21 / / rw,relatime shared:1 - ext4 /dev/vda1 rw\n25 22 0:5 / /proc rw - proc proc rw\n"
	mountinfoResctrl = mountinfoPlain + "40 22 0:40 / /sys/fs/resctrl rw,relatime shared:20 - resctrl resctrl rw,cdp\n"
	filesystemsRdt   = "nodev\tsysfs\nnodev\tproc\nnodev\tresctrl\n\text4\n"
	filesystemsNoRdt = "nodev\tsysfs\nnodev\tproc\n\text4\n"
)

func TestHostProbe(t *testing.T) {
	for _, tc := range []struct {
		name     string
		files    map[string]string
		apparmor string // part of NoAppArmor; "" for none
		selinux  string
		resctrl  string
		nodes    string
		weighted bool // whether MPOL_WEIGHTED_INTERLEAVE is there
	}{
		{
			name: "bare (this project's host)",
			files: map[string]string{
				"proc/filesystems": filesystemsNoRdt, "proc/self/mountinfo": mountinfoPlain,
				"sys/devices/system/node/online":               "0\n",
				"sys/kernel/mm/mempolicy/weighted_interleave/": "",
			},
			apparmor: "no /sys/module/apparmor", selinux: "not active", resctrl: "no resctrl filesystem",
			nodes: "0", weighted: true,
		},
		{
			name: "apparmor, resctrl unmounted (the 6.1 guest)",
			files: map[string]string{
				"sys/module/apparmor/parameters/enabled": "Y\n",
				"proc/filesystems":                       filesystemsRdt, "proc/self/mountinfo": mountinfoPlain,
				"sys/devices/system/node/online": "0\n",
			},
			selinux: "not active", resctrl: "not mounted", nodes: "0",
		},
		{
			name: "apparmor built in but off, selinux, resctrl mounted",
			files: map[string]string{
				"sys/module/apparmor/parameters/enabled": "N\n",
				"sys/fs/selinux/enforce":                 "1\n",
				"proc/filesystems":                       filesystemsRdt, "proc/self/mountinfo": mountinfoResctrl,
				"sys/devices/system/node/online":               "0-3,6\n",
				"sys/kernel/mm/mempolicy/weighted_interleave/": "",
			},
			apparmor: "not enabled", nodes: "0-3,6", weighted: true,
		},
		{
			name:     "nothing readable",
			files:    map[string]string{},
			apparmor: "no /sys/module/apparmor", selinux: "not active", resctrl: "cannot tell",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := ProbeHost(fakeRoot(t, tc.files))
			for _, c := range []struct{ what, got, want string }{
				{"apparmor", h.NoAppArmor, tc.apparmor},
				{"selinux", h.NoSELinux, tc.selinux},
				{"resctrl", h.NoResctrl, tc.resctrl},
			} {
				if (c.want == "") != (c.got == "") || !strings.Contains(c.got, c.want) {
					t.Errorf("%s: %q, want %q", c.what, c.got, c.want)
				}
			}
			if h.NUMANodes != tc.nodes {
				t.Errorf("nodes %q, want %q", h.NUMANodes, tc.nodes)
			}
			_, lacks := h.NoModes[specs.MpolWeightedInterleave]
			if lacks == tc.weighted {
				t.Errorf("NoModes %v, want weighted interleave present=%v", h.NoModes, tc.weighted)
			}
			// The facts survive the trip through the document.
			back := hostFrom(h.Annotations())
			if back.NoAppArmor != h.NoAppArmor || back.NoSELinux != h.NoSELinux || back.NoResctrl != h.NoResctrl ||
				back.NUMANodes != h.NUMANodes || !maps.Equal(back.NoModes, h.NoModes) {
				t.Errorf("through annotations: %+v, want %+v", back, h)
			}
		})
	}
}

func TestDocumentHostAnnotations(t *testing.T) {
	d := Document("v9")
	if d.Annotations[VersionAnnotation] != "v9" {
		t.Errorf("version annotation %q", d.Annotations[VersionAnnotation])
	}
	h := ProbeHost("/")
	for k, v := range h.Annotations() {
		if d.Annotations[k] != v {
			t.Errorf("annotation %s = %q, want %q", k, d.Annotations[k], v)
		}
	}
	for k := range d.Annotations {
		if k != VersionAnnotation && !strings.HasPrefix(k, HostAnnotationPrefix) {
			t.Errorf("annotation %s is neither the version nor a host fact", k)
		}
	}
}

// implementedDoc is doc() with every field of issue 10 claimed as
// implemented, so what is refused is the host's lack alone.
func implementedDoc(host *Host) *features.Features {
	f := doc()
	yes := true
	f.Linux.Apparmor.Enabled, f.Linux.Selinux.Enabled = &yes, &yes
	f.Linux.IntelRdt = &features.IntelRdt{Enabled: &yes, Schemata: &yes, Monitoring: &yes}
	f.Linux.NetDevices.Enabled = &yes
	f.Linux.MemoryPolicy = &features.MemoryPolicy{Modes: memoryPolicyModes(), Flags: memoryPolicyFlags()}
	f.Annotations = host.Annotations()
	return f
}

func TestUnsupportedHost(t *testing.T) {
	bare := &Host{
		NoAppArmor: "this kernel has no AppArmor (no /sys/module/apparmor)",
		NoSELinux:  "SELinux is not active on this host (no /sys/fs/selinux/enforce)",
		NoResctrl:  "resctrl is not mounted",
		NUMANodes:  "0",
		NoModes:    map[specs.MemoryPolicyModeType]string{specs.MpolWeightedInterleave: "MPOL_WEIGHTED_INTERLEAVE is not supported by this kernel"},
	}
	for _, tc := range []struct {
		name string
		edit func(s *specs.Spec)
		path string
		msg  string // a part of the message; "" for no problem at all
		// runtime: the runtime refuses it, whatever the host has.
		runtime bool
	}{
		{"apparmor", func(s *specs.Spec) { s.Process.ApparmorProfile = "p" }, "process.apparmorProfile", "no AppArmor", false},
		{"selinux label", func(s *specs.Spec) { s.Process.SelinuxLabel = "l" }, "process.selinuxLabel", "SELinux is not active", false},
		{"mount label", func(s *specs.Spec) { s.Linux.MountLabel = "l" }, "linux.mountLabel", "SELinux is not active", false},
		{"intelRdt", func(s *specs.Spec) { s.Linux.IntelRdt = &specs.LinuxIntelRdt{ClosID: "c"} }, "linux.intelRdt", "resctrl is not mounted", false},
		{"node offline", func(s *specs.Spec) {
			s.Linux.MemoryPolicy = &specs.LinuxMemoryPolicy{Mode: specs.MpolBind, Nodes: "0-1"}
		}, "linux.memoryPolicy.nodes", "node 1 not online on this host (online nodes: 0)", false},
		{"weighted interleave", func(s *specs.Spec) {
			s.Linux.MemoryPolicy = &specs.LinuxMemoryPolicy{Mode: specs.MpolWeightedInterleave, Nodes: "0"}
		}, "linux.memoryPolicy.mode", "MPOL_WEIGHTED_INTERLEAVE", false},
		{"node online", func(s *specs.Spec) {
			s.Linux.MemoryPolicy = &specs.LinuxMemoryPolicy{Mode: specs.MpolInterleave, Nodes: "0"}
		}, "", "", false},
		{"relative nodes not checked", func(s *specs.Spec) {
			s.Linux.MemoryPolicy = &specs.LinuxMemoryPolicy{Mode: specs.MpolBind, Nodes: "1", Flags: []specs.MemoryPolicyFlagType{specs.MpolFRelativeNodes}}
		}, "", "", false},
		{"unknown flag", func(s *specs.Spec) {
			s.Linux.MemoryPolicy = &specs.LinuxMemoryPolicy{Mode: specs.MpolLocal, Flags: []specs.MemoryPolicyFlagType{"MPOL_F_X"}}
		}, "linux.memoryPolicy.flags.0", "flag MPOL_F_X", true},
		{"netDevices", func(s *specs.Spec) { s.Linux.NetDevices = map[string]specs.LinuxNetDevice{"x": {}} }, "", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := base()
			tc.edit(s)
			got := Unsupported(s, implementedDoc(bare))
			if tc.path == "" {
				if len(got) != 0 {
					t.Errorf("problems %v, want none", got)
				}
				return
			}
			if len(got) != 1 || got[0].Path != tc.path || got[0].Severity != spec.SeverityError || !strings.Contains(got[0].Message, tc.msg) {
				t.Errorf("got %v, want one error at %s with %q", got, tc.path, tc.msg)
			}
			// A host that has everything takes the same spec.
			if tc.runtime {
				return
			}
			if got := Unsupported(s, implementedDoc(&Host{NUMANodes: "0-3"})); len(got) != 0 {
				t.Errorf("on a host with everything: %v", got)
			}
		})
	}
}

func TestParseNodeList(t *testing.T) {
	n, err := parseNodeList("0-2,5")
	if err != nil || len(n) != 4 || !n[0] || !n[2] || !n[5] || n[3] {
		t.Errorf("0-2,5: %v, %v", n, err)
	}
	for _, bad := range []string{"a", "3-1", "-1", "0-99999"} {
		if _, err := parseNodeList(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

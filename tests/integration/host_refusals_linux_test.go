package integration

import (
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/runtime-spec/specs-go/features"

	ocfeatures "github.com/ocikit/ocikit/internal/features"
)

// hostRefusal is a field this runtime applies where the host has what it
// needs, and refuses at create, naming the field, where the host lacks
// it: the lack is in the features document's host annotations.
type hostRefusal struct {
	name string
	path string // the field named in the refusal
	edit func(s *specs.Spec, f *features.Features)
	// implemented reports whether the document claims the field; nil:
	// the runtime always has the code.
	implemented func(lf *features.Linux) bool
	// lack returns the reason the refusal gives on this host, from the
	// document, or "" and why the case skips (the host has it).
	lack func(f *features.Features) (reason, skip string)
}

func enabledFlag(b *bool) bool { return b != nil && *b }

// hostLacks returns a lack func for one host annotation.
func hostLacks(key, hasIt string) func(f *features.Features) (string, string) {
	return func(f *features.Features) (string, string) {
		if why, ok := f.Annotations[key]; ok {
			return why, ""
		}
		return "", hasIt
	}
}

// offlineNode returns a NUMA node number above every online one.
func offlineNode(online string) int {
	hi := 0
	for _, part := range strings.Split(online, ",") {
		_, last, isRange := strings.Cut(part, "-")
		if !isRange {
			last = part
		}
		if n, err := strconv.Atoi(strings.TrimSpace(last)); err == nil && n > hi {
			hi = n
		}
	}
	return hi + 1
}

var hostRefusals = []hostRefusal{
	{
		name: "apparmorProfile", path: "process.apparmorProfile",
		edit: func(s *specs.Spec, _ *features.Features) { s.Process.ApparmorProfile = "ocikit-test" },
		implemented: func(lf *features.Linux) bool {
			return lf.Apparmor != nil && enabledFlag(lf.Apparmor.Enabled)
		},
		lack: hostLacks(ocfeatures.HostNoAppArmor, "AppArmor is enabled here: TestAppArmorProfile applies a profile"),
	},
	{
		name: "selinuxLabel", path: "process.selinuxLabel",
		edit: func(s *specs.Spec, _ *features.Features) {
			s.Process.SelinuxLabel = "system_u:system_r:container_t:s0:c1,c2"
		},
		implemented: func(lf *features.Linux) bool {
			return lf.Selinux != nil && enabledFlag(lf.Selinux.Enabled)
		},
		lack: hostLacks(ocfeatures.HostNoSELinux, "SELinux is active here"),
	},
	{
		name: "mountLabel", path: "linux.mountLabel",
		edit: func(s *specs.Spec, _ *features.Features) {
			s.Linux.MountLabel = "system_u:object_r:container_file_t:s0:c1,c2"
		},
		implemented: func(lf *features.Linux) bool {
			return lf.Selinux != nil && enabledFlag(lf.Selinux.Enabled)
		},
		lack: hostLacks(ocfeatures.HostNoSELinux, "SELinux is active here"),
	},
	{
		name: "intelRdt", path: "linux.intelRdt",
		edit: func(s *specs.Spec, _ *features.Features) {
			s.Linux.IntelRdt = &specs.LinuxIntelRdt{ClosID: "ocikit-test", L3CacheSchema: "L3:0=f"}
		},
		implemented: func(lf *features.Linux) bool {
			return lf.IntelRdt != nil && enabledFlag(lf.IntelRdt.Enabled)
		},
		lack: hostLacks(ocfeatures.HostNoResctrl, "resctrl is mounted here"),
	},
	{
		name: "memoryPolicy offline node", path: "linux.memoryPolicy.nodes",
		edit: func(s *specs.Spec, f *features.Features) {
			n := offlineNode(f.Annotations[ocfeatures.HostNUMANodes])
			s.Linux.MemoryPolicy = &specs.LinuxMemoryPolicy{Mode: specs.MpolBind, Nodes: strconv.Itoa(n)}
		},
		implemented: func(lf *features.Linux) bool { return lf.MemoryPolicy != nil },
		lack: func(f *features.Features) (string, string) {
			online, ok := f.Annotations[ocfeatures.HostNUMANodes]
			if !ok {
				return "", "no NUMA node list on this host (/sys/devices/system/node/online)"
			}
			return "node " + strconv.Itoa(offlineNode(online)) + " not online", ""
		},
	},
	{
		name: "memoryPolicy weighted interleave", path: "linux.memoryPolicy.mode",
		edit: func(s *specs.Spec, _ *features.Features) {
			s.Linux.MemoryPolicy = &specs.LinuxMemoryPolicy{Mode: specs.MpolWeightedInterleave, Nodes: "0"}
		},
		implemented: func(lf *features.Linux) bool { return lf.MemoryPolicy != nil },
		lack: hostLacks(ocfeatures.HostNoModePrefix+string(specs.MpolWeightedInterleave),
			"this kernel has MPOL_WEIGHTED_INTERLEAVE: TestMemoryPolicy applies it"),
	},
}

// TestHostRefusals: for each field the host cannot honour here, `oci-spec
// features` says why in a host annotation, `oci-spec validate --features`
// reports the field as an error with that reason, and oci-run refuses
// the spec in one line naming the field and the reason, leaving nothing
// behind. A field the runtime has no code for yet is refused as not
// implemented instead.
func TestHostRefusals(t *testing.T) {
	t.Parallel()
	f := featuresDoc(newRT(t))
	for _, c := range hostRefusals {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			reason := "not implemented"
			if c.implemented(f.Linux) {
				var skip string
				if reason, skip = c.lack(f); reason == "" {
					t.Skip(skip)
				}
			}
			r := newRT(t)
			b := r.bundle("true")
			c.edit(b.spec, f)
			if err := b.write(); err != nil {
				t.Fatal(err)
			}
			res := r.exec(runOpts{}, "oci-spec", "validate", "--features", "--format", "text", "--bundle", b.dir)
			if res.code != 1 || !slices.ContainsFunc(strings.Split(res.stdout, "\n"), func(l string) bool {
				return strings.HasPrefix(l, c.path+": ") && strings.Contains(l, reason) && strings.HasSuffix(l, "(error)")
			}) {
				t.Errorf("oci-spec validate --features: %s, want exit 1 and an error line for %s with %q", res, c.path, reason)
			}
			r.runFails(b, c.path, reason)
		})
	}
}

// TestHostRefusalsProbe checks the host annotations against this machine
// by other means than ProbeHost's: the LSM list of securityfs where it
// is mounted, and resctrl in /proc/filesystems.
func TestHostRefusalsProbe(t *testing.T) {
	t.Parallel()
	f := featuresDoc(newRT(t))
	if b, err := os.ReadFile("/sys/kernel/security/lsm"); err == nil {
		why, noAA := f.Annotations[ocfeatures.HostNoAppArmor]
		if active := slices.Contains(strings.Split(strings.TrimSpace(string(b)), ","), "apparmor"); active == noAA {
			t.Errorf("securityfs lists the LSMs %q, yet the features say AppArmor is lacking: %v (%q)", b, noAA, why)
		}
	}
	if b, err := os.ReadFile("/proc/filesystems"); err == nil && !strings.Contains(string(b), "resctrl") {
		if why := f.Annotations[ocfeatures.HostNoResctrl]; !strings.Contains(why, "no resctrl filesystem") {
			t.Errorf("the kernel has no resctrl, yet the features say %q", why)
		}
	}
	for k, v := range f.Annotations {
		if strings.HasPrefix(k, ocfeatures.HostAnnotationPrefix) && v == "" {
			t.Errorf("host annotation %s is empty", k)
		}
	}
}

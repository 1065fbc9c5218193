package integration

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/runtime-spec/specs-go/features"

	ocfeatures "github.com/ocikit/ocikit/internal/features"
	"github.com/ocikit/ocikit/internal/spec"
)

// The features tests check that what `oci-spec features` advertises is
// what containers get: each namespace type, every capability, a sample of
// the mount options, every seccomp action, architecture and supported
// flag; and that what it disclaims (systemd cgroups, rdma, id-mapped
// mounts, what the host lacks) oci-create refuses as `oci-spec validate
// --features` predicts (host_refusals_linux_test.go has the host's).

// featuresDoc runs oci-spec features, checks that oci-runtime features
// prints the same document, and decodes it.
func featuresDoc(r *rt) *features.Features {
	r.t.Helper()
	res := r.exec(runOpts{}, "oci-spec", "features")
	if res.code != 0 {
		r.t.Fatalf("oci-spec features: %s", res)
	}
	if rt := r.exec(runOpts{}, "oci-runtime", "features"); rt.code != 0 || rt.stdout != res.stdout {
		r.t.Errorf("oci-runtime features differs from oci-spec features:\n%s\n---\n%s", rt.stdout, res.stdout)
	}
	dec := json.NewDecoder(strings.NewReader(res.stdout))
	dec.DisallowUnknownFields()
	var f features.Features
	if err := dec.Decode(&f); err != nil {
		r.t.Fatalf("oci-spec features: %v\n%s", err, res.stdout)
	}
	if f.Linux == nil || f.Linux.Seccomp == nil || f.Linux.Cgroup == nil {
		r.t.Fatalf("oci-spec features: no linux, seccomp or cgroup section:\n%s", res.stdout)
	}
	return &f
}

// nsProcFiles names each namespace type's file under /proc/PID/ns.
var nsProcFiles = map[string]string{
	"cgroup": "cgroup", "ipc": "ipc", "mount": "mnt", "network": "net",
	"pid": "pid", "time": "time", "user": "user", "uts": "uts",
}

// TestFeaturesNamespaces runs one container with a new namespace of every
// advertised type and checks that each differs from the test's own.
func TestFeaturesNamespaces(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	f := featuresDoc(r)
	b := r.bundle()
	b.spec.Linux.Namespaces = nil
	var script []string
	for _, ns := range f.Linux.Namespaces {
		file, ok := nsProcFiles[ns]
		if !ok {
			t.Fatalf("namespace %q advertised, but no test exercises it", ns)
		}
		b.spec.Linux.Namespaces = append(b.spec.Linux.Namespaces, specs.LinuxNamespace{Type: specs.LinuxNamespaceType(ns)})
		script = append(script, fmt.Sprintf("echo %s $(readlink /proc/self/ns/%s)", ns, file))
	}
	if slices.Contains(f.Linux.Namespaces, "user") {
		// Root mapped to itself: the rootfs needs no chown.
		b.spec.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 0, Size: 65536}}
		b.spec.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 0, Size: 65536}}
	}
	out := r.inside(b, strings.Join(script, "; "))
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		ns, link, _ := strings.Cut(line, " ")
		host, err := os.Readlink("/proc/self/ns/" + nsProcFiles[ns])
		if err != nil {
			t.Fatal(err)
		}
		if link == "" || link == host {
			t.Errorf("%s namespace: container %q, host %q: want a new one", ns, link, host)
		}
		seen[ns] = true
	}
	for _, ns := range f.Linux.Namespaces {
		if !seen[ns] {
			t.Errorf("%s namespace: not reported by the container: %q", ns, out)
		}
	}
}

// TestFeaturesCapabilities gives the container every advertised
// capability the runtime itself holds (a process cannot grant more: this
// test's host may lack some) and checks its sets hold exactly those, and
// that the advertised list covers every capability the host has.
func TestFeaturesCapabilities(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	f := featuresDoc(r)
	n := len(f.Linux.Capabilities)
	if n == 0 || n > 64 {
		t.Fatalf("%d capabilities advertised", n)
	}
	own := ownCapSet(t, "CapBnd")
	if all := uint64(1)<<n - 1; n < 64 && own&^all != 0 {
		t.Errorf("the host has capabilities %#x beyond the %d advertised", own&^all, n)
	}
	var give []string
	for i, c := range f.Linux.Capabilities {
		if own&(1<<i) != 0 {
			give = append(give, c)
		}
	}
	b := r.bundle()
	b.spec.Process.Capabilities = &specs.LinuxCapabilities{Bounding: give, Effective: give, Permitted: give}
	out := r.inside(b, "grep -E '^Cap(Bnd|Eff|Prm):' /proc/self/status")
	want := fmt.Sprintf("%016x", own)
	lines := strings.Fields(out)
	if len(lines) != 6 {
		t.Fatalf("status lines %q", out)
	}
	for i := 0; i < len(lines); i += 2 {
		if lines[i+1] != want {
			t.Errorf("%s %s, want %s (%d of the %d advertised capabilities)", lines[i], lines[i+1], want, len(give), n)
		}
	}
}

// ownCapSet reads one capability set of the test process.
func ownCapSet(t *testing.T, set string) uint64 {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, set+":"); ok {
			m, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			if err != nil {
				t.Fatal(err)
			}
			return m
		}
	}
	t.Fatalf("no %s in /proc/self/status", set)
	return 0
}

// TestFeaturesMountOptions mounts with a sample of the advertised options
// and checks the mounts the container sees.
func TestFeaturesMountOptions(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	f := featuresDoc(r)
	src := r.dir("bindsrc")
	if err := os.WriteFile(filepath.Join(src, "file"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	mounts := []specs.Mount{
		{Destination: "/tmp/flags", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "nodev", "noexec", "noatime", "nosymfollow", "ro"}},
		{Destination: "/tmp/bind", Type: "bind", Source: src, Options: []string{"rbind", "rro", "rprivate"}},
		{Destination: "/etc", Type: "tmpfs", Source: "tmpfs", Options: []string{"tmpcopyup", "strictatime"}},
	}
	for _, m := range mounts {
		for _, o := range m.Options {
			if !slices.Contains(f.MountOptions, o) {
				t.Errorf("mount option %q is not advertised", o)
			}
		}
	}
	b := r.bundle()
	b.spec.Mounts = append(b.spec.Mounts, mounts...)
	out := r.inside(b, `grep -E ' /tmp/flags | /tmp/bind | /etc ' /proc/self/mountinfo; cat /tmp/bind/file; echo; grep -c root /etc/passwd`)
	opts := map[string][]string{}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	for _, l := range lines {
		if fs := strings.Fields(l); len(fs) > 5 {
			opts[fs[4]] = strings.Split(fs[5], ",")
		}
	}
	for dst, want := range map[string][]string{
		"/tmp/flags": {"ro", "nosuid", "nodev", "noexec", "noatime", "nosymfollow"},
		"/tmp/bind":  {"ro"},
		"/etc":       {"rw"},
	} {
		got, ok := opts[dst]
		if !ok {
			t.Errorf("%s: not mounted:\n%s", dst, out)
			continue
		}
		for _, w := range want {
			if !slices.Contains(got, w) {
				t.Errorf("%s: mount options %v, want %s", dst, got, w)
			}
		}
	}
	// The bind's file is there, and tmpcopyup kept /etc/passwd.
	if n := len(lines); n < 2 || lines[n-2] != "x" || lines[n-1] == "0" {
		t.Errorf("bind file or copied /etc/passwd missing:\n%s", out)
	}
}

// seccompActionOutcome is what `mkdir` does under each seccomp action:
// the container's exit status and a part of its output.
var seccompActionOutcome = map[string]struct {
	code int
	want string
}{
	"SCMP_ACT_ALLOW":        {0, "made"},
	"SCMP_ACT_LOG":          {0, "made"},
	"SCMP_ACT_ERRNO":        {0, "Operation not permitted"},
	"SCMP_ACT_TRACE":        {0, "Function not implemented"},
	"SCMP_ACT_KILL":         {159, ""},
	"SCMP_ACT_KILL_THREAD":  {159, ""},
	"SCMP_ACT_KILL_PROCESS": {159, ""},
	"SCMP_ACT_TRAP":         {159, ""},
}

// seccompActionElsewhere: advertised actions whose run needs more than a
// spec, and the test that exercises each.
var seccompActionElsewhere = map[string]string{
	"SCMP_ACT_NOTIFY": "TestSeccompNotify", // needs a listener at listenerPath
}

// TestFeaturesSeccompActions runs mkdir under every advertised action.
func TestFeaturesSeccompActions(t *testing.T) {
	t.Parallel()
	f := featuresDoc(newRT(t))
	for _, a := range f.Linux.Seccomp.Actions {
		if _, ok := seccompActionElsewhere[a]; ok {
			continue
		}
		outcome, ok := seccompActionOutcome[a]
		if !ok {
			t.Errorf("seccomp action %s advertised, but no test exercises it", a)
			continue
		}
		t.Run(a, func(t *testing.T) {
			t.Parallel()
			r := newRT(t)
			b := r.bundle()
			b.spec.Root.Readonly = false
			b.spec.Linux.Seccomp = filter(specs.ActAllow)
			if a != string(specs.ActAllow) {
				b.spec.Linux.Seccomp.Syscalls = []specs.LinuxSyscall{{Names: mkdirCalls, Action: specs.LinuxSeccompAction(a)}}
			}
			script := "mkdir /tmp/x 2>&1 && echo made; exit 0"
			if outcome.code != 0 {
				script = "exec mkdir /tmp/x"
				// No core dump of the killed mkdir: it only slows the
				// test.
				b.spec.Process.Rlimits = append(b.spec.Process.Rlimits, specs.POSIXRlimit{Type: "RLIMIT_CORE"})
			}
			b.spec.Process.Args = sh(script)
			res := r.run(b)
			if res.code != outcome.code || !strings.Contains(res.stdout+res.stderr, outcome.want) {
				t.Errorf("%s, want exit %d and %q", res, outcome.code, outcome.want)
			}
		})
	}
}

// TestFeaturesSeccompFlagsArchs loads a filter for every advertised
// architecture with every flag advertised as supported, and checks that
// it denies what it should.
func TestFeaturesSeccompFlagsArchs(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	f := featuresDoc(r)
	sc := f.Linux.Seccomp
	for _, fl := range sc.SupportedFlags {
		if !slices.Contains(sc.KnownFlags, fl) {
			t.Errorf("flag %s supported but not known", fl)
		}
	}
	b := r.bundle()
	b.spec.Root.Readonly = false
	p := filter(specs.ActAllow, specs.LinuxSyscall{Names: mkdirCalls, Action: specs.ActErrno})
	for _, a := range sc.Archs {
		p.Architectures = append(p.Architectures, specs.Arch(a))
	}
	for _, fl := range sc.SupportedFlags {
		p.Flags = append(p.Flags, specs.LinuxSeccompFlag(fl))
	}
	b.spec.Linux.Seccomp = p
	out := r.inside(b, "mkdir /tmp/x 2>&1; exit 0")
	if !strings.Contains(out, "Operation not permitted") {
		t.Errorf("mkdir under the filter: %q", out)
	}
}

// TestFeaturesUnsupported checks, against the document oci-spec prints,
// that what features.Unsupported calls refused oci-create refuses (an
// AppArmor profile where the host has no AppArmor among them), and that
// a container with a field it warns about runs.
func TestFeaturesUnsupported(t *testing.T) {
	t.Parallel()
	f := featuresDoc(newRT(t))
	for _, c := range []struct {
		name string
		edit func(s *specs.Spec, src string)
		path string
		sev  spec.Severity
	}{
		{"systemd-cgroup", func(s *specs.Spec, _ string) { s.Linux.CgroupsPath = "system.slice:ocikit:features" }, "linux.cgroupsPath", spec.SeverityError},
		{"rdma", func(s *specs.Spec, _ string) {
			one := uint32(1)
			s.Linux.Resources = &specs.LinuxResources{Rdma: map[string]specs.LinuxRdma{"mlx4_0": {HcaHandles: &one}}}
		}, "linux.resources.rdma", spec.SeverityError},
		{"idmap-mount", func(s *specs.Spec, src string) {
			s.Mounts = append(s.Mounts, specs.Mount{Destination: "/tmp/m", Type: "bind", Source: src, Options: []string{"rbind"},
				UIDMappings: []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1000, Size: 1}},
				GIDMappings: []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1000, Size: 1}}})
		}, fmt.Sprintf("mounts.%d.uidMappings", len(spec.Default().Mounts)), spec.SeverityError},
		{"kernel-memory", func(s *specs.Spec, _ string) {
			kmem := int64(64 << 20)
			s.Linux.Resources = &specs.LinuxResources{Memory: &specs.LinuxMemory{Kernel: &kmem}} //nolint:staticcheck // the deprecated field under test
		}, "linux.resources.memory.kernel", spec.SeverityWarning},
		{"apparmor", func(s *specs.Spec, _ string) { s.Process.ApparmorProfile = "ocikit-test" }, "process.apparmorProfile", spec.SeverityError},
		{"bind-data", func(s *specs.Spec, src string) {
			s.Mounts = append(s.Mounts, specs.Mount{Destination: "/tmp/m", Type: "bind", Source: src, Options: []string{"rbind", "size=1m"}})
		}, fmt.Sprintf("mounts.%d.options.1", len(spec.Default().Mounts)), spec.SeverityWarning},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if c.name == "rdma" && f.Linux.Cgroup.Rdma != nil && *f.Linux.Cgroup.Rdma {
				t.Skip("the kernel has the rdma controller: rdma_linux_test.go checks the device refusal")
			}
			if _, lacks := f.Annotations[ocfeatures.HostNoAppArmor]; c.name == "apparmor" && !lacks {
				t.Skip("AppArmor is enabled here: TestAppArmorProfile applies a profile")
			}
			r := newRT(t)
			b := r.bundle("true")
			c.edit(b.spec, r.dir("src"))
			probs := ocfeatures.Unsupported(b.spec, f)
			found := slices.ContainsFunc(probs, func(p spec.Problem) bool { return p.Path == c.path && p.Severity == c.sev })
			if !found {
				t.Errorf("Unsupported = %v, want a %s at %s", probs, c.sev, c.path)
			}
			if c.sev == spec.SeverityWarning {
				if res := r.run(b); res.code != 0 {
					t.Errorf("an ignored field stopped the container: %s", res)
				}
				return
			}
			if err := b.write(); err != nil {
				t.Fatal(err)
			}
			id := r.id(c.name)
			res := r.oci("oci-create", "--bundle", b.dir, id)
			if res.code == 0 {
				t.Errorf("oci-create took a spec Unsupported calls refused: %s", res)
			}
		})
	}
}

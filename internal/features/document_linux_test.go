package features

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/runtime-spec/specs-go/features"
	"golang.org/x/sys/unix"

	"github.com/ocikit/ocikit/internal/caps"
	"github.com/ocikit/ocikit/internal/hooks"
	"github.com/ocikit/ocikit/internal/initproto"
	"github.com/ocikit/ocikit/internal/process"
	"github.com/ocikit/ocikit/internal/rootfs"
	"github.com/ocikit/ocikit/internal/seccomp"
)

// TestWriteParses checks that the printed document decodes as the
// runtime-spec's Features type with no field left over, and says what
// Document says.
func TestWriteParses(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, "v9.9"); err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(&buf)
	dec.DisallowUnknownFields()
	var f features.Features
	if err := dec.Decode(&f); err != nil {
		t.Fatalf("decode: %v\n%s", err, buf.String())
	}
	if dec.More() {
		t.Error("more than one JSON value")
	}
	if f.OCIVersionMin != "1.0.0" || f.OCIVersionMax != specs.Version {
		t.Errorf("versions %q..%q", f.OCIVersionMin, f.OCIVersionMax)
	}
	if f.Annotations[VersionAnnotation] != "v9.9" {
		t.Errorf("annotations = %v", f.Annotations)
	}
	want, _ := json.Marshal(Document("v9.9"))
	got, _ := json.Marshal(&f)
	if !bytes.Equal(got, want) {
		t.Errorf("round trip:\n got %s\nwant %s", got, want)
	}
	l := f.Linux
	if l == nil || l.Cgroup == nil || l.Seccomp == nil || l.Apparmor == nil || l.Selinux == nil ||
		l.IntelRdt == nil || l.MountExtensions == nil || l.MountExtensions.IDMap == nil || l.NetDevices == nil {
		t.Fatalf("linux section incomplete: %+v", l)
	}
	for name, b := range map[string]*bool{
		"cgroup.v1": l.Cgroup.V1, "cgroup.v2": l.Cgroup.V2, "cgroup.systemd": l.Cgroup.Systemd,
		"cgroup.systemdUser": l.Cgroup.SystemdUser, "cgroup.rdma": l.Cgroup.Rdma,
		"seccomp.enabled": l.Seccomp.Enabled, "apparmor.enabled": l.Apparmor.Enabled,
		"selinux.enabled": l.Selinux.Enabled, "intelRdt.enabled": l.IntelRdt.Enabled,
		"mountExtensions.idmap.enabled": l.MountExtensions.IDMap.Enabled, "netDevices.enabled": l.NetDevices.Enabled,
	} {
		if b == nil {
			t.Errorf("%s: absent, want true or false", name)
		}
	}
}

// TestMountOptionsFromRootfs checks the options are rootfs's, sorted and
// each once, and that none is one the mount code refuses or that means
// nothing to a runtime.
func TestMountOptionsFromRootfs(t *testing.T) {
	got := Document("").MountOptions
	if !slices.Equal(got, rootfs.MountOptions()) {
		t.Errorf("mountOptions = %v, want rootfs.MountOptions()", got)
	}
	if !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != len(got) {
		t.Errorf("not sorted or repeated: %v", got)
	}
	for _, refused := range []string{"src-nofollow", "dest-nofollow", "rsync", "notmpcopyup"} {
		if slices.Contains(got, refused) {
			t.Errorf("%s listed", refused)
		}
	}
	// Id-mapped binds are made (internal/container/idmap_linux.go).
	for _, ext := range []string{"idmap", "ridmap"} {
		if !slices.Contains(got, ext) {
			t.Errorf("%s not listed", ext)
		}
	}
	if idm := Document("").Linux.MountExtensions.IDMap; idm.Enabled == nil || !*idm.Enabled {
		t.Error("mountExtensions.idmap.enabled is not true")
	}
}

// TestCapabilities checks every listed capability is one package caps
// knows, at its own number, and that the list stops at the running
// kernel's last capability, which is what the init applies.
func TestCapabilities(t *testing.T) {
	got := Document("").Linux.Capabilities
	for i, name := range got {
		n, err := caps.Parse(name)
		if err != nil || n != i {
			t.Errorf("%s: caps.Parse = %d, %v; want %d", name, n, err, i)
		}
	}
	if want := min(caps.Last, process.LastCap()) + 1; len(got) != want {
		t.Errorf("%d capabilities, want %d (caps.Last %d, kernel %d)", len(got), want, caps.Last, process.LastCap())
	}
	for _, tc := range []struct{ last, want int }{
		{-1, caps.Last + 1}, {0, 1}, {5, 6}, {caps.Last, caps.Last + 1}, {caps.Last + 20, caps.Last + 1},
	} {
		if n := len(capabilities(tc.last)); n != tc.want {
			t.Errorf("capabilities(%d): %d names, want %d", tc.last, n, tc.want)
		}
	}
}

// TestNamespaces checks the listed types are those the bootstrap can make
// and the kernel has, reading a stand-in for /proc/self/ns.
func TestNamespaces(t *testing.T) {
	for _, ns := range Document("").Linux.Namespaces {
		if _, err := initproto.CloneFlag(ns); err != nil {
			t.Errorf("%s: %v", ns, err)
		}
		if _, err := os.Lstat("/proc/self/ns/" + nsFile(t, ns)); err != nil {
			t.Errorf("%s listed: %v", ns, err)
		}
	}
	dir := t.TempDir()
	for _, f := range []string{"mnt", "net", "user"} {
		if err := os.WriteFile(filepath.Join(dir, f), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		dir  string
		want []string
	}{
		{dir, []string{"mount", "network", "user"}},
		{filepath.Join(dir, "absent"), []string{"cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts"}},
	} {
		if got := namespaces(tc.dir); !slices.Equal(got, tc.want) {
			t.Errorf("namespaces(%s) = %v, want %v", tc.dir, got, tc.want)
		}
	}
}

func nsFile(t *testing.T, typ string) string {
	for _, ns := range namespaceFiles {
		if string(ns.typ) == typ {
			return ns.file
		}
	}
	t.Fatalf("no file for %s", typ)
	return ""
}

// TestHooks checks each listed kind is one package hooks runs and reads
// from a spec.
func TestHooks(t *testing.T) {
	got := Document("").Hooks
	if len(got) != 6 {
		t.Errorf("hooks = %v, want the spec's six kinds", got)
	}
	s := &specs.Spec{Hooks: &specs.Hooks{
		Prestart: []specs.Hook{{Path: "/a"}}, CreateRuntime: []specs.Hook{{Path: "/a"}}, //nolint:staticcheck // deprecated, still run
		CreateContainer: []specs.Hook{{Path: "/a"}}, StartContainer: []specs.Hook{{Path: "/a"}},
		Poststart: []specs.Hook{{Path: "/a"}}, Poststop: []specs.Hook{{Path: "/a"}},
	}}
	for _, k := range got {
		if len(hooks.Of(s, hooks.Kind(k))) != 1 {
			t.Errorf("%s: hooks.Of finds none", k)
		}
	}
}

// TestSeccomp checks every listed action, operator, architecture and
// flag is accepted by seccomp.Compile, and every supported flag by the
// finishing step that asks the kernel.
func TestSeccomp(t *testing.T) {
	sc := Document("").Linux.Seccomp
	if len(sc.Actions) == 0 || len(sc.Operators) == 0 || len(sc.Archs) == 0 || len(sc.KnownFlags) == 0 {
		t.Fatalf("empty lists: %+v", sc)
	}
	if !slices.Contains(sc.Actions, string(specs.ActNotify)) {
		t.Error("SCMP_ACT_NOTIFY not listed, but Compile takes it with a listenerPath")
	}
	for _, a := range sc.Actions {
		p := &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, ListenerPath: "/run/agent.sock", Syscalls: []specs.LinuxSyscall{{Names: []string{"getpid"}, Action: specs.LinuxSeccompAction(a)}}}
		if _, err := seccomp.Compile(p); err != nil {
			t.Errorf("action %s: %v", a, err)
		}
	}
	for _, op := range sc.Operators {
		p := &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{{
			Names: []string{"getpid"}, Action: specs.ActErrno,
			Args: []specs.LinuxSeccompArg{{Index: 0, Value: 1, ValueTwo: 1, Op: specs.LinuxSeccompOperator(op)}},
		}}}
		if _, err := seccomp.Compile(p); err != nil {
			t.Errorf("operator %s: %v", op, err)
		}
	}
	for _, a := range sc.Archs {
		if _, err := seccomp.Compile(&specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Architectures: []specs.Arch{specs.Arch(a)}}); err != nil {
			t.Errorf("arch %s: %v", a, err)
		}
	}
	native, _ := seccomp.NativeArch()
	if !slices.Contains(sc.Archs, native.Name) {
		t.Errorf("archs %v lack the native %s", sc.Archs, native.Name)
	}
	for _, name := range seccomp.Archs() {
		a, _ := seccomp.LookupArch(name)
		sameOrder := a.Audit&auditArchLE == native.Audit&auditArchLE
		if slices.Contains(sc.Archs, name) != sameOrder {
			t.Errorf("arch %s: listed %v, but of the native byte order %v", name, !sameOrder, sameOrder)
		}
	}
	if runtime.GOARCH == "amd64" && (!slices.Contains(sc.Archs, "SCMP_ARCH_X86") || slices.Contains(sc.Archs, "SCMP_ARCH_S390X")) {
		t.Errorf("archs on amd64: %v", sc.Archs)
	}
	allow := []unix.SockFilter{{Code: unix.BPF_RET | unix.BPF_K, K: unix.SECCOMP_RET_ALLOW}}
	for _, fl := range sc.KnownFlags {
		p, err := seccomp.Compile(&specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Flags: []specs.LinuxSeccompFlag{specs.LinuxSeccompFlag(fl)}})
		if err != nil {
			t.Errorf("flag %s: %v", fl, err)
			continue
		}
		_, err = p.Finish(allow, nil)
		if supported := slices.Contains(sc.SupportedFlags, fl); supported != (err == nil) {
			t.Errorf("flag %s: listed as supported %v, but Finish says %v", fl, supported, err)
		}
	}
}

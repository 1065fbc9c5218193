package features

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/runtime-spec/specs-go/features"

	"github.com/ocikit/ocikit/internal/spec"
)

func ptr[T any](v T) *T { return &v }

// base is a spec with nothing this runtime ignores.
func base() *specs.Spec {
	return &specs.Spec{
		Version: specs.Version,
		Root:    &specs.Root{Path: "rootfs"},
		Process: &specs.Process{
			Args: []string{"sh"}, Cwd: "/",
			Capabilities: &specs.LinuxCapabilities{Bounding: []string{"CAP_CHOWN", "kill"}},
		},
		Hooks: &specs.Hooks{Poststop: []specs.Hook{{Path: "/bin/true"}}},
		Mounts: []specs.Mount{
			{Destination: "/proc", Type: "proc", Source: "proc"},
			{Destination: "/tmp", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "size=65536k", "mode=1777", "tmpcopyup"}},
			{Destination: "/data", Type: "bind", Source: "/srv", Options: []string{"rbind", "ro", "rprivate"}},
		},
		Linux: &specs.Linux{
			Namespaces:  []specs.LinuxNamespace{{Type: "pid"}, {Type: "mount"}},
			CgroupsPath: "/ocikit/x",
			Resources: &specs.LinuxResources{
				Memory:  &specs.LinuxMemory{Limit: ptr(int64(1 << 20))},
				CPU:     &specs.LinuxCPU{Shares: ptr(uint64(512)), Cpus: "0"},
				Pids:    &specs.LinuxPids{Limit: ptr(int64(10))},
				BlockIO: &specs.LinuxBlockIO{}, // empty: "no limit", as engines write it
			},
			Seccomp: &specs.LinuxSeccomp{
				DefaultAction: specs.ActErrno, Architectures: []specs.Arch{specs.ArchX86_64},
				Flags: []specs.LinuxSeccompFlag{"SECCOMP_FILTER_FLAG_LOG"},
				Syscalls: []specs.LinuxSyscall{{Names: []string{"read"}, Action: specs.ActAllow,
					Args: []specs.LinuxSeccompArg{{Index: 0, Op: specs.OpEqualTo}}}},
			},
		},
	}
}

// doc is a fixed document, so the expectations do not depend on the
// machine: six capabilities, no time namespace, a kernel that lacks
// SPEC_ALLOW.
func doc() *features.Features {
	yes, no := true, false
	return &features.Features{
		Hooks:        []string{"createRuntime", "poststop"},
		MountOptions: []string{"bind", "nosuid", "rbind", "ro", "rprivate", "tmpcopyup"},
		Linux: &features.Linux{
			Namespaces:   []string{"mount", "network", "pid", "user"},
			Capabilities: []string{"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL"},
			Cgroup:       &features.Cgroup{V1: &yes, V2: &yes, Systemd: &no, Rdma: &no},
			Seccomp: &features.Seccomp{
				Enabled: &yes, Actions: []string{"SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO"},
				Operators: []string{"SCMP_CMP_EQ"}, Archs: []string{"SCMP_ARCH_X86_64"},
				KnownFlags:     []string{"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"},
				SupportedFlags: []string{"SECCOMP_FILTER_FLAG_LOG"},
			},
			Apparmor: &features.Apparmor{Enabled: &no}, Selinux: &features.Selinux{Enabled: &no},
			IntelRdt: &features.IntelRdt{Enabled: &no}, NetDevices: &features.NetDevices{Enabled: &no},
			MountExtensions: &features.MountExtensions{IDMap: &features.IDMap{Enabled: &no}},
		},
	}
}

func TestUnsupportedClean(t *testing.T) {
	if p := Unsupported(base(), doc()); len(p) != 0 {
		t.Errorf("problems in a supported spec: %v", p)
	}
	if p := Unsupported(base(), Document("")); len(p) != 0 {
		t.Errorf("problems against this runtime's document: %v", p)
	}
	if p := Unsupported(nil, doc()); p != nil {
		t.Errorf("nil spec: %v", p)
	}
	// Fields the document has no word for, which package process
	// applies (and judges), are no problem here.
	s := base()
	s.Process.IOPriority = &specs.LinuxIOPriority{Class: "IOPRIO_CLASS_RT"}
	s.Process.Scheduler = &specs.Scheduler{Policy: "SCHED_FIFO"}
	s.Process.ExecCPUAffinity = &specs.CPUAffinity{Final: "0"}
	s.Linux.Personality = &specs.LinuxPersonality{Domain: "LINUX32"}
	if p := Unsupported(s, doc()); len(p) != 0 {
		t.Errorf("problems for applied fields: %v", p)
	}
}

func TestUnsupported(t *testing.T) {
	const warn, fail = spec.SeverityWarning, spec.SeverityError
	for _, tc := range []struct {
		name string
		edit func(s *specs.Spec)
		path string
		sev  spec.Severity
		msg  string // a part of the message
	}{
		{"windows", func(s *specs.Spec) { s.Windows = &specs.Windows{LayerFolders: []string{`C:\l`}} }, "windows", warn, "Linux containers only"},
		{"solaris", func(s *specs.Spec) { s.Solaris = &specs.Solaris{Milestone: "m"} }, "solaris", warn, "Linux containers only"},
		{"vm", func(s *specs.Spec) { s.VM = &specs.VM{Kernel: specs.VMKernel{Path: "/k"}} }, "vm", warn, "Linux containers only"},
		{"zos", func(s *specs.Spec) { s.ZOS = &specs.ZOS{Namespaces: []specs.ZOSNamespace{{Type: "pid"}}} }, "zos", warn, "Linux containers only"},
		{"freebsd", func(s *specs.Spec) { s.FreeBSD = &specs.FreeBSD{Jail: &specs.FreeBSDJail{Host: "new"}} }, "freebsd", warn, "Linux containers only"},
		{"commandLine", func(s *specs.Spec) { s.Process.CommandLine = "a b" }, "process.commandLine", warn, "Windows"},
		{"username", func(s *specs.Spec) { s.Process.User.Username = "bob" }, "process.user.username", warn, "Windows"},
		{"apparmor", func(s *specs.Spec) { s.Process.ApparmorProfile = "p" }, "process.apparmorProfile", fail, "not implemented"},
		{"selinux label", func(s *specs.Spec) { s.Process.SelinuxLabel = "l" }, "process.selinuxLabel", fail, "not implemented"},
		{"mount label", func(s *specs.Spec) { s.Linux.MountLabel = "l" }, "linux.mountLabel", fail, "not implemented"},
		{"capability above the kernel's", func(s *specs.Spec) { s.Process.Capabilities.Ambient = []string{"CAP_KILL", "cap_bpf"} }, "process.capabilities.ambient.1", warn, "CAP_BPF is not known to this kernel"},
		{"hook kind", func(s *specs.Spec) { s.Hooks.StartContainer = []specs.Hook{{Path: "/h"}} }, "hooks.startContainer", warn, "startContainer hooks"},
		{"mount uid mapping", func(s *specs.Spec) {
			s.Mounts[2].UIDMappings = []specs.LinuxIDMapping{{Size: 1}}
		}, "mounts.2.uidMappings", fail, "id-mapped"},
		{"mount gid mapping", func(s *specs.Spec) {
			s.Mounts[2].GIDMappings = []specs.LinuxIDMapping{{Size: 1}}
		}, "mounts.2.gidMappings", fail, "id-mapped"},
		{"idmap option", func(s *specs.Spec) { s.Mounts[2].Options = append(s.Mounts[2].Options, "idmap=uids=0-1-1") }, "mounts.2.options.3", fail, "id-mapped"},
		{"bind data", func(s *specs.Spec) { s.Mounts[2].Options = append(s.Mounts[2].Options, "size=1m") }, "mounts.2.options.3", warn, "bind mount takes no filesystem options"},
		{"bind by option", func(s *specs.Spec) {
			s.Mounts = append(s.Mounts, specs.Mount{Destination: "/x", Type: "none", Source: "/x", Options: []string{"bind", "uid=5"}})
		}, "mounts.3.options.1", warn, `"uid=5"`},
		{"namespace", func(s *specs.Spec) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: "time"})
		}, "linux.namespaces.2.type", fail, "time namespaces"},
		{"systemd path", func(s *specs.Spec) { s.Linux.CgroupsPath = "system.slice:ocikit:x" }, "linux.cgroupsPath", fail, "systemd"},
		{"rdma", func(s *specs.Spec) {
			s.Linux.Resources.Rdma = map[string]specs.LinuxRdma{"mlx": {HcaHandles: ptr(uint32(1))}}
		}, "linux.resources.rdma", fail, "no rdma cgroup controller"},
		{"kernel memory", func(s *specs.Spec) { s.Linux.Resources.Memory.Kernel = ptr(int64(1)) }, "linux.resources.memory.kernel", warn, "deprecated"},    //nolint:staticcheck // the deprecated field under test
		{"kernel TCP", func(s *specs.Spec) { s.Linux.Resources.Memory.KernelTCP = ptr(int64(1)) }, "linux.resources.memory.kernelTCP", warn, "deprecated"}, //nolint:staticcheck // the deprecated field under test
		{"intelRdt", func(s *specs.Spec) { s.Linux.IntelRdt = &specs.LinuxIntelRdt{ClosID: "c"} }, "linux.intelRdt", fail, "not implemented"},
		{"netDevices", func(s *specs.Spec) { s.Linux.NetDevices = map[string]specs.LinuxNetDevice{"eth1": {}} }, "linux.netDevices", fail, "not implemented"},
		{"memoryPolicy", func(s *specs.Spec) { s.Linux.MemoryPolicy = &specs.LinuxMemoryPolicy{Mode: "MPOL_BIND"} }, "linux.memoryPolicy", fail, "not implemented"},
		{"seccomp default action", func(s *specs.Spec) { s.Linux.Seccomp.DefaultAction = specs.ActKillProcess }, "linux.seccomp.defaultAction", fail, "SCMP_ACT_KILL_PROCESS"},
		{"seccomp action", func(s *specs.Spec) { s.Linux.Seccomp.Syscalls[0].Action = specs.ActNotify }, "linux.seccomp.syscalls.0.action", fail, "SCMP_ACT_NOTIFY"},
		{"seccomp listener", func(s *specs.Spec) { s.Linux.Seccomp.ListenerPath = "/run/l.sock" }, "linux.seccomp.listenerPath", fail, "listener"},
		{"seccomp arch", func(s *specs.Spec) {
			s.Linux.Seccomp.Architectures = append(s.Linux.Seccomp.Architectures, specs.ArchX86)
		}, "linux.seccomp.architectures.1", fail, "SCMP_ARCH_X86"},
		{"seccomp unknown flag", func(s *specs.Spec) {
			s.Linux.Seccomp.Flags = append(s.Linux.Seccomp.Flags, "SECCOMP_FILTER_FLAG_TSYNC")
		}, "linux.seccomp.flags.1", fail, "is not supported:"},
		{"seccomp flag this kernel lacks", func(s *specs.Spec) {
			s.Linux.Seccomp.Flags = append(s.Linux.Seccomp.Flags, "SECCOMP_FILTER_FLAG_SPEC_ALLOW")
		}, "linux.seccomp.flags.1", fail, "by this kernel"},
		{"seccomp operator", func(s *specs.Spec) { s.Linux.Seccomp.Syscalls[0].Args[0].Op = specs.OpMaskedEqual }, "linux.seccomp.syscalls.0.args.0.op", fail, "SCMP_CMP_MASKED_EQ"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := base()
			tc.edit(s)
			got := Unsupported(s, doc())
			if len(got) != 1 {
				t.Fatalf("got %d problems, want 1: %v", len(got), got)
			}
			p := got[0]
			if p.Path != tc.path || p.Severity != tc.sev || !strings.Contains(p.Message, tc.msg) {
				t.Errorf("got %+v, want path %q, severity %s, message with %q", p, tc.path, tc.sev, tc.msg)
			}
		})
	}
}

// TestUnsupportedUnknownLists checks that a document that leaves a list
// out (features.md: unknown) claims nothing about that field.
func TestUnsupportedUnknownLists(t *testing.T) {
	s := base()
	s.Hooks.StartContainer = []specs.Hook{{Path: "/h"}}
	s.Mounts[2].Options = append(s.Mounts[2].Options, "size=1m")
	s.Process.Capabilities.Ambient = []string{"CAP_BPF"}
	s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: "time"})
	s.Linux.Seccomp.DefaultAction = specs.ActKillProcess
	f := doc()
	f.Hooks, f.MountOptions, f.Linux.Capabilities, f.Linux.Namespaces = nil, nil, nil, nil
	f.Linux.Seccomp = &features.Seccomp{Enabled: ptr(true)}
	if p := Unsupported(s, f); len(p) != 0 {
		t.Errorf("problems from unknown lists: %v", p)
	}
}

// TestUnsupportedSeccompDisabled checks that a runtime without seccomp
// refuses the whole profile, once.
func TestUnsupportedSeccompDisabled(t *testing.T) {
	f := doc()
	f.Linux.Seccomp.Enabled = ptr(false)
	got := Unsupported(base(), f)
	if len(got) != 1 || got[0].Path != "linux.seccomp" || got[0].Severity != spec.SeverityError {
		t.Errorf("got %v", got)
	}
}

// TestUnsupportedMany checks problems come in the order of the document
// and several per spec.
func TestUnsupportedMany(t *testing.T) {
	s := base()
	s.Windows = &specs.Windows{LayerFolders: []string{"l"}}
	s.Process.ApparmorProfile = "p"
	s.Linux.NetDevices = map[string]specs.LinuxNetDevice{"eth1": {}}
	var paths []string
	for _, p := range Unsupported(s, doc()) {
		paths = append(paths, p.Path)
	}
	if want := []string{"windows", "process.apparmorProfile", "linux.netDevices"}; !slices.Equal(paths, want) {
		t.Errorf("paths = %v, want %v", paths, want)
	}
}

func TestIsSet(t *testing.T) {
	for i, tc := range []struct {
		v    any
		want bool
	}{
		{nil, false}, {(*specs.LinuxBlockIO)(nil), false}, {&specs.LinuxBlockIO{}, false},
		{&specs.LinuxBlockIO{Weight: ptr(uint16(0))}, false}, {&specs.LinuxBlockIO{Weight: ptr(uint16(1))}, true},
		{map[string]string{}, false}, {map[string]string{"a": "b"}, true},
		{[]int{}, false}, {[]int{0}, true}, {ptr(false), false}, {ptr(true), true}, {"", false}, {"x", true},
	} {
		if got := isSet(tc.v); got != tc.want {
			t.Errorf("%d: isSet(%s) = %v, want %v", i, fmt.Sprintf("%#v", tc.v), got, tc.want)
		}
	}
}

func TestAppendNew(t *testing.T) {
	e := func(path string) spec.Problem {
		return spec.Problem{Path: path, Message: "v", Severity: spec.SeverityError}
	}
	w := func(path string) spec.Problem {
		return spec.Problem{Path: path, Message: "v", Severity: spec.SeverityWarning}
	}
	u := func(p spec.Problem) spec.Problem { p.Message = "u"; return p }
	got := AppendNew([]spec.Problem{e("a"), w("b"), w("c")},
		u(e("a")), u(w("a")), u(e("b")), u(w("c")), u(w("d")), u(e("e")))
	want := []spec.Problem{e("a"), w("b"), w("c"), u(e("b")), u(w("d")), u(e("e"))}
	if !slices.Equal(got, want) {
		t.Errorf("AppendNew =\n%v\nwant\n%v", got, want)
	}
	if got := AppendNew(nil, u(w("x"))); len(got) != 1 {
		t.Errorf("into nil: %v", got)
	}
}

// TestUnsupportedResourcesApplied: the linux.resources fields that
// cgroups.Set applies (hugepageLimits, network, unified, useHierarchy,
// cpu burst and idle, blockIO, and rdma where the document claims the
// controller) are no problem for the features check; whether the
// host has the files is Set's business at create.
func TestUnsupportedResourcesApplied(t *testing.T) {
	for name, edit := range map[string]func(s *specs.Spec){
		"hugepages": func(s *specs.Spec) {
			s.Linux.Resources.HugepageLimits = []specs.LinuxHugepageLimit{{Pagesize: "2MB", Limit: 1}}
		},
		"network":      func(s *specs.Spec) { s.Linux.Resources.Network = &specs.LinuxNetwork{ClassID: ptr(uint32(1))} },
		"unified":      func(s *specs.Spec) { s.Linux.Resources.Unified = map[string]string{"io.weight": "10"} },
		"useHierarchy": func(s *specs.Spec) { s.Linux.Resources.Memory.UseHierarchy = ptr(true) },
		"cpu burst":    func(s *specs.Spec) { s.Linux.Resources.CPU.Burst = ptr(uint64(1)) },
		"cpu idle":     func(s *specs.Spec) { s.Linux.Resources.CPU.Idle = ptr(int64(1)) },
		"blockIO": func(s *specs.Spec) {
			s.Linux.Resources.BlockIO = &specs.LinuxBlockIO{Weight: ptr(uint16(10)), LeafWeight: ptr(uint16(10)),
				ThrottleReadBpsDevice: []specs.LinuxThrottleDevice{{Rate: 1}}}
		},
		"rdma": func(s *specs.Spec) {
			s.Linux.Resources.Rdma = map[string]specs.LinuxRdma{"mlx": {HcaHandles: ptr(uint32(1))}}
		},
	} {
		s := base()
		edit(s)
		d := doc()
		yes := true
		d.Linux.Cgroup.Rdma = &yes
		if got := Unsupported(s, d); len(got) != 0 {
			t.Errorf("%s: got %v, want no problem", name, got)
		}
	}
}

// TestUnsupportedIDMap checks, against this runtime's document (id-mapped
// mounts enabled), that a mount's mappings are accepted with the idmap or
// ridmap option and refused without, and that crun's inline mappings are
// refused, as the mount code does.
func TestUnsupportedIDMap(t *testing.T) {
	m := []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
	for _, tc := range []struct {
		name string
		opts []string
		maps bool
		path string // refused field, or "" for none
	}{
		{"idmap", []string{"bind", "idmap"}, false, ""},
		{"ridmap with mappings", []string{"rbind", "ridmap"}, true, ""},
		{"mappings without option", []string{"bind"}, true, "mounts.3.uidMappings"},
		{"inline mappings", []string{"bind", "idmap=uids=0-1-1"}, false, "mounts.3.options.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := base()
			mnt := specs.Mount{Destination: "/x", Type: "bind", Source: "/x", Options: tc.opts}
			if tc.maps {
				mnt.UIDMappings, mnt.GIDMappings = m, m
			}
			s.Mounts = append(s.Mounts, mnt)
			ps := Unsupported(s, Document(""))
			if tc.path == "" {
				if len(ps) != 0 {
					t.Errorf("problems: %v", ps)
				}
				return
			}
			for _, p := range ps {
				if p.Path == tc.path && p.Severity == spec.SeverityError {
					return
				}
			}
			t.Errorf("%s not refused: %v", tc.path, ps)
		})
	}
}

package spec

import (
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestValidate(t *testing.T) {
	cases := []struct {
		name   string
		modify func(s *specs.Spec)
		want   string // "" means valid
	}{
		{"default", func(s *specs.Spec) {}, ""},
		{"runc version", func(s *specs.Spec) { s.Version = "1.0.2-dev" }, ""},
		{"build metadata", func(s *specs.Spec) { s.Version = "1.2.0+abc.1" }, ""},
		{"no version", func(s *specs.Spec) { s.Version = "" }, "ociVersion: required"},
		{"bad version", func(s *specs.Spec) { s.Version = "1.0" }, `ociVersion: "1.0" is not a semantic version`},
		{"major 2", func(s *specs.Spec) { s.Version = "2.0.0" }, `unsupported ociVersion "2.0.0": this runtime supports 1.0.0 through 1.3.x`},
		{"major 0", func(s *specs.Spec) { s.Version = "0.9.0" }, `unsupported ociVersion "0.9.0"`},
		{"no root", func(s *specs.Spec) { s.Root = nil }, "root: required"},
		{"no root path", func(s *specs.Spec) { s.Root.Path = "" }, "root.path: required"},
		{"no process", func(s *specs.Spec) { s.Process = nil }, "process: required"},
		{"no args", func(s *specs.Spec) { s.Process.Args = nil }, "process.args: must not be empty"},
		{"relative cwd", func(s *specs.Spec) { s.Process.Cwd = "tmp" }, `process.cwd: "tmp" is not an absolute path`},
		{"no linux", func(s *specs.Spec) { s.Linux = nil }, "linux: required"},
		{"unknown ns", func(s *specs.Spec) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: "bogus"})
		}, `linux.namespaces.6.type: unknown namespace type "bogus"`},
		{"duplicate ns", func(s *specs.Spec) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: "pid"})
		}, `linux.namespaces.6.type: duplicate "pid" namespace`},
		{"userns without maps", func(s *specs.Spec) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: "user"})
		}, "linux.uidMappings: required with a new user namespace"},
		{"userns without gid maps", func(s *specs.Spec) {
			ToRootless(s, 1, 1)
			s.Linux.GIDMappings = nil
		}, "linux.gidMappings: required with a new user namespace"},
		{"joined userns needs no maps", func(s *specs.Spec) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: "user", Path: "/proc/1/ns/user"})
		}, ""},
		{"maps without userns", func(s *specs.Spec) {
			s.Linux.UIDMappings = []specs.LinuxIDMapping{{HostID: 1, Size: 1}}
		}, "linux.uidMappings: mappings need a user namespace"},
		{"zero size map", func(s *specs.Spec) {
			ToRootless(s, 1, 1)
			s.Linux.UIDMappings[0].Size = 0
		}, "linux.uidMappings.0.size: must be greater than 0"},
		{"hostname without uts", func(s *specs.Spec) { s.Linux.Namespaces = s.Linux.Namespaces[:3] }, "hostname: requires a uts namespace"},
		{"domainname without uts", func(s *specs.Spec) {
			s.Hostname = ""
			s.Domainname = "example.org"
			s.Linux.Namespaces = s.Linux.Namespaces[:3]
		}, "domainname: requires a uts namespace"},
		{"no hostname no uts", func(s *specs.Spec) { s.Hostname = ""; s.Linux.Namespaces = s.Linux.Namespaces[:3] }, ""},
		{"cap without prefix", func(s *specs.Spec) { s.Process.Capabilities.Bounding = []string{"sys_admin"} }, ""},
		{"unknown cap", func(s *specs.Spec) {
			s.Process.Capabilities.Effective = append(s.Process.Capabilities.Effective, "CAP_FLY")
		}, `process.capabilities.effective.3: unknown capability "CAP_FLY"`},
		{"unknown inheritable cap", func(s *specs.Spec) { s.Process.Capabilities.Inheritable = []string{"x"} },
			`process.capabilities.inheritable.0`},
		{"unknown rlimit", func(s *specs.Spec) { s.Process.Rlimits[0].Type = "RLIMIT_BOGUS" },
			`process.rlimits.0.type: unknown rlimit type "RLIMIT_BOGUS"`},
		{"rlimit without prefix", func(s *specs.Spec) { s.Process.Rlimits[0].Type = "NOFILE" }, "does not match ^RLIMIT_[A-Z]+$"},
		{"duplicate rlimit", func(s *specs.Spec) {
			s.Process.Rlimits = append(s.Process.Rlimits, specs.POSIXRlimit{Type: "RLIMIT_NOFILE", Soft: 1, Hard: 1})
		}, `process.rlimits.1.type: duplicate rlimit "RLIMIT_NOFILE"`},
		{"soft over hard", func(s *specs.Spec) { s.Process.Rlimits[0].Soft = 2048 },
			"process.rlimits.0: soft limit 2048 exceeds hard limit 1024"},
		{"mount without destination", func(s *specs.Spec) { s.Mounts[2].Destination = "" }, "mounts.2.destination: required"},
		{"empty sysctl key", func(s *specs.Spec) { s.Linux.Sysctl = map[string]string{"": "1"} }, "linux.sysctl: empty key"},
		{"bad device rule type", func(s *specs.Spec) {
			s.Linux.Resources = &specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{{Type: "bogus"}}}
		}, `linux.resources.devices.0.type: "bogus" is not a, b or c`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := Default()
			c.modify(s)
			err := Validate(s)
			switch {
			case c.want == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case c.want != "" && err == nil:
				t.Errorf("no error, want %q", c.want)
			case c.want != "" && !strings.Contains(err.Error(), c.want):
				t.Errorf("error %q does not contain %q", err, c.want)
			}
		})
	}
}

func TestValidateReportsAll(t *testing.T) {
	s := Default()
	s.Version = ""
	s.Process.Args = nil
	s.Linux = nil
	err := Validate(s)
	for _, want := range []string{"ociVersion: required", "process.args: must not be empty", "linux: required"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not report %q", err, want)
		}
	}
	if Validate(nil) == nil {
		t.Error("nil spec accepted")
	}
}

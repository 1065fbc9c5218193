package rootfs

import (
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestMountLabelData(t *testing.T) {
	const label = "system_u:object_r:container_file_t:s0:c1,c2"
	for _, tc := range []struct {
		name, data, fstype, label, want string
	}{
		{name: "no label", data: "mode=755", fstype: "tmpfs", want: "mode=755"},
		{name: "tmpfs", data: "mode=755,size=65536k", fstype: "tmpfs", label: label,
			want: `mode=755,size=65536k,context="` + label + `"`},
		{name: "empty data", fstype: "devpts", label: label, want: `context="` + label + `"`},
		{name: "other filesystem", data: "noquota", fstype: "xfs", label: label, want: `noquota,context="` + label + `"`},
		{name: "proc", fstype: "proc", label: label, want: ""},
		{name: "sysfs", fstype: "sysfs", label: label, want: ""},
		{name: "mqueue", fstype: "mqueue", label: label, want: ""},
		{name: "cgroup2", data: "nsdelegate", fstype: "cgroup2", label: label, want: "nsdelegate"},
		{name: "bind", fstype: "bind", label: label, want: ""},
		{name: "own context kept", data: `context="a:b:c:s0"`, fstype: "tmpfs", label: label, want: `context="a:b:c:s0"`},
		{name: "own rootcontext kept", data: "rootcontext=x,mode=1777", fstype: "tmpfs", label: label, want: "rootcontext=x,mode=1777"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := withMountLabel(tc.data, tc.fstype, tc.label); got != tc.want {
				t.Errorf("withMountLabel(%q, %q) = %q, want %q", tc.data, tc.fstype, got, tc.want)
			}
		})
	}
	if got := mountLabel(&specs.Spec{Linux: &specs.Linux{MountLabel: label}}); got != label {
		t.Errorf("mountLabel = %q", got)
	}
	if got := mountLabel(&specs.Spec{}); got != "" {
		t.Errorf("mountLabel without linux = %q", got)
	}
}

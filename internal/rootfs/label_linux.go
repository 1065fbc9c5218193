package rootfs

import (
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// unlabelled lists the filesystem types that get no context= option from
// linux.mountLabel. proc and sysfs are labelled by the policy's genfs
// rules and share state with the host's instance, so SELinux refuses a
// context that differs from it; cgroup trees are likewise labelled by the
// policy; mqueue is one instance per IPC namespace that the policy
// labels. A bind shows its source, whose labels are the source's own.
var unlabelled = map[string]bool{
	"bind": true, "proc": true, "sysfs": true, "mqueue": true, "cgroup": true, "cgroup2": true,
}

// mountLabel returns the spec's linux.mountLabel, "" when unset.
func mountLabel(s *specs.Spec) string {
	if s == nil || s.Linux == nil {
		return ""
	}
	return s.Linux.MountLabel
}

// withMountLabel adds context="label" to the data of a new mount of
// fstype, so that every file of a tmpfs, devpts or other filesystem the
// container mounts carries the container's SELinux label rather than the
// runtime's: the confined program could not use them otherwise. A mount
// whose options already name a context (context=, fscontext=,
// defcontext=, rootcontext=) keeps them: the spec's own choice for that
// mount wins over the default, as SELinux would refuse both at once.
//
// The label is quoted because SELinux contexts hold commas
// ("s0:c1,c2"), which would otherwise split the option. Without an
// active SELinux the filesystem refuses the option and the mount fails,
// naming it: the label is never dropped in silence.
func withMountLabel(data, fstype, label string) string {
	if label == "" || unlabelled[fstype] {
		return data
	}
	for _, opt := range strings.Split(data, ",") {
		name, _, _ := strings.Cut(opt, "=")
		switch name {
		case "context", "fscontext", "defcontext", "rootcontext":
			return data
		}
	}
	ctx := `context="` + label + `"`
	if data == "" {
		return ctx
	}
	return data + "," + ctx
}

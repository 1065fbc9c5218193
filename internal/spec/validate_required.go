package spec

import (
	"reflect"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// requiredKeys returns the properties the runtime-spec schema requires in
// an object of type t. Presence is checked on the document, not on the
// decoded spec: a missing "size" decodes as 0, which a mapping may not
// have, but a missing "containerID" decodes as 0, which it may.
func requiredKeys(t reflect.Type) []string {
	switch reflect.Zero(t).Interface().(type) {
	case specs.Spec:
		return []string{"ociVersion"}
	case specs.Root:
		return []string{"path"}
	case specs.Process:
		return []string{"cwd"}
	case specs.Box:
		return []string{"height", "width"}
	case specs.LinuxIOPriority:
		return []string{"class"}
	case specs.Scheduler:
		return []string{"policy"}
	case specs.POSIXRlimit:
		return []string{"type", "soft", "hard"}
	case specs.Hook:
		return []string{"path"}
	case specs.LinuxIDMapping:
		return []string{"containerID", "hostID", "size"}
	case specs.Mount:
		return []string{"destination"}
	case specs.LinuxNamespace:
		return []string{"type"}
	case specs.LinuxDevice:
		return []string{"type", "path"}
	case specs.LinuxDeviceCgroup:
		return []string{"allow"}
	case specs.LinuxPids:
		return []string{"limit"}
	case specs.LinuxHugepageLimit:
		return []string{"pageSize", "limit"}
	case specs.LinuxSeccomp:
		return []string{"defaultAction"}
	case specs.LinuxSyscall:
		return []string{"names", "action"}
	case specs.LinuxSeccompArg:
		return []string{"index", "value", "op"}
	case specs.LinuxWeightDevice, specs.LinuxThrottleDevice:
		return []string{"major", "minor"}
	case specs.LinuxInterfacePriority:
		return []string{"name", "priority"}
	}
	return nil
}

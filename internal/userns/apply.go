package userns

import (
	"errors"
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/ocikit/ocikit/internal/spec"
	"github.com/ocikit/ocikit/internal/state"
)

// Wanted returns the automatic user namespace s asks for, if any. The
// annotation was validated with the spec; what is checked here is what
// only makes sense once the block's size is known.
func Wanted(s *specs.Spec) (spec.UserNSAuto, bool, error) {
	v, ok := s.Annotations[spec.AnnotationUserNS]
	if !ok {
		return spec.UserNSAuto{}, false, nil
	}
	a, err := spec.ParseUserNS(v)
	if err != nil {
		return a, true, err
	}
	if s.Linux != nil && (len(s.Linux.UIDMappings) > 0 || len(s.Linux.GIDMappings) > 0) {
		// Two sources of mappings: taking either silently could give the
		// container host ids another container holds.
		return a, true, fmt.Errorf("%s=%s and linux.uidMappings/gidMappings both given: leave the mappings to the runtime or drop the annotation", spec.AnnotationUserNS, v)
	}
	if s.Process != nil {
		u := s.Process.User
		ids := append([]uint32{u.UID, u.GID}, u.AdditionalGids...)
		for _, id := range ids {
			if id >= a.Size {
				return a, true, fmt.Errorf("process.user id %d is outside the %d ids of the automatic user namespace (%s=%s)", id, a.Size, spec.AnnotationUserNS, v)
			}
		}
	}
	return a, true, nil
}

// Apply maps container ids 0..r.Size-1 to the block r.
func Apply(s *specs.Spec, r state.IDRange) error {
	if s.Linux == nil {
		return errors.New("an automatic user namespace needs the linux section")
	}
	s.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: r.UID, Size: r.Size}}
	s.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: r.GID, Size: r.Size}}
	return nil
}

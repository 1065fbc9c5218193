package container

import (
	"errors"
	"log/slog"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/ocikit/ocikit/internal/features"
	"github.com/ocikit/ocikit/internal/spec"
)

// refuseUnsupported judges s against this runtime's features document on
// this host, the same judgement `oci-spec validate --features` prints: a
// field the runtime has no code for, or that needs what the host lacks
// (an LSM, a mounted resctrl, a NUMA node, a kernel's memory policy
// mode), is an error naming it ("PATH: MESSAGE", one per line, as spec
// errors are), so that no field is silently left unapplied. The few
// fields the container runs without, by the spec's leave (other
// platforms' sections, the deprecated kernel memory limits, capabilities
// the kernel does not know, data a bind mount drops), are each logged
// as a warning. It runs before anything is made.
func refuseUnsupported(s *specs.Spec, log *slog.Logger) error {
	// The version is only the document's annotation; Unsupported does
	// not read it.
	ps := features.Unsupported(s, features.Document(""))
	var errs []error
	for _, p := range ps {
		if p.Severity == spec.SeverityError {
			errs = append(errs, errors.New(p.String()))
			continue
		}
		logOr(log).Warn(p.String())
	}
	return errors.Join(errs...)
}

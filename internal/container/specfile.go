package container

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/ocikit/ocikit/internal/fsutil"
	"github.com/ocikit/ocikit/internal/spec"
	"github.com/ocikit/ocikit/internal/state"
)

// specFile is the copy of the container's config.json in its folder.
const specFile = "config.json"

func saveSpec(c *state.Container, s *specs.Spec) error {
	b, err := spec.Marshal(s)
	if err != nil {
		return err
	}
	return fsutil.WriteFileAtomic(c.Path(specFile), b, 0o600, false)
}

// LoadSpec returns the spec a container was created with. A container
// that does not exist is reported as such (state.ErrNotExist), not as a
// config.json missing from its folder.
func LoadSpec(store *state.Store, id string) (*specs.Spec, error) {
	if _, err := store.Read(id); err != nil {
		return nil, err
	}
	return spec.Load(store.Path(id, specFile))
}

package container

import (
	"encoding/json"
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/ocikit/ocikit/internal/fsutil"
	"github.com/ocikit/ocikit/internal/spec"
	"github.com/ocikit/ocikit/internal/state"
)

// specFile is the copy of the container's config.json in its folder.
const specFile = "config.json"

// saveSpec keeps the bundle's config.json in the container's folder as it
// was read and checked at create: the very text, not the spec encoded
// again, which would cost create a full encoding of the spec for the same
// document.
func saveSpec(c *state.Container, config []byte) error {
	return fsutil.WriteFileAtomic(c.Path(specFile), config, 0o600, false)
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

// hookSpec returns what the hooks after create need of the spec the
// container was created with: its ociVersion, annotations and hooks, in an
// otherwise empty spec. The file was checked when it was saved.
//
// Start and delete read only these, not the whole spec: encoding/json
// builds its table of fields for each struct type it decodes into, and a
// spec has dozens, as well as the checks of spec.Parse, all for the
// hooks alone.
func hookSpec(c *state.Container) (*specs.Spec, error) {
	p := c.Path(specFile)
	b, err := fsutil.ReadFile(p)
	if err != nil {
		return nil, err
	}
	var s struct {
		Version     string            `json:"ociVersion"`
		Hooks       *specs.Hooks      `json:"hooks"`
		Annotations map[string]string `json:"annotations"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("config %q: %w", p, err)
	}
	return &specs.Spec{Version: s.Version, Hooks: s.Hooks, Annotations: s.Annotations}, nil
}

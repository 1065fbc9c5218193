package commands

import (
	"github.com/ocikit/ocikit/internal/cli"
	"github.com/ocikit/ocikit/internal/state"
)

// openStore returns the state store the global flags name. (It is here, not
// in package cli, so that the tools without containers, oci-spec and
// oci-bundle, do not link the state store.)
func openStore(e *cli.Env) (*state.Store, error) {
	root, err := e.Globals.StateRoot()
	if err != nil {
		return nil, err
	}
	return &state.Store{Root: root}, nil
}

package speccmd

import (
	"github.com/ocikit/ocikit/internal/cli"
	"github.com/ocikit/ocikit/internal/features"
)

// Features prints this runtime's features document (oci-spec features),
// the same one oci-runtime features prints.
type Features struct{}

func (c *Features) Run(e *cli.Env) error { return features.Write(e.Stdout, cli.Version) }

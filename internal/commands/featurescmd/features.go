package featurescmd

import (
	"github.com/ocikit/ocikit/internal/cli"
	"github.com/ocikit/ocikit/internal/features"
)

// Features prints what this runtime supports, as the runtime-spec's
// features document describes it (runc features). oci-spec features
// prints the same document (package features computes it).
type Features struct{}

func (c *Features) Run(e *cli.Env) error { return features.Write(e.Stdout, cli.Version) }

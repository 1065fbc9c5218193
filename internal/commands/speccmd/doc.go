// Package speccmd holds the command that writes a default config.json
// (runc spec) and the flags oci-spec shares with it. It needs package spec
// only, so oci-spec links none of the container machinery.
package speccmd

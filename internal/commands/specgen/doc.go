// Package specgen holds the command that writes a default config.json
// (runc spec, and oci-spec's generate) with its flags. It needs package
// spec only, so oci-runtime, which offers runc's spec, links none of
// oci-spec's editing, validation or features code (speccmd).
package specgen

// Package spec loads, validates and generates OCI runtime configurations
// (config.json).
//
// Loading is strict where runc is lax: exactly one JSON object (no null, no
// trailing data), a supported ociVersion (1.0.0 through 1.3.x), and the
// fields the runtime needs; unknown fields are accepted, as the spec
// requires. Generation gives what `runc spec` gives, and its variants:
// rootless (one ID, or the caller's subordinate ranges), and the system
// container whose mappings the runtime picks (AnnotationUserNS). Editing
// by path is in package specedit.
//
// Validation (Check, Problems, Shape) reports each finding as a Problem
// naming its field by JSON path in gjson syntax ("linux.namespaces.3.type"):
// the schema's types, ranges, required properties, enumerations and
// patterns, written as checks over the runtime-spec Go types, and the rules
// the schema cannot express (absolute paths, duplicate namespaces,
// mappings, names of capabilities and rlimits, root.path in the bundle,
// fields newer than the document's ociVersion). oci-spec validate prints
// them; create runs the same checks through Parse and stops at errors.
// testdata/invalid holds broken specs, each with the problems expected
// (.want); `go test -run TestInvalidSpecs -update` rewrites those.
//
// The loader has a fuzz target with a seed corpus in testdata/fuzz:
//
//	go test -run '^$' -fuzz '^FuzzParse$' -fuzztime 60s ./internal/spec/
//
// Every lifecycle tool imports this package, so it does no work when it
// is initialised: no regular expressions or tables built at start-up.
package spec

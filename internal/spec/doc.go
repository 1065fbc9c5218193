// Package spec loads, validates and generates OCI runtime configurations
// (config.json).
//
// Loading is strict where runc is lax: exactly one JSON object (no null, no
// trailing data), a known ociVersion major, and the fields the runtime
// needs; unknown fields are accepted. Generation gives what `runc spec`
// gives, and its rootless variant. Editing by path is in package specedit.
//
// Every lifecycle tool imports this package, so it does no work when it
// is initialised: no regular expressions or tables built at start-up.
package spec

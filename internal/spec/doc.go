// Package spec loads, validates, generates and edits OCI runtime
// configurations (config.json).
//
// Loading is strict where runc is lax: exactly one JSON object (no null, no
// trailing data), a known ociVersion major, and the fields the runtime
// needs; unknown fields are accepted. Generation gives what `runc spec`
// gives, and its rootless variant. Editing works on the JSON text by
// gjson/sjson path, so the untouched parts of a file keep their order and
// formatting.
package spec

// Package specedit reads and edits config.json by gjson/sjson path, on the
// JSON text rather than on a decoded spec, so the fields this runtime does
// not know survive and the untouched parts of a file keep their order and
// formatting.
//
// It is apart from package spec so that only oci-spec links gjson and
// sjson: gjson registers its modifiers in an init function, which keeps the
// whole library in every binary that imports it, and every lifecycle tool
// imports spec.
package specedit

// Package units reads the sizes the command-line tools take for memory
// limits: a number of bytes with an optional binary suffix, as runc's and
// docker's flags take them (1k is 1024 bytes, 1.5g is 1.5 GiB).
//
// It has no dependencies of its own, so both oci-spec's edits and
// oci-update use it without linking each other's code.
package units

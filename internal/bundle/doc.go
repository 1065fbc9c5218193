// Package bundle makes OCI bundles: a directory holding a root filesystem
// (rootfs/) unpacked from a tar archive, such as `docker export` streams,
// and a default config.json.
//
// The archive is untrusted. Every entry is created relative to a directory
// handle resolved inside the root, and the last path component is never
// followed, so neither "../" names, absolute names, nor symlinks planted by
// earlier entries can make a later entry write outside the root. A bundle
// is made in full or not at all: on error, whatever this run created is
// removed.
package bundle

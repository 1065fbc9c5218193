// Package bundle makes OCI bundles: a directory holding a root filesystem
// (rootfs/) and a config.json, from a root filesystem tar archive (Create,
// as `docker export` streams it) or from an OCI image (CreateFromImage:
// its layers applied in order with the image-spec's whiteouts and opaque
// directories by ApplyLayer, and config.json converted from the image
// configuration).
//
// The archives are untrusted. Every entry is created relative to a
// directory handle resolved inside the root, and the last path component
// is never followed, so neither "../" names, absolute names, nor symlinks
// planted by earlier entries or layers can make a later entry write
// outside the root; a whiteout is resolved the same way and never
// removes through a symlink. A bundle is made in full or not at all: on
// error, whatever this run created is removed.
package bundle

// Package imagetest builds container images for tests: layer tars made
// of described entries (files, directories, symlinks, hard links,
// whiteouts, opaque markers, devices, fifos, xattrs, ownership, modes and
// times), compressed with gzip, zstd or not at all, written as an OCI
// image layout, an oci-archive or a docker-archive. It also models the
// tree that applying those layers must give (ExpectOf) and compares an
// unpacked root filesystem with it file by file (CheckTree).
//
// It is a normal package, not a _test file, so that the tests of several
// packages (the layer applier, the image reader, the command, the
// benchmark) build their images the same way. Nothing outside tests
// should import it.
package imagetest

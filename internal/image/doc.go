// Package image reads container images from disk: an OCI image layout
// directory, an oci-archive (a tar of such a layout) and a docker-archive
// (what `docker save` and `podman save` write).
//
// Open resolves a Source to one image for a platform: its manifest digest,
// its configuration and its layers in order. The files are untrusted:
// every blob the package hands out (index, manifest, configuration, layer)
// has its size and sha256 digest checked against what refers to it before
// any of its content is used. Archives are not extracted: an index of the
// tar members' offsets gives random access to the blobs inside the file.
package image

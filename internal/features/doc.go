// Package features computes this runtime's features document, the
// runtime-spec's answer to "what does this runtime support?" (features.md),
// from the packages that implement each feature rather than from a list of
// intentions: the mount options are those package rootfs parses, the
// capabilities those package caps names up to the running kernel's last
// one, the seccomp names those package seccomp compiles and the flags
// this kernel accepts, the namespaces those the runtime creates and this
// kernel has. `oci-runtime features` and `oci-spec features` print the
// same document (Write).
//
// The document's enabled flags say what the runtime has code for; what
// this machine lacks (an LSM, resctrl, NUMA nodes, a kernel's memory
// policy mode) is probed by ProbeHost and carried in the document's
// io.github.ocikit.host.* annotations. potentiallyUnsafeConfigAnnotations
// lists the annotations the runtime acts on (org.ocikit.).
//
// Unsupported checks a spec against a document: it names every field this
// runtime or this host cannot honour, which oci-create refuses (an
// error), and the few it runs without (a warning: other platforms'
// fields, the deprecated kernel memory limits), for `oci-spec validate
// --features` and for oci-create itself.
package features

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
// Unsupported checks a spec against a document: it names every field this
// runtime would ignore (a warning) or refuse at create (an error), for
// `oci-spec validate --features`.
package features

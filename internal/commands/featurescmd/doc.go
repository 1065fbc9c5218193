// Package featurescmd holds the features command of oci-runtime (runc
// features), which reports what the root filesystem, seccomp, capability
// and hook code support. It is apart from package commands so that only
// oci-runtime links those packages for it.
package featurescmd

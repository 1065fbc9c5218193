// Package featurescmd holds the features command of oci-runtime (runc
// features), which prints the document package features computes from
// what the root filesystem, seccomp, capability and hook code support. It
// is apart from package commands so that the lifecycle tools do not link
// those packages for it.
package featurescmd

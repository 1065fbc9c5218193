// Package libseccomp compiles a seccomp.Profile into a filter program with
// libseccomp (cgo): it resolves system call names for every architecture of
// the profile, adds the rules, exports the BPF, and hands it to
// seccomp.Profile.Finish for the ENOSYS stub and the checks.
//
// It links libseccomp, statically in the tools that carry the container
// init; only package containerinit imports it, so that the tools built
// with CGO_ENABLED=0 stay free of cgo.
package libseccomp

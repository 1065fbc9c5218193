// Package statecmd holds the commands that only read the state store:
// State (oci-state, runc state) and List (runc list).
//
// They are apart from package commands so that oci-state links the state
// store and nothing of the container machinery (cgroups and the eBPF
// library, hooks, the terminal code), and starts as fast as a small Go
// program can.
package statecmd

// Package criu drives the CRIU binary (Checkpoint/Restore In Userspace)
// for oci-checkpoint and oci-restore: finding it, checking that it works
// on this kernel, building its dump and restore command lines, running it
// with its log kept, and the standard-stream descriptors a checkpoint
// records so a restore can reconnect them.
//
// ocikit talks to criu through its command line, not its RPC service: the
// command line is what Debian's criu package documents, and it needs no
// protobuf dependency. criu's own reason for a failure is the first
// "Error" line of its log, which is what the errors here carry.
package criu

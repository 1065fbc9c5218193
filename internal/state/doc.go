// Package state is the on-disk state store shared by every tool: one
// folder per container under the state root, named by the container's ID.
//
// A folder is made with mkdir, so of two concurrent creates of one ID only
// one can win; every operation that changes a container holds an exclusive
// flock on its folder; state.json is replaced atomically (temp file and
// rename), so readers need no lock. The init's pid is stored with its start
// time from /proc/PID/stat, so a reused pid is never taken for the
// container. Status is derived, never trusted from the file.
package state

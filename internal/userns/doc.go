// Package userns gives containers that ask for an automatic user
// namespace (annotation org.ocikit.userns=auto) a block of host ids of
// their own, taken from the sub-uid and sub-gid ranges that /etc/subuid and
// /etc/subgid give a dedicated user (ocikit unless the annotation names
// another).
//
// The allocation is recorded in the container's state folder, as a file
// named userns written while the state root's userns.lock is held, so the
// folder itself is the record: two containers of one state root never get
// overlapping blocks, and removing the folder on delete releases the block
// with nothing more to undo. A create that dies half-way leaves its folder,
// and so keeps its block, until oci-delete --force removes both.
package userns

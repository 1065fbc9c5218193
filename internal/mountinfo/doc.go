// Package mountinfo parses /proc/PID/mountinfo (proc_pid_mountinfo(5)),
// the one table of a mount namespace that names each mount's type, source,
// root within its file system and propagation.
//
// A line reads
//
//	36 35 98:0 /mnt1 /mnt2 rw,noatime shared:1 master:2 - ext3 /dev/root rw,errors=continue
//
// that is: mount ID, parent ID, major:minor, root, mount point, per-mount
// options, zero or more optional fields (shared:N, master:N,
// propagate_from:N, unbindable), a lone "-", then the file system type,
// the source and the superblock options. The kernel separates fields with
// exactly one space and escapes space, tab, newline and backslash in
// paths as \040, \011, \012 and \134, so a path never holds a separator
// and a source may be empty (two spaces in a row). Parse splits on single
// spaces for that reason, looks for the "-" only from the seventh field on
// (the six fixed fields come first whatever they hold), and undoes the
// escapes in Root, Mountpoint and Source.
//
// Parse rejects a malformed line with an error naming its line number;
// ParseLenient skips such lines, for callers that only look for some
// mounts and would rather see the others than none.
package mountinfo

// Package subid reads the subordinate ID files, /etc/subuid and
// /etc/subgid (subuid(5), subgid(5)), which grant an ordinary user ranges
// of host IDs it may map into a user namespace through newuidmap and
// newgidmap, and which name the pool a root runtime hands out `--userns
// auto` ranges from.
//
// Each line is NAME_OR_UID:START:COUNT. Lookup returns the ranges of one
// user, matched by name or by its decimal uid as shadow's tools match
// them, in the file's order. Blank lines and lines starting with '#' are
// skipped; any other line that is not three fields, or whose range goes
// past the last 32-bit ID, is an error naming file:line, because a range
// silently dropped would give a container fewer IDs than the admin
// granted, and one wrapped around would map IDs nobody granted.
package subid

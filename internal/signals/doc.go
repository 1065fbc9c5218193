// Package signals parses signal names and numbers the way kill(1) and runc
// accept them, and signals and waits for processes through pidfds, so a
// process is never confused with a later one that reused its pid and no
// one sleep-polls for an exit.
package signals

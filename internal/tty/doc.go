// Package tty handles terminals: creating the container's pseudo-terminal
// (NewPty, through TIOCGPTPEER so no /dev/pts path is resolved), passing its
// master over a console socket (SendConsole, RecvConsole, DialConsole: one
// SCM_RIGHTS message whose data is the master's name, as runc sends, so
// recvtty-style tools and containerd interoperate), window sizes (SetSize,
// GetSize, ApplyConsoleSize for process.consoleSize), and on the caller's
// side the raw-mode proxy that oci-run uses to give a user a real terminal
// (Attach: raw mode, window size forwarded on SIGWINCH, end of a non-terminal
// input turned into the terminal's EOF character).
package tty

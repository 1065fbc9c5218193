// Package tty handles terminals: creating the container's pseudo-terminal,
// passing its master over a console socket (SCM_RIGHTS, as runc does), and
// on the caller's side the raw-mode proxy that oci-run uses to give a user a
// real terminal (window size and signals forwarded).
package tty

// Package integration runs real busybox containers through the built ocikit
// tools (oci-create, oci-start, oci-state, oci-kill, oci-delete, oci-run) and
// checks, from inside the containers and from the host, that they behave as
// the OCI runtime specification and the manual pages say.
//
// The tests need root and /bin/busybox (Debian's busybox-static); they skip
// with a message otherwise. They use the tools in $OCIKIT_BIN when it is set
// (as `make test` does) and otherwise build them into a temporary directory,
// so `go test ./tests/integration/` works on its own.
//
// Every test has its own state directory and bundle under t.TempDir() and
// container IDs of its own, and ends with assertClean: no state folder, no
// cgroup, no mount in the host's mount namespace and no process of its
// containers is left. The 200-iteration loops are skipped with -short.
package integration

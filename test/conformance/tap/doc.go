// Package tap reads the Test Anything Protocol output of the OCI
// runtime-tools validation programs.
//
// The programs print TAP version 13 through github.com/mndrix/tap-go:
// test points ("ok 3 - description", "not ok 4 # SKIP reason"), a plan
// ("1..N", first or last), "# comment" lines and YAML diagnostic blocks
// indented by two spaces between "---" and "...". Some programs print more
// than one TAP document (one per sub-suite, each with its own version line
// and plan), and some report a failure only as a diagnostic block with no
// test point at all, so Parse keeps every plan and separates diagnostics
// that follow a test point from those that stand alone.
//
// Only lines starting in column 0 are protocol lines: the validation
// programs embed the TAP of the runtimetest program, which runs inside the
// container, in indented diagnostic blocks, and its "not ok" lines must not
// be counted as the outer program's.
package tap

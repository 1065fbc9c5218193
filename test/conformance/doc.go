// Command conformance runs the OCI runtime-tools validation suite against
// a runtime with a runc-compatible command line and reports the results.
//
// Usage:
//
//	conformance -runtime RUNTIME -bin DIR -rootfs ARCHIVE -out DIR [-expected FILE] [-run REGEXP] [-timeout D] [-budget D]
//	conformance -markdown results-a.json results-b.json ...
//
// The first form runs every validation program in -bin (built from
// github.com/opencontainers/runtime-tools/validation by mk/conformance.mk)
// one after the other, each with a timeout and cleaned up after, prints a
// table of the outcomes with totals, and writes results-<runtime>.json and
// each program's TAP and standard error (logs-<runtime>/) into -out. It
// exits 1 when a program named in the -expected file did not pass, and 2
// when the run could not be made. It needs root.
//
// The second form prints a Markdown table comparing earlier runs, as in
// docs/conformance.md.
package main

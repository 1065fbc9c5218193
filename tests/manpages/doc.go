// Package manpages holds tests that keep the manual pages in man/ true to
// the tools they describe: every tool under cmd/ has a page, the options a
// page's OPTIONS section lists are exactly the options the tool's --help
// shows (its subcommands' included), short forms agree, pages render with
// go-md2man, and references to ocikit pages name pages that exist.
//
// The tests build each tool with the go command, or take the binaries from
// $OCIKIT_BIN when it is set (as `make test` does), and run it with --help;
// --help is answered before any container work, so they need no root.
package manpages

// Package cli holds the command-line conventions every ocikit tool shares:
// the global flags (--root, --log, --log-format, --debug, --version), the
// exit statuses (0 success, 1 failure, 2 usage error), the one-line error
// format, and reading container IDs from arguments or from stdin so tools
// chain in pipelines.
//
// A tool's main is one call to Main; the command's Run method receives an
// *Env holding its streams and logger, so tests drive a tool without a
// process and nothing is global.
package cli

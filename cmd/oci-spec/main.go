// Command oci-spec writes a default OCI runtime configuration (config.json)
// and reads or edits its values by path.
package main

import (
	"os"

	"github.com/ocikit/ocikit/internal/cli"
	"github.com/ocikit/ocikit/internal/commands/speccmd"
)

type command struct {
	cli.Globals
	speccmd.Bundle

	Generate speccmd.Generate `cmd:"" default:"withargs" help:"Write the default config.json (the command run when none is named)."`
	Get      speccmd.Get      `cmd:"" help:"Print the value at PATH: strings bare, other values as JSON."`
	Set      speccmd.Set      `cmd:"" help:"Set PATH to VALUE; several pairs may follow."`
	Delete   speccmd.Delete   `cmd:"" help:"Remove the value at each PATH."`
	Append   speccmd.Append   `cmd:"" help:"Add VALUE to the end of the array at PATH."`
	Merge    speccmd.Merge    `cmd:"" help:"Merge a JSON object into the config (RFC 7386 merge patch)."`
	Validate speccmd.Validate `cmd:"" help:"Check the config against the runtime-spec and this runtime's rules: one line per problem, exit 1 on errors."`
	Args     speccmd.Args     `cmd:"" help:"Set the program the container runs (process.args)."`
	Edit     speccmd.Modify   `cmd:"" help:"Make common edits by meaning: env, cwd, user, terminal, hostname, mounts, namespaces, capabilities, rlimits, sysctls, annotations, limits, rootless."`

	Features speccmd.Features `cmd:"" help:"Print what this runtime supports (the runtime-spec features document)."`
}

func main() {
	var cmd command
	os.Exit(cli.Main("oci-spec", "Write or edit an OCI runtime configuration (config.json).", &cmd, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

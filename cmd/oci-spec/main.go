// Command oci-spec writes a default OCI runtime configuration (config.json)
// and reads or edits its values by path.
package main

import (
	"os"

	"github.com/ocikit/ocikit/internal/cerr"
	"github.com/ocikit/ocikit/internal/cli"
	"github.com/ocikit/ocikit/internal/commands/speccmd"
	"github.com/ocikit/ocikit/internal/spec"
	"github.com/ocikit/ocikit/internal/spec/specedit"
)

type command struct {
	cli.Globals
	Bundle string `short:"b" help:"Bundle directory holding config.json (default: the current directory)." placeholder:"DIR"`

	Generate generateCmd `cmd:"" default:"withargs" help:"Write the default config.json (the command run when none is named)."`
	Get      getCmd      `cmd:"" help:"Print the value at PATH: strings bare, other values as JSON."`
	Set      setCmd      `cmd:"" help:"Set PATH to VALUE (JSON when valid JSON, else a string); several pairs may follow."`
	Delete   deleteCmd   `cmd:"" help:"Remove the value at PATH."`

	Features speccmd.Features `cmd:"" help:"Print what this runtime supports (the runtime-spec features document)."`
}

type generateCmd struct {
	speccmd.SpecFlags
}

func (c *generateCmd) Run(e *cli.Env, root *command) error { return c.Write(e, root.Bundle) }

type fileFlag struct {
	File string `short:"f" help:"Config file to use instead of DIR/config.json; - reads stdin (and, for edits, writes the result to stdout)." placeholder:"FILE"`
}

type getCmd struct {
	fileFlag
	Path string `arg:"" help:"Path of the value (e.g. process.args, linux.namespaces.0.type)."`
}

func (c *getCmd) Run(e *cli.Env, root *command) error {
	return specedit.GetFile(spec.ConfigPath(root.Bundle, c.File), c.Path, e.Stdin, e.Stdout)
}

type setCmd struct {
	fileFlag
	String bool     `help:"Store every VALUE as a string, even when it is valid JSON."`
	Pairs  []string `arg:"" name:"PATH VALUE" help:"Path and value; repeat for more."`
}

func (c *setCmd) Run(e *cli.Env, root *command) error {
	edit, err := specedit.SetPairs(c.Pairs, c.String)
	if err != nil {
		return &cerr.Usage{Err: err}
	}
	return specedit.EditFile(spec.ConfigPath(root.Bundle, c.File), e.Stdin, e.Stdout, edit)
}

type deleteCmd struct {
	fileFlag
	Path string `arg:"" help:"Path of the value to remove."`
}

func (c *deleteCmd) Run(e *cli.Env, root *command) error {
	return specedit.EditFile(spec.ConfigPath(root.Bundle, c.File), e.Stdin, e.Stdout, func(doc []byte) ([]byte, error) {
		return specedit.Delete(doc, c.Path)
	})
}

func main() {
	var cmd command
	os.Exit(cli.Main("oci-spec", "Write or edit an OCI runtime configuration (config.json).", &cmd, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

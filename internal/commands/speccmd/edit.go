package speccmd

import (
	"fmt"
	"github.com/ocikit/ocikit/internal/commands/specgen"
	"io"
	"os"

	"github.com/ocikit/ocikit/internal/cerr"
	"github.com/ocikit/ocikit/internal/cli"
	"github.com/ocikit/ocikit/internal/spec"
	"github.com/ocikit/ocikit/internal/spec/specedit"
)

// Bundle is oci-spec's -b flag, shared by all its subcommands. The tool's
// top-level command embeds it, and kong hands its value to the Run
// methods here as a BundleDir through ProvideBundleDir, so these types
// need not know the top-level type.
type Bundle struct {
	Bundle string `short:"b" help:"Bundle directory holding config.json (default: the current directory)." placeholder:"DIR"`
}

// BundleDir is the bundle directory -b names ("" for the current one).
type BundleDir string

// ProvideBundleDir gives kong the bundle directory for Run methods that
// take a BundleDir.
func (b *Bundle) ProvideBundleDir() (BundleDir, error) { return BundleDir(b.Bundle), nil }

// Config returns the config file a command works on: file when given ("-"
// for the standard streams), else config.json in the bundle.
func (d BundleDir) Config(file string) string { return spec.ConfigPath(string(d), file) }

// Generate writes the default config.json (the command oci-spec runs when
// none is named).
type Generate struct {
	specgen.SpecFlags
}

func (c *Generate) Run(e *cli.Env, b BundleDir) error { return c.Write(e, string(b)) }

// FileFlag is the -f flag of the commands that read or edit a config.
type FileFlag struct {
	File string `short:"f" help:"Config file to use instead of DIR/config.json; - reads stdin (and, for edits, writes the result to stdout)." placeholder:"FILE"`
}

// TypeFlags say how the edits take their VALUE arguments.
type TypeFlags struct {
	JSON   bool `xor:"valuetype" help:"Take every VALUE as JSON, and fail when one is not valid JSON."`
	String bool `xor:"valuetype" help:"Store every VALUE as a string, even when it is valid JSON."`
}

func (f TypeFlags) valueType() specedit.ValueType {
	switch {
	case f.JSON:
		return specedit.TypeJSON
	case f.String:
		return specedit.TypeString
	}
	return specedit.TypeAuto
}

// Get prints the value at a path.
type Get struct {
	FileFlag
	Path string `arg:"" help:"Path of the value, in gjson syntax with its queries and modifiers (process.args, mounts.#.destination, process.env.#(%\"PATH=*\"), @pretty)."`
}

func (c *Get) Run(e *cli.Env, b BundleDir) error {
	return specedit.GetFile(b.Config(c.File), c.Path, e.Stdin, e.Stdout)
}

// Set stores values at paths.
type Set struct {
	FileFlag
	TypeFlags
	Pairs []string `arg:"" name:"PATH VALUE" help:"Path and value (JSON when valid JSON, else a string; - reads it from stdin); repeat for more."`
}

func (c *Set) Run(e *cli.Env, b BundleDir) error {
	if len(c.Pairs)%2 != 0 {
		return cerr.Usagef("set needs PATH VALUE pairs, got %d arguments", len(c.Pairs))
	}
	values := make([]string, len(c.Pairs)/2)
	for i := range values {
		values[i] = c.Pairs[2*i+1]
	}
	if err := specedit.ReadStdinArg(values, c.File == "-", e.Stdin); err != nil {
		return &cerr.Usage{Err: err}
	}
	pairs := make([]string, len(c.Pairs))
	copy(pairs, c.Pairs)
	for i, v := range values {
		pairs[2*i+1] = v
	}
	edit, err := specedit.SetPairsAs(pairs, c.valueType())
	if err != nil {
		return &cerr.Usage{Err: err}
	}
	return specedit.EditFile(b.Config(c.File), e.Stdin, e.Stdout, edit)
}

// Delete removes the values at paths.
type Delete struct {
	FileFlag
	Paths []string `arg:"" name:"PATH" help:"Path of a value to remove; every one must exist."`
}

func (c *Delete) Run(e *cli.Env, b BundleDir) error {
	return specedit.EditFile(b.Config(c.File), e.Stdin, e.Stdout, specedit.DeletePaths(c.Paths))
}

// Append adds a value to the end of an array.
type Append struct {
	FileFlag
	TypeFlags
	Path  string `arg:"" help:"Path of the array (made when missing)."`
	Value string `arg:"" help:"Value to add (JSON when valid JSON, else a string; - reads it from stdin)."`
}

func (c *Append) Run(e *cli.Env, b BundleDir) error {
	v := []string{c.Value}
	if err := specedit.ReadStdinArg(v, c.File == "-", e.Stdin); err != nil {
		return &cerr.Usage{Err: err}
	}
	raw, err := specedit.RawValue(v[0], c.valueType())
	if err != nil {
		return &cerr.Usage{Err: fmt.Errorf("append %q: %w", c.Path, err)}
	}
	return specedit.EditFile(b.Config(c.File), e.Stdin, e.Stdout, func(doc []byte) ([]byte, error) {
		return specedit.AppendRaw(doc, c.Path, []byte(raw))
	})
}

// Merge applies a JSON merge patch (RFC 7386).
type Merge struct {
	FileFlag
	Patch string `arg:"" optional:"" default:"-" help:"File holding the JSON object to merge (null deletes a member, objects merge, anything else replaces); - or none reads stdin." placeholder:"FILE"`
}

func (c *Merge) Run(e *cli.Env, b BundleDir) error {
	patch, err := readPatch(c.Patch, c.File == "-", e.Stdin)
	if err != nil {
		return err
	}
	return specedit.EditFile(b.Config(c.File), e.Stdin, e.Stdout, func(doc []byte) ([]byte, error) {
		return specedit.Merge(doc, patch)
	})
}

func readPatch(file string, configFromStdin bool, stdin io.Reader) ([]byte, error) {
	if file != "-" {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("merge patch %q: %w", file, err)
		}
		return data, nil
	}
	if configFromStdin {
		return nil, cerr.Usagef("stdin can be read once: give the patch or the config (-f) as a file")
	}
	data, err := io.ReadAll(stdin)
	if err != nil {
		return nil, fmt.Errorf("merge patch from stdin: %w", err)
	}
	return data, nil
}

package main

import (
	"reflect"
	"strings"

	"github.com/alecthomas/kong"

	"github.com/ocikit/ocikit/internal/cli"
)

// parser returns what cli.Main parses args into. An engine runs
// oci-runtime once per operation, and kong builds the model of every
// subcommand it is given, by reflection, before it parses: for the eleven
// here that is a fifth of a `state` call. So when args plainly name one
// subcommand, only that one is built, as a dynamic command under the
// global flags, and it is the same value, with the same tags, as in the
// whole command line. Anything else (no subcommand, an unknown one, a
// request for help or the version, "--" before the subcommand) gets the
// whole command line, so help and errors about the subcommands are the
// same as ever.
func parser(args []string) (cli.Command, []kong.Option) {
	all := &cmd{}
	name := subcommand(args)
	if name == "" {
		return all, nil
	}
	v := reflect.ValueOf(all).Elem()
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if _, isCmd := f.Tag.Lookup("cmd"); !isCmd || strings.ToLower(f.Name) != name {
			continue
		}
		lean := &all.globals
		return lean, []kong.Option{kong.DynamicCommand(name, f.Tag.Get("help"), "", v.Field(i).Addr().Interface())}
	}
	return all, nil
}

// subcommand returns the subcommand args name, or "" when the whole
// command line must be built: args ask for help or the version anywhere,
// or hold "--" or nothing but flags before the subcommand.
func subcommand(args []string) string {
	name := ""
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-h" || a == "--help" || a == "--version" || a == "help":
			return ""
		case name != "":
		case a == "--":
			return ""
		case strings.HasPrefix(a, "-"):
			flag, _, hasValue := strings.Cut(a, "=")
			if valueGlobals[flag] && !hasValue {
				i++
			}
		default:
			name = a
		}
	}
	return name
}

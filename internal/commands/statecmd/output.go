package statecmd

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/ocikit/ocikit/internal/cli"
	"github.com/ocikit/ocikit/internal/state"
)

// OpenStore returns the state store the global flags name. (It is not in
// package cli, so that the tools without containers, oci-spec and
// oci-bundle, do not link the state store.)
func OpenStore(e *cli.Env) (*state.Store, error) {
	root, err := e.Globals.StateRoot()
	if err != nil {
		return nil, err
	}
	return &state.Store{Root: root}, nil
}

// printTable writes container states as a table for people.
func printTable(w io.Writer, views []state.View) {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tPID\tSTATUS\tBUNDLE\tCREATED")
	for _, v := range views {
		created := ""
		if v.Created != nil {
			created = v.Created.Local().Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\n", v.ID, v.Pid, v.Status, v.Bundle, created)
	}
	tw.Flush()
}

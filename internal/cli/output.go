package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/ocikit/ocikit/internal/state"
)

// Store opens the state store the global flags name.
func (e *Env) Store() (*state.Store, error) {
	root, err := e.Globals.StateRoot()
	if err != nil {
		return nil, err
	}
	return &state.Store{Root: root}, nil
}

// PrintJSON writes v as one line of JSON, the form every tool's output
// takes so the next tool in a pipeline can read it.
func PrintJSON(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// PrintStateTable writes container states as a table for people.
func PrintStateTable(w io.Writer, views []state.View) {
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

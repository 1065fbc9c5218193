package statecmd

import (
	"encoding/json"
	"fmt"

	"github.com/ocikit/ocikit/internal/cerr"
	"github.com/ocikit/ocikit/internal/cli"
	"github.com/ocikit/ocikit/internal/state"
)

// State prints the state of containers.
type State struct {
	Format string   `help:"Output format: json (one line per container) or table." enum:"json,table" default:"json"`
	IDs    []string `arg:"" optional:"" name:"id" help:"Container IDs; none lists every container."`
}

func (c *State) Run(e *cli.Env) error {
	store, err := OpenStore(e)
	if err != nil {
		return err
	}
	if e.Runc {
		// runc state: one container, one indented object.
		if len(c.IDs) != 1 {
			return cli.Usagef("state takes exactly one container ID")
		}
		v, err := view(store, c.IDs[0])
		if err != nil {
			return err
		}
		b, _ := json.MarshalIndent(v, "", "  ")
		_, err = fmt.Fprintf(e.Stdout, "%s\n", b)
		return err
	}
	var views []state.View
	var errs error
	if len(c.IDs) == 0 {
		if views, err = store.Views(); err != nil {
			return err
		}
	} else {
		errs = cli.EachID(c.IDs, e.Stdin, func(id string) error {
			v, err := view(store, id)
			if err == nil {
				views = append(views, v)
			}
			return err
		})
	}
	if c.Format == "table" {
		printTable(e.Stdout, views)
		return errs
	}
	for _, v := range views {
		if err := cli.PrintJSON(e.Stdout, v); err != nil {
			return err
		}
	}
	return errs
}

// view returns the state of one container.
func view(store *state.Store, id string) (state.View, error) {
	rec, err := store.Read(id)
	if err != nil {
		return state.View{}, cerr.E(id, "state", "", err)
	}
	return rec.View(), nil
}

// List lists every container, as runc list does.
type List struct {
	Format string `short:"f" help:"Output format: table or json (one array)." enum:"table,json" default:"table"`
	Quiet  bool   `short:"q" help:"Print only the container IDs."`
}

func (c *List) Run(e *cli.Env) error {
	store, err := OpenStore(e)
	if err != nil {
		return err
	}
	views, err := store.Views()
	if err != nil {
		return err
	}
	switch {
	case c.Quiet:
		for _, v := range views {
			fmt.Fprintln(e.Stdout, v.ID)
		}
	case c.Format == "json":
		b, _ := json.Marshal(views)
		fmt.Fprintf(e.Stdout, "%s\n", b)
	default:
		printTable(e.Stdout, views)
	}
	return nil
}

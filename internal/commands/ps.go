package commands

import (
	"encoding/json"
	"fmt"
	"github.com/ocikit/ocikit/internal/commands/statecmd"
	"strings"
	"text/tabwriter"

	"github.com/ocikit/ocikit/internal/cli"
	"github.com/ocikit/ocikit/internal/container"
)

// Ps lists the processes of containers.
type Ps struct {
	Format string   `short:"f" help:"Output format: json or table; the toolkit's json is one line per process, runc's one array of pids." enum:"json,table" default:"json"`
	IDs    []string `arg:"" optional:"" name:"id" help:"Container IDs; none or - reads them from stdin, one per line, bare or as JSON with an \"id\" field."`
}

type psLine struct {
	ID string `json:"id"`
	container.Proc
}

func (c *Ps) Run(e *cli.Env) error {
	store, err := statecmd.OpenStore(e)
	if err != nil {
		return err
	}
	if e.Runc && len(c.IDs) < 1 {
		return cli.Usagef("ps takes a container ID")
	}
	if e.Runc && len(c.IDs) > 1 {
		// runc ps takes one ID (and options for ps(1), which are not
		// offered: the listing is ocikit's own).
		return cli.Usagef("ps takes one container ID")
	}
	tw := tabwriter.NewWriter(e.Stdout, 0, 8, 2, ' ', 0)
	defer tw.Flush()
	if c.Format == "table" {
		fmt.Fprintln(tw, "PID\tCOMM\tARGS")
	}
	return cli.EachID(c.IDs, e.Stdin, func(id string) error {
		procs, err := container.Ps(store, id)
		if err != nil {
			return err
		}
		switch {
		case c.Format == "table":
			for _, p := range procs {
				fmt.Fprintf(tw, "%d\t%s\t%s\n", p.Pid, p.Comm, strings.Join(p.Args, " "))
			}
		case e.Runc:
			pids := make([]int, 0, len(procs))
			for _, p := range procs {
				pids = append(pids, p.Pid)
			}
			b, _ := json.Marshal(pids)
			fmt.Fprintf(e.Stdout, "%s\n", b)
		default:
			for _, p := range procs {
				if err := cli.PrintJSON(e.Stdout, psLine{ID: id, Proc: p}); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

package commands

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/ocikit/ocikit/internal/cgroups"
	"github.com/ocikit/ocikit/internal/cli"
	"github.com/ocikit/ocikit/internal/commands/statecmd"
	"github.com/ocikit/ocikit/internal/container"
)

// Stats prints a container's resource usage, once or as a stream.
type Stats struct {
	Interval time.Duration `help:"Print one line every interval (a Go duration such as 1s or 500ms) until the container stops or the tool is interrupted; without it, print once."`
	ID       string        `arg:"" name:"id" help:"Container ID."`
}

func (c *Stats) Run(e *cli.Env) error {
	if c.Interval < 0 {
		return cli.Usagef("--interval must not be negative")
	}
	emit := func(s *cgroups.Stats) error { return cli.PrintJSON(e.Stdout, s) }
	return streamStats(e, c.ID, c.Interval, emit)
}

// Events is runc's events subcommand: usage wrapped in runc's envelope,
// one line per interval, or one line with --stats. runc's other events
// (oom) are not reported.
type Events struct {
	Interval time.Duration `default:"5s" help:"Interval between lines (a Go duration)."`
	Stats    bool          `help:"Print the usage once and exit."`
	ID       string        `arg:"" name:"id" help:"Container ID."`
}

// event is runc's envelope of an events line.
type event struct {
	Type string         `json:"type"`
	ID   string         `json:"id"`
	Data *cgroups.Stats `json:"data"`
}

func (c *Events) Run(e *cli.Env) error {
	if c.Interval <= 0 {
		return cli.Usagef("--interval must be positive")
	}
	emit := func(s *cgroups.Stats) error {
		return cli.PrintJSON(e.Stdout, event{Type: "stats", ID: c.ID, Data: s})
	}
	interval := c.Interval
	if c.Stats {
		interval = 0
	}
	return streamStats(e, c.ID, interval, emit)
}

// streamStats prints once when interval is 0, else streams until the
// container stops or SIGINT/SIGTERM arrives, which end the stream with
// success: stopping a watch is the normal way to finish it.
func streamStats(e *cli.Env, id string, interval time.Duration, emit func(*cgroups.Stats) error) error {
	store, err := statecmd.OpenStore(e)
	if err != nil {
		return err
	}
	if interval == 0 {
		s, err := container.Stats(store, id)
		if err != nil {
			return err
		}
		return emit(s)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return container.StreamStats(ctx, store, id, interval, emit)
}

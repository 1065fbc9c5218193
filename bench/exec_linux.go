package main

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"
)

// Sample is what one command cost: wall time from fork to reaping, the
// CPU time of the command and of the children it reaped, and (through
// the helper only) its peak RSS.
type Sample struct {
	Wall   time.Duration
	CPU    time.Duration // user + system
	MaxRSS int64         // KiB; 0 unless measured through the helper
	Pid    int           // the command's process id, to find it in a trace
}

// cmdTimeout bounds any one runtime command: a wedged runtime must not
// hang the whole benchmark, and its container is cleaned up afterwards.
const cmdTimeout = 60 * time.Second

// Runner starts commands through the reaper with /dev/null as stdin and
// a scratch file of its own as stdout and stderr. Files rather than pipes
// keep the program from copying output while a command runs, which would
// add work to the timed window. A Runner is not safe for concurrent use:
// each worker of the throughput phase has its own.
type Runner struct {
	reaper *Reaper
	env    []string
	helper string // the rusage helper (bench/rusage)
	null   *os.File
	output *os.File
}

// NewRunner makes a runner whose scratch output file is path.
func NewRunner(reaper *Reaper, env []string, helper, path string) (*Runner, error) {
	null, err := os.Open(os.DevNull)
	if err != nil {
		return nil, fmt.Errorf("open %q: %w", os.DevNull, err)
	}
	out, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		null.Close()
		return nil, fmt.Errorf("open %q: %w", path, err)
	}
	return &Runner{reaper: reaper, env: env, helper: helper, null: null, output: out}, nil
}

// Close releases the runner's files.
func (r *Runner) Close() error {
	return errors.Join(r.null.Close(), r.output.Close())
}

// Output is what the last command wrote, trimmed.
func (r *Runner) Output() string {
	b, err := os.ReadFile(r.output.Name())
	if err != nil {
		return fmt.Sprintf("(output unreadable: %v)", err)
	}
	return strings.TrimSpace(string(b))
}

// Run runs argv and times it, from just before the fork to the reaping.
// A non-zero exit is an error carrying the command's output; a command
// that outlives cmdTimeout is killed with its process group.
func (r *Runner) Run(argv []string) (Sample, error) {
	if err := r.output.Truncate(0); err != nil {
		return Sample{}, fmt.Errorf("truncate %q: %w", r.output.Name(), err)
	}
	if _, err := r.output.Seek(0, 0); err != nil {
		return Sample{}, fmt.Errorf("rewind %q: %w", r.output.Name(), err)
	}
	start := time.Now()
	c, err := r.reaper.Start(argv, r.env, []*os.File{r.null, r.output, r.output})
	if err != nil {
		return Sample{}, err
	}
	var e Exit
	select {
	case e = <-c.exit:
	case <-time.After(cmdTimeout):
		_ = syscall.Kill(-c.Pid, syscall.SIGKILL)
		e = c.Wait()
		return Sample{}, fmt.Errorf("%s: killed after %v: %s", strings.Join(argv, " "), cmdTimeout, r.Output())
	}
	wall := time.Since(start)
	if !e.Status.Exited() || e.Status.ExitStatus() != 0 {
		return Sample{}, fmt.Errorf("%s: %s: %s", strings.Join(argv, " "), describeStatus(e.Status), r.Output())
	}
	return Sample{
		Wall: wall,
		CPU:  time.Duration(e.Rusage.Utime.Nano() + e.Rusage.Stime.Nano()),
		Pid:  c.Pid,
	}, nil
}

func describeStatus(ws syscall.WaitStatus) string {
	if ws.Signaled() {
		return "killed by " + ws.Signal().String()
	}
	return fmt.Sprintf("exit status %d", ws.ExitStatus())
}

// RunRusage runs argv through the rusage helper and returns its peak RSS
// and CPU time as the helper's wait4 saw them. The wall time includes
// the helper's own start and is not reported.
func (r *Runner) RunRusage(argv []string) (Sample, error) {
	s, err := r.Run(append([]string{r.helper}, argv...))
	if err != nil {
		return Sample{}, err
	}
	ru, err := parseHelperReport(r.Output())
	if err != nil {
		return Sample{}, fmt.Errorf("%s: %w", strings.Join(argv, " "), err)
	}
	ru.Wall = s.Wall
	return ru, nil
}

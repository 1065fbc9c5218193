package commands

import (
	"fmt"
	"github.com/ocikit/ocikit/internal/commands/statecmd"
	"io"
	"os"

	"github.com/ocikit/ocikit/internal/cerr"
	"github.com/ocikit/ocikit/internal/cli"
	"github.com/ocikit/ocikit/internal/container"
)

// Exec runs a new process in a running container.
type Exec struct {
	Process        string   `short:"p" help:"Run the process described in FILE (config.json's process object) instead of the container's own with changes; - reads it from stdin." placeholder:"FILE"`
	Tty            bool     `short:"t" help:"Give the process a pseudo-terminal."`
	Detach         bool     `short:"d" help:"Start the process and return, printing {\"id\":…,\"pid\":…}."`
	PidFile        string   `help:"Write the process's pid to FILE." placeholder:"FILE"`
	ConsoleSocket  string   `help:"Send the pty master to the unix socket at PATH (with --tty)." placeholder:"PATH"`
	PreserveFDs    int      `name:"preserve-fds" help:"Pass N file descriptors from 3 up to the process." placeholder:"N"`
	Env            []string `short:"e" sep:"none" help:"Set an environment variable (repeatable; the value may hold commas)." placeholder:"K=V"`
	Cwd            string   `help:"Working directory of the process." placeholder:"DIR"`
	User           string   `short:"u" help:"Run as UID (and GID)." placeholder:"UID[:GID]"`
	AdditionalGids []uint32 `short:"g" name:"additional-gids" help:"Additional group IDs (repeatable, or comma-separated)." placeholder:"GID"`
	Cap            []string `short:"c" help:"Add a capability to the bounding, effective and permitted sets (repeatable)." placeholder:"CAP"`
	NoNewPrivs     bool     `help:"Set no_new_privs for the process."`
	ID             string   `arg:"" help:"Container ID."`
	Command        []string `arg:"" optional:"" passthrough:"" help:"The command and its arguments (after --)."`
}

func (c *Exec) Run(e *cli.Env) error {
	store, err := statecmd.OpenStore(e)
	if err != nil {
		return err
	}
	if len(c.Command) > 0 && c.Command[0] == "--" {
		c.Command = c.Command[1:]
	}
	var procJSON []byte
	if c.Process != "" {
		if len(c.Command) > 0 {
			return cli.Usagef("--process and a command cannot both be given")
		}
		if procJSON, err = readFileOrStdin(c.Process, e.Stdin); err != nil {
			return err
		}
	} else if len(c.Command) == 0 {
		return cli.Usagef("no command given (exec ID -- CMD ARGS…, or --process FILE)")
	}
	s, err := container.LoadSpec(store, c.ID)
	if err != nil {
		return cerr.E(c.ID, "exec", "", err)
	}
	p, err := container.ExecProcess(s.Process, procJSON, container.ExecOverrides{
		Args: c.Command, Env: c.Env, Cwd: c.Cwd, User: c.User, AdditionalGids: c.AdditionalGids,
		Caps: c.Cap, NoNewPrivs: c.NoNewPrivs, Terminal: c.Tty,
	})
	if err != nil {
		return cli.Usagef("%v", err)
	}
	stdout := os.Stdout
	if c.Detach && !e.Runc {
		stdout = os.Stderr // our stdout carries {"id","pid"}
	}
	code, pid, err := container.Exec(&container.ExecOptions{
		Store: store, ID: c.ID, Process: p, Detach: c.Detach, PidFile: c.PidFile,
		ConsoleSocket: c.ConsoleSocket, PreserveFDs: c.PreserveFDs,
		Stdin: os.Stdin, Stdout: stdout, Stderr: os.Stderr, Log: e.Log,
	})
	if err != nil {
		return err
	}
	if c.Detach {
		if e.Runc {
			return nil
		}
		return cli.PrintJSON(e.Stdout, struct {
			ID  string `json:"id"`
			Pid int    `json:"pid"`
		}{c.ID, pid})
	}
	if code != 0 {
		return &cli.ExitError{Code: code}
	}
	return nil
}

func readFileOrStdin(name string, stdin io.Reader) ([]byte, error) {
	if name == "-" {
		b, err := io.ReadAll(stdin)
		if err != nil {
			return nil, fmt.Errorf("read process from stdin: %w", err)
		}
		return b, nil
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("read process file: %w", err)
	}
	return b, nil
}

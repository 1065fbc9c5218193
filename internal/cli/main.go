package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/alecthomas/kong"

	"github.com/ocikit/ocikit/internal/cerr"
)

// Exit statuses shared by every tool.
const (
	ExitOK      = 0
	ExitFailure = 1
	ExitUsage   = 2
)

// Env is what a command's Run method works with: its streams, its logger
// and the parsed global flags.
type Env struct {
	Tool string
	// Runc is set for the runc-compatible face (oci-runtime): commands
	// then print and take their input as runc 1.1 does.
	Runc    bool
	Stdin   io.Reader
	Stdout  io.Writer
	Stderr  io.Writer
	Log     *slog.Logger
	Globals *Globals
}

// Command is a tool's top-level flag struct. It must embed Globals.
type Command interface {
	globals() *Globals
}

// RuncFace is implemented by the top-level struct of the runc-compatible
// front.
type RuncFace interface {
	RuncFace() bool
}

type exitPanic int

// Main parses args into cmd, runs the selected command's Run(*Env) method
// and reports any error on stderr. It returns the exit status. opts are
// added to the parser's options (oci-runtime adds the one subcommand it
// builds as a kong.DynamicCommand).
func Main(tool, description string, cmd Command, args []string, stdin io.Reader, stdout, stderr io.Writer, opts ...kong.Option) (code int) {
	defer func() {
		if r := recover(); r != nil {
			if c, ok := r.(exitPanic); ok {
				code = int(c)
				return
			}
			panic(r)
		}
	}()
	parser, err := kong.New(cmd, append([]kong.Option{
		kong.Name(tool),
		kong.Description(description),
		kong.Vars{"version": tool + " (ocikit) " + Version},
		kong.Writers(stdout, stderr),
		kong.Exit(func(c int) { panic(exitPanic(c)) }),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true, NoExpandSubcommands: true}),
	}, opts...)...)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", tool, err)
		return ExitFailure
	}
	ctx, err := parser.Parse(args)
	g := cmd.globals()
	if err != nil {
		report(stderr, tool, g.LogFormat, &cerr.Usage{Err: err})
		fmt.Fprintf(stderr, "Try '%s --help'.\n", tool)
		return ExitUsage
	}
	logger, closeLog, err := NewLogger(tool, g, stderr)
	if err != nil {
		report(stderr, tool, g.LogFormat, err)
		return ExitFailure
	}
	defer closeLog()
	env := &Env{Tool: tool, Stdin: stdin, Stdout: stdout, Stderr: stderr, Log: logger, Globals: g}
	if f, ok := cmd.(RuncFace); ok {
		env.Runc = f.RuncFace()
	}
	if err := ctx.Run(env); err != nil {
		report(stderr, tool, g.LogFormat, err)
		if g.Log != "" {
			// Engines read the runtime's log file for the reason of a
			// failure (containerd's runc shim takes the last
			// level=error line), so the error goes there too.
			logger.Error(err.Error())
		}
		var u *cerr.Usage
		if errors.As(err, &u) {
			return ExitUsage
		}
		var x *ExitError
		if errors.As(err, &x) {
			return x.Code
		}
		return ExitFailure
	}
	return ExitOK
}

// ExitError makes a tool exit with a given status without printing more
// than its message (which may be empty): oci-run uses it to pass on the
// container's exit status.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return ""
	}
	return e.Err.Error()
}
func (e *ExitError) Unwrap() error { return e.Err }

// report writes err as one line per joined error: "tool: message", or a
// JSON object with the container, operation and path as fields.
func report(w io.Writer, tool, format string, err error) {
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else {
		errs = []error{err}
	}
	for _, e := range errs {
		if e == nil {
			continue
		}
		msg := e.Error()
		if msg == "" {
			continue
		}
		if format == "json" {
			c, op, path := cerr.Fields(e)
			rec := map[string]string{"level": "error", "tool": tool, "msg": msg}
			if c != "" {
				rec["container"] = c
			}
			if op != "" {
				rec["op"] = op
			}
			if path != "" {
				rec["path"] = path
			}
			b, _ := json.Marshal(rec)
			fmt.Fprintf(w, "%s\n", b)
			continue
		}
		fmt.Fprintf(w, "%s: %s\n", tool, strings.ReplaceAll(msg, "\n", "; "))
	}
}

// NewLogger builds the tool's logger from the global flags. Warnings and
// errors go to stderr unless --log names a file; --debug adds debug output.
func NewLogger(tool string, g *Globals, stderr io.Writer) (*slog.Logger, func(), error) {
	w := stderr
	closer := func() {}
	if g.Log != "" {
		f, err := os.OpenFile(g.Log, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
		if err != nil {
			return nil, closer, fmt.Errorf("open log %q: %w", g.Log, err)
		}
		w = f
		closer = func() { f.Close() }
	}
	level := slog.LevelWarn
	if g.Debug {
		level = slog.LevelDebug
	} else if g.Log != "" {
		level = slog.LevelInfo
	}
	// Levels are written in lower case ("error"), as runc's logrus
	// writes them: engines parse the runtime's JSON log.
	opts := &slog.HandlerOptions{Level: level, ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
		if a.Key == slog.LevelKey && len(groups) == 0 {
			return slog.String(slog.LevelKey, strings.ToLower(a.Value.String()))
		}
		return a
	}}
	var h slog.Handler
	if g.LogFormat == "json" {
		h = slog.NewJSONHandler(w, opts)
	} else {
		h = slog.NewTextHandler(w, opts)
	}
	return slog.New(h).With("tool", tool), closer, nil
}

// Usagef returns a usage error (exit status 2).
func Usagef(format string, args ...any) error { return cerr.Usagef(format, args...) }

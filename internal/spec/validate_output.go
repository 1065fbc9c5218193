package spec

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/ocikit/ocikit/internal/fsutil"
)

// CheckFile reads the config at path ("-": from stdin) and checks it
// (Check). The error is for a file that cannot be read; what is wrong in
// its text is among the problems.
func CheckFile(path string, stdin io.Reader, opts Options) (*specs.Spec, []Problem, error) {
	var (
		data []byte
		err  error
	)
	if path == "-" {
		data, err = io.ReadAll(stdin)
		if err != nil {
			return nil, nil, fmt.Errorf("config on stdin: %w", err)
		}
	} else if data, err = fsutil.ReadFile(path); err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the path is named already
		}
		return nil, nil, fmt.Errorf("config %q: %w", path, err)
	}
	s, ps := Check(data, opts)
	return s, ps, nil
}

// Output formats of WriteProblems.
const (
	FormatJSON = "json" // one Problem object per line, for programs
	FormatText = "text" // "PATH: MESSAGE (severity)" per line, for people
)

// WriteProblems writes ps to w, one line each, in format (FormatJSON or
// FormatText).
func WriteProblems(w io.Writer, ps []Problem, format string) error {
	for _, p := range ps {
		var err error
		switch format {
		case FormatText:
			path := p.Path
			if path == "" {
				path = "(document)"
			}
			_, err = fmt.Fprintf(w, "%s: %s (%s)\n", path, p.Message, p.Severity)
		case FormatJSON, "":
			var b []byte
			if b, err = json.Marshal(p); err == nil {
				_, err = fmt.Fprintf(w, "%s\n", b)
			}
		default:
			return fmt.Errorf("unknown format %q", format)
		}
		if err != nil {
			return fmt.Errorf("write problems: %w", err)
		}
	}
	return nil
}

package specedit

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/ocikit/ocikit/internal/fsutil"
)

// ReadDoc returns the raw text of the config at path, or of stdin when path
// is "-".
func ReadDoc(path string, stdin io.Reader) ([]byte, error) {
	if path == "-" {
		data, err := io.ReadAll(stdin)
		if err != nil {
			return nil, fmt.Errorf("config from stdin: %w", err)
		}
		return data, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config %q: %w", path, err)
	}
	return data, nil
}

// GetFile prints the value at path in the config at file ("-": stdin) to w,
// followed by a newline.
func GetFile(file, path string, stdin io.Reader, w io.Writer) error {
	doc, err := ReadDoc(file, stdin)
	if err != nil {
		return err
	}
	v, err := Get(doc, path)
	if err != nil {
		return wrapDocErr(file, err)
	}
	_, err = fmt.Fprintln(w, v)
	return err
}

// EditFile applies edit to the config at file and writes the result back
// atomically, keeping the file's mode. With file "-" it reads stdin and
// writes the result to stdout instead. Nothing is written unless edit
// succeeds and its result is valid JSON.
func EditFile(file string, stdin io.Reader, stdout io.Writer, edit func(doc []byte) ([]byte, error)) error {
	doc, err := ReadDoc(file, stdin)
	if err != nil {
		return err
	}
	out, err := edit(doc)
	if err != nil {
		return wrapDocErr(file, err)
	}
	if !json.Valid(out) {
		return wrapDocErr(file, errors.New("edit produced invalid JSON"))
	}
	if file == "-" {
		if len(out) > 0 && out[len(out)-1] != '\n' {
			out = append(out, '\n')
		}
		_, err := stdout.Write(out)
		return err
	}
	fi, err := os.Stat(file)
	if err != nil {
		return fmt.Errorf("config %q: %w", file, err)
	}
	// Write through the symlink, if file is one, so the link survives.
	target, err := filepath.EvalSymlinks(file)
	if err != nil {
		return fmt.Errorf("config %q: %w", file, err)
	}
	if err := fsutil.WriteFileAtomic(target, out, fi.Mode().Perm(), true); err != nil {
		return fmt.Errorf("config %q: %w", file, err)
	}
	return nil
}

// SetPairs returns an edit that sets each path/value pair in turn.
func SetPairs(pairs []string, forceString bool) (func([]byte) ([]byte, error), error) {
	if len(pairs) == 0 || len(pairs)%2 != 0 {
		return nil, fmt.Errorf("set needs PATH VALUE pairs, got %d arguments", len(pairs))
	}
	return func(doc []byte) ([]byte, error) {
		var err error
		for i := 0; i < len(pairs); i += 2 {
			if doc, err = Set(doc, pairs[i], pairs[i+1], forceString); err != nil {
				return nil, err
			}
		}
		return doc, nil
	}, nil
}

func wrapDocErr(file string, err error) error {
	if file == "-" {
		return fmt.Errorf("config from stdin: %w", err)
	}
	return fmt.Errorf("config %q: %w", file, err)
}

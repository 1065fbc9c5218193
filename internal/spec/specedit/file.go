package specedit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

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
	// A value cut out of an indented file starts at the left margin
	// but its inner lines keep their depth in the file: indent it again
	// so it prints as a whole.
	if strings.Contains(v, "\n") {
		var b bytes.Buffer
		if json.Indent(&b, []byte(v), "", "\t") == nil {
			v = b.String()
		}
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
	if err := CheckDoc(doc); err != nil {
		return wrapDocErr(file, err)
	}
	out, err := edit(doc)
	if err != nil {
		return wrapDocErr(file, err)
	}
	// Whatever the edit, only a document goes to disk: a config that is
	// not one JSON object would stop every later command on the bundle.
	if err := CheckDoc(out); err != nil {
		return wrapDocErr(file, fmt.Errorf("edit result: %w", err))
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

// SetPairs returns an edit that sets each path/value pair in turn, the
// values taken as Set takes them.
func SetPairs(pairs []string, forceString bool) (func([]byte) ([]byte, error), error) {
	t := TypeAuto
	if forceString {
		t = TypeString
	}
	return SetPairsAs(pairs, t)
}

// SetPairsAs returns an edit that sets each path/value pair in turn, the
// values taken as t says. A value that t refuses is an error before any
// file is read.
func SetPairsAs(pairs []string, t ValueType) (func([]byte) ([]byte, error), error) {
	if len(pairs) == 0 || len(pairs)%2 != 0 {
		return nil, fmt.Errorf("set needs PATH VALUE pairs, got %d arguments", len(pairs))
	}
	raws := make([][]byte, len(pairs)/2)
	for i := range raws {
		raw, err := RawValue(pairs[2*i+1], t)
		if err != nil {
			return nil, fmt.Errorf("set %q: %w", pairs[2*i], err)
		}
		raws[i] = []byte(raw)
	}
	return func(doc []byte) ([]byte, error) {
		var err error
		for i, raw := range raws {
			if doc, err = SetRaw(doc, pairs[2*i], raw); err != nil {
				return nil, err
			}
		}
		return doc, nil
	}, nil
}

// DeletePaths returns an edit that deletes each path in turn; every one
// must exist.
func DeletePaths(paths []string) func([]byte) ([]byte, error) {
	return func(doc []byte) ([]byte, error) {
		var err error
		for _, p := range paths {
			if doc, err = Delete(doc, p); err != nil {
				return nil, err
			}
		}
		return doc, nil
	}
}

// ReadStdinArg replaces the one argument among args that is "-" with the
// text of stdin, less one trailing newline (as the shell's $(...) drops
// it), so a value can come from a pipe or a file: `jq .x f | oci-spec
// set process.args -`. Stdin can be read only once, so two "-" are an
// error, and so is one when the config itself comes from stdin
// (configFromStdin).
func ReadStdinArg(args []string, configFromStdin bool, stdin io.Reader) error {
	at := -1
	for i, a := range args {
		if a != "-" {
			continue
		}
		if at >= 0 || configFromStdin {
			return errors.New("stdin can be read once: only one of the config (-f -) and the values may be -")
		}
		at = i
	}
	if at < 0 {
		return nil
	}
	data, err := io.ReadAll(stdin)
	if err != nil {
		return fmt.Errorf("value from stdin: %w", err)
	}
	s := strings.TrimSuffix(string(data), "\n")
	args[at] = strings.TrimSuffix(s, "\r")
	return nil
}

func wrapDocErr(file string, err error) error {
	if file == "-" {
		return fmt.Errorf("config from stdin: %w", err)
	}
	return fmt.Errorf("config %q: %w", file, err)
}

package cerr

import (
	"errors"
	"fmt"
	"strings"
)

// Error is an error about one container, operation and path.
// Any field may be empty; empty fields are left out of the message.
type Error struct {
	Container string // container ID
	Op        string // operation, e.g. "create", "mount", "start"
	Path      string // the file or path the operation concerns
	Err       error
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Container != "" {
		fmt.Fprintf(&b, "container %q: ", e.Container)
	}
	if e.Op != "" {
		b.WriteString(e.Op)
		if e.Path != "" {
			fmt.Fprintf(&b, " %q", e.Path)
		}
		b.WriteString(": ")
	} else if e.Path != "" {
		fmt.Fprintf(&b, "%q: ", e.Path)
	}
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	} else {
		b.WriteString("failed")
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// E wraps err with the container it concerns. If err already names a
// container it is returned unchanged, so wrapping twice is harmless.
func E(container, op, path string, err error) error {
	if err == nil {
		return nil
	}
	var ce *Error
	if errors.As(err, &ce) && ce.Container != "" {
		return err
	}
	if errors.As(err, &ce) && ce.Container == "" && op == "" && path == "" {
		c := *ce
		c.Container = container
		return &c
	}
	return &Error{Container: container, Op: op, Path: path, Err: err}
}

// Op wraps err with an operation and path but no container; the lifecycle
// layer adds the container later with E.
func Op(op, path string, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Op: op, Path: path, Err: err}
}

// Fields returns the container err names and the most specific operation
// and path in it (those of the innermost Error that has an operation), for
// structured (JSON) error output.
func Fields(err error) (container, op, path string) {
	for err != nil {
		var ce *Error
		if !errors.As(err, &ce) {
			break
		}
		if container == "" {
			container = ce.Container
		}
		if ce.Op != "" {
			op, path = ce.Op, ce.Path
		}
		err = ce.Err
	}
	return
}

// Usage marks an error as a command-line usage error (exit status 2).
type Usage struct{ Err error }

func (u *Usage) Error() string { return u.Err.Error() }
func (u *Usage) Unwrap() error { return u.Err }

// Usagef returns a usage error.
func Usagef(format string, args ...any) error {
	return &Usage{Err: fmt.Errorf(format, args...)}
}

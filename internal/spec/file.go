package spec

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/ocikit/ocikit/internal/fsutil"
	"github.com/ocikit/ocikit/internal/subid"
)

// configMode is the mode of a newly written config.json. It holds no
// secrets by convention but may name host paths, so it is not world
// writable.
const configMode = 0o644

// ConfigPath returns the config file a command works on: file when given
// ("-" meaning the standard streams), otherwise config.json in bundle (the
// current directory when bundle is empty). The path is made absolute so
// that error messages name the file unambiguously.
func ConfigPath(bundle, file string) string {
	if file == "-" {
		return file
	}
	p := file
	if p == "" {
		p = filepath.Join(bundle, "config.json")
	}
	if abs, err := filepath.Abs(p); err == nil {
		p = abs
	}
	return p
}

// DefaultOptions select the variant WriteDefault writes.
type DefaultOptions struct {
	Rootless bool   // apply ToRootless with UID and GID
	UID, GID uint32 // the user the rootless config maps to container root
	// SubUIDs and SubGIDs, with Rootless, are the user's subordinate
	// ranges: ToRootlessSubIDs maps container IDs 1 and up to them.
	SubUIDs, SubGIDs []subid.Range
	UserNS           string // apply ToUserNSAuto with this annotation value
	Force            bool   // overwrite an existing file
}

// WriteDefault writes the default config to path, or to w when path is
// "-". It refuses to replace an existing file unless opts.Force is set.
func WriteDefault(path string, opts DefaultOptions, w io.Writer) error {
	s := Default()
	switch {
	case opts.Rootless && opts.UserNS != "":
		return fmt.Errorf("--rootless and --userns contradict each other")
	case opts.Rootless && (opts.SubUIDs != nil || opts.SubGIDs != nil):
		ToRootlessSubIDs(s, opts.UID, opts.GID, opts.SubUIDs, opts.SubGIDs)
	case opts.Rootless:
		ToRootless(s, opts.UID, opts.GID)
	case opts.UserNS != "":
		if err := ToUserNSAuto(s, opts.UserNS); err != nil {
			return err
		}
	}
	data, err := Marshal(s)
	if err != nil {
		return err
	}
	if path == "-" {
		_, err := w.Write(data)
		return err
	}
	if !opts.Force {
		if _, err := os.Lstat(path); err == nil {
			return fmt.Errorf("config %q exists (use --force)", path)
		} else if !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("config %q: %w", path, err)
		}
	}
	if err := fsutil.WriteFileAtomic(path, data, configMode, true); err != nil {
		return fmt.Errorf("config %q: %w", path, err)
	}
	return nil
}

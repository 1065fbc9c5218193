package specedit

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// comp is one component of an edit path.
type comp struct {
	key     string // the component, unescaped
	index   int    // the array index it names (-1: append), when isIndex
	isIndex bool   // unescaped digits, or -1
}

// parsePath splits an edit path into its components. It rejects the
// gjson query syntax that names no single place to edit (wildcards,
// pipes, queries, modifiers, multipaths): an edit through such a path
// could only fail or, worse, touch something else than what was meant.
func parsePath(path string) ([]comp, error) {
	if path == "" {
		return nil, errors.New("empty path")
	}
	// JSON text is Unicode: a key with invalid UTF-8 could only be
	// stored mangled, and then not be found again by its path.
	if !utf8.ValidString(path) {
		return nil, fmt.Errorf("path %q: not valid UTF-8", path)
	}
	var comps []comp
	var key strings.Builder
	escaped := false
	start := true // at the start of a component
	flush := func() error {
		if start {
			return fmt.Errorf("path %q: empty component", path)
		}
		c := comp{key: key.String()}
		if !escaped {
			if n, err := strconv.Atoi(c.key); err == nil && (c.key == "-1" || allDigits(c.key)) {
				c.index, c.isIndex = n, true
			}
		}
		comps = append(comps, c)
		key.Reset()
		escaped, start = false, true
		return nil
	}
	for i := 0; i < len(path); i++ {
		c := path[i]
		switch {
		case c == '\\':
			if i++; i == len(path) {
				return nil, fmt.Errorf("path %q: ends with a backslash", path)
			}
			key.WriteByte(path[i])
			escaped, start = true, false
			continue
		case c == '.':
			if err := flush(); err != nil {
				return nil, err
			}
			continue
		case c == '*' || c == '?' || c == '|' || c == '#' ||
			(start && (c == '@' || c == '!' || c == '[' || c == '{')):
			return nil, fmt.Errorf("path %q: %q is query syntax; escape it with a backslash to use it in a key", path, c)
		}
		key.WriteByte(c)
		start = false
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return comps, nil
}

// formatPath writes comps back as a path that gjson and parsePath read
// as the same components.
func formatPath(comps []comp) string {
	var b strings.Builder
	for i, c := range comps {
		if i > 0 {
			b.WriteByte('.')
		}
		if c.isIndex {
			b.WriteString(c.key)
			continue
		}
		for j := 0; j < len(c.key); j++ {
			if strings.IndexByte(`\.*?|#@![{:=<>%~()"`, c.key[j]) >= 0 {
				b.WriteByte('\\')
			}
			b.WriteByte(c.key[j])
		}
	}
	return b.String()
}

// where names a value on the way to an edit's target, for errors.
func where(comps []comp) string {
	if len(comps) == 0 {
		return "the top level"
	}
	return strconv.Quote(formatPath(comps))
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

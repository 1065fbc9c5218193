package state

import (
	"errors"
	"fmt"
)

// MaxIDLength bounds a container ID (bytes).
const MaxIDLength = 1024

// ValidateID checks a container ID before any path is built from it: only
// [A-Za-z0-9_+.-], not starting with '.', 1 to MaxIDLength bytes. This
// excludes "/", "..", "." and the empty string, so an ID always names one
// folder directly under the state root.
func ValidateID(id string) error {
	if id == "" {
		return errors.New("invalid container ID: empty")
	}
	if len(id) > MaxIDLength {
		return fmt.Errorf("invalid container ID: longer than %d bytes", MaxIDLength)
	}
	if id[0] == '.' {
		return fmt.Errorf("invalid container ID %q: must not start with '.'", id)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '_' || c == '+' || c == '.' || c == '-':
		default:
			return fmt.Errorf("invalid container ID %q: only letters, digits and _+.- are allowed", id)
		}
	}
	return nil
}

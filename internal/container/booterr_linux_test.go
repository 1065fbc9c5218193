package container

import (
	"errors"
	"strings"
	"testing"
)

func TestExplainBootError(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"create user namespace: No space left on device", "user.max_user_namespaces"},
		{"create user namespace: Operation not permitted", "unprivileged_userns_clone"},
		{"create user namespace: Too many users", "32 levels"},
		{"create user namespace: Invalid argument", ""},
		{"join user namespace: Operation not permitted", ""},
	} {
		in := errors.New(c.in)
		got := explainBootError(in)
		if c.want == "" {
			if got != in {
				t.Errorf("%q: got %q, want it unchanged", c.in, got)
			}
			continue
		}
		if !strings.HasPrefix(got.Error(), c.in+" (") || !strings.Contains(got.Error(), c.want) {
			t.Errorf("%q: got %q, want the message and a hint naming %s", c.in, got, c.want)
		}
		if !errors.Is(got, in) {
			t.Errorf("%q: the hint lost the original error", c.in)
		}
	}
}

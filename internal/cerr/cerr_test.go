package cerr

import (
	"errors"
	"fmt"
	"testing"
)

func TestMessages(t *testing.T) {
	base := errors.New("no such file or directory")
	for _, c := range []struct {
		err  error
		want string
	}{
		{E("web", "mount", "/proc", base), `container "web": mount "/proc": no such file or directory`},
		{E("web", "start", "", base), `container "web": start: no such file or directory`},
		{E("web", "", "", Op("mount", "/sys", base)), `container "web": mount "/sys": no such file or directory`},
		{E("a", "create", "", E("b", "x", "", base)), `container "b": x: no such file or directory`},
		{Op("", "/x", base), `"/x": no such file or directory`},
	} {
		if got := c.err.Error(); got != c.want {
			t.Errorf("got %q, want %q", got, c.want)
		}
	}
	if E("x", "y", "z", nil) != nil || Op("y", "z", nil) != nil {
		t.Error("wrapping nil must give nil")
	}
}

func TestFieldsAndUnwrap(t *testing.T) {
	base := errors.New("denied")
	err := E("web", "create", "", Op("mount", "/proc", base))
	c, op, path := Fields(err)
	if c != "web" || op != "mount" || path != "/proc" {
		t.Fatalf("Fields = %q %q %q", c, op, path)
	}
	if !errors.Is(fmt.Errorf("outer: %w", err), base) {
		t.Fatal("errors.Is lost the cause")
	}
}

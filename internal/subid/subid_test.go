package subid

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func writeFile(t *testing.T, data string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "subuid")
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestLookup finds a user's ranges by name and by uid, in file order,
// past comments and blank lines.
func TestLookup(t *testing.T) {
	p := writeFile(t, "# granted by useradd\n\nocitest:100000:65536\n"+
		"alice:165536:65536\n  \n1001:300000:10\nalice:400000:1\nbob:500000:65536")
	for _, tc := range []struct {
		user string
		uid  uint32
		want []Range
	}{
		{"alice", 1001, []Range{{165536, 65536}, {300000, 10}, {400000, 1}}},
		{"ocitest", 5, []Range{{100000, 65536}}},
		{"", 1001, []Range{{300000, 10}}},
		{"bob", 7, []Range{{500000, 65536}}}, // last line without newline
	} {
		got, err := Lookup(p, tc.user, tc.uid)
		if err != nil {
			t.Fatalf("%s/%d: %v", tc.user, tc.uid, err)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s/%d: %v, want %v", tc.user, tc.uid, got, tc.want)
		}
	}
}

// TestNoEntry: a user without a line and a missing file are ErrNoEntry,
// naming the file and the user.
func TestNoEntry(t *testing.T) {
	p := writeFile(t, "alice:165536:65536\n")
	_, err := Lookup(p, "carol", 1003)
	if !errors.Is(err, ErrNoEntry) || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), `"carol" (uid 1003)`) {
		t.Errorf("no line: %v", err)
	}
	missing := filepath.Join(t.TempDir(), "none")
	_, err = Lookup(missing, "", 1003)
	if !errors.Is(err, ErrNoEntry) || !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "uid 1003") {
		t.Errorf("missing file: %v", err)
	}
}

// TestMalformed: a broken line is an error naming file:line, whoever it
// belongs to, and so is a range past the last 32-bit ID.
func TestMalformed(t *testing.T) {
	for _, tc := range []struct{ line, want string }{
		{"alice:1:2:3", "is not name:start:count"},
		{"alice:165536", "is not name:start:count"},
		{":1:2", "is not name:start:count"},
		{"alice:x:2", `start "x"`},
		{"alice:-1:2", `start "-1"`},
		{"alice:1:4294967296", `count "4294967296"`},
		{"alice:1:0", "count 0"},
		{"alice:4294967295:2", "past the last 32-bit id"},
	} {
		p := writeFile(t, "bob:1:1\n"+tc.line+"\n")
		_, err := Lookup(p, "bob", 2)
		if err == nil || !strings.Contains(err.Error(), p+":2: ") || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %s:2: ...%s", tc.line, err, p, tc.want)
		}
	}
	// The last ID itself is grantable.
	got, err := Parse(strings.NewReader("alice:4294967295:1\n"), "f", "alice", 1)
	if err != nil || !reflect.DeepEqual(got, []Range{{4294967295, 1}}) || got[0].End() != 1<<32 {
		t.Errorf("the last id: %v, %v", got, err)
	}
}

// TestHint: a missing entry says how to add one, with the user's name
// when it has one; other errors pass through unchanged.
func TestHint(t *testing.T) {
	p := writeFile(t, "alice:165536:65536\n")
	_, err := Lookup(p, "carol", 1003)
	if h := hint(err, "carol"); !errors.Is(h, ErrNoEntry) || !strings.HasSuffix(h.Error(), "(as root: usermod --add-subuids 100000-165535 --add-subgids 100000-165535 carol)") {
		t.Errorf("hint: %v", h)
	}
	if h := hint(err, ""); !strings.HasSuffix(h.Error(), " NAME)") {
		t.Errorf("hint without a name: %v", h)
	}
	other := errors.New("permission denied")
	if hint(other, "carol") != other {
		t.Error("another error changed")
	}
}

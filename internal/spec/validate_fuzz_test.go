package spec

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse feeds the loader arbitrary documents:
//
//	go test -run '^$' -fuzz '^FuzzParse$' -fuzztime 60s ./internal/spec/
//
// Neither Check nor Parse may panic; they must agree (Parse refuses a
// document exactly when Check finds an error, bar the required numbers
// and booleans only Check sees); and a spec Parse accepts must encode and
// load again. The seed corpus is testdata/fuzz/FuzzParse plus every spec
// of testdata/valid and testdata/invalid.
func FuzzParse(f *testing.F) {
	for _, dir := range []string{"testdata/valid", "testdata/invalid"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
		for _, file := range files {
			if data, err := os.ReadFile(file); err == nil {
				f.Add(data)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, ps := Check(data, Options{})
		s, err := Parse(data)
		if err != nil {
			if !HasErrors(ps) {
				t.Fatalf("Parse refused what Check passes: %v", err)
			}
			return
		}
		for _, p := range ps {
			if p.Severity == SeverityError && p.Message != "required" {
				t.Fatalf("Parse accepted what Check refuses: %v", p)
			}
		}
		out, err := Marshal(s)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		if _, err := Parse(out); err != nil && !strings.Contains(err.Error(), "required") {
			t.Fatalf("re-encoded spec does not load: %v\n%s", err, out)
		}
	})
}

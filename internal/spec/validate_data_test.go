package spec

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/invalid/*.want from the validator's output")

// TestValidSpecs checks that the specs of testdata/valid (runc spec and its
// rootless form, oci-spec's default and rootless ones, a 1.0.2 spec and a
// 1.3.0 one with every Linux field) give no problem at all, and that
// create's Parse takes them.
func TestValidSpecs(t *testing.T) {
	files, _ := filepath.Glob("testdata/valid/*.json")
	if len(files) < 6 {
		t.Fatalf("%d valid specs", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if _, ps := Check(data, Options{}); len(ps) > 0 {
				var b bytes.Buffer
				WriteProblems(&b, ps, FormatText)
				t.Errorf("problems:\n%s", b.String())
			}
			if _, err := Parse(data); err != nil {
				t.Errorf("Parse: %v", err)
			}
		})
	}
}

// TestInvalidSpecs checks each spec of testdata/invalid against the
// problems its .want file lists, in oci-spec validate's JSON output; each
// must have at least one error, and create's Parse must refuse it with
// the first of them. go test -run TestInvalidSpecs -update rewrites the
// .want files (review the diff).
func TestInvalidSpecs(t *testing.T) {
	files, _ := filepath.Glob("testdata/invalid/*.json")
	if len(files) < 40 {
		t.Fatalf("only %d invalid specs", len(files))
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".json"), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			_, ps := Check(data, Options{})
			var got bytes.Buffer
			if err := WriteProblems(&got, ps, FormatJSON); err != nil {
				t.Fatal(err)
			}
			wantFile := strings.TrimSuffix(f, ".json") + ".want"
			if *update {
				if err := os.WriteFile(wantFile, got.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(wantFile)
			if err != nil {
				t.Fatal(err)
			}
			if got.String() != string(want) {
				t.Errorf("problems:\n%s\nwant:\n%s", got.String(), want)
			}
			if !HasErrors(ps) {
				t.Fatalf("no error among %v", ps)
			}
			_, perr := Parse(data)
			if perr == nil {
				// create walks the document's shape only when it does
				// not decode: a required number or boolean left out
				// decodes as zero, which create takes (Parse's doc).
				for _, p := range ps {
					if p.Severity == SeverityError && p.Message != "required" {
						t.Errorf("Parse accepted it despite %v", p)
					}
				}
				return
			}
			// create reports the same messages: the first error of
			// validate is in Parse's error.
			for _, p := range ps {
				if p.Severity == SeverityError {
					if !strings.Contains(perr.Error(), p.Message) {
						t.Errorf("Parse error %q lacks %q", perr, p.Message)
					}
					break
				}
			}
		})
	}
}

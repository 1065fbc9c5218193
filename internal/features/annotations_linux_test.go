package features

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ocikit/ocikit/internal/spec"
)

// covered reports whether the features document's unsafe list covers
// the annotation key, by name or by a prefix ending in ".".
func covered(list []string, key string) bool {
	for _, u := range list {
		if u == key || strings.HasSuffix(u, ".") && strings.HasPrefix(key, u) {
			return true
		}
	}
	return false
}

// annotationRead is a config annotation read in the runtime's code: the
// index of an Annotations map, or a gjson path into "annotations".
var annotationRead = regexp.MustCompile(`\.Annotations\[([^\]]+)\]|"annotations\.([^"]+)"`)

// knownAnnotationKeys maps each key expression the runtime's code reads
// annotations with to the annotation it names.
var knownAnnotationKeys = map[string]string{
	"spec.AnnotationUserNS": spec.AnnotationUserNS,
	"AnnotationUserNS":      spec.AnnotationUserNS,
}

// notConfigAnnotations are the files that index an Annotations map that
// is not a config's, or only compare or write them: image index
// descriptors, spec edits that keep what the user wrote, the one writer.
var notConfigAnnotations = []string{
	"internal/image/",
	"internal/spec/specedit/",
	"internal/spec/userns.go",
}

// TestUnsafeAnnotationsCovered finds every config annotation a runtime
// path reads and checks potentiallyUnsafeConfigAnnotations covers it: an
// engine filtering its users' annotations by that list must not let one
// through that changes how the container is made.
func TestUnsafeAnnotationsCovered(t *testing.T) {
	list := Document("").PotentiallyUnsafeConfigAnnotations
	if !covered(list, spec.AnnotationUserNS) {
		t.Errorf("%s is read by oci-create but not in %q", spec.AnnotationUserNS, list)
	}
	root := filepath.Join("..", "..")
	reads := 0
	for _, dir := range []string{"internal", "cmd"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			rel = filepath.ToSlash(rel)
			for _, skip := range notConfigAnnotations {
				if strings.HasPrefix(rel, skip) {
					return nil
				}
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			for _, m := range annotationRead.FindAllStringSubmatch(string(b), -1) {
				reads++
				key := m[2]
				if m[1] != "" {
					k, ok := knownAnnotationKeys[m[1]]
					if !ok {
						t.Errorf("%s reads the annotation %s: add its name to knownAnnotationKeys and, if it changes how the container is made, to unsafeAnnotations", rel, m[1])
						continue
					}
					key = k
				}
				if !covered(list, key) {
					t.Errorf("%s reads the annotation %q, which potentiallyUnsafeConfigAnnotations %q does not cover", rel, key, list)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if reads == 0 {
		t.Error("no annotation read found at all: the scan is broken")
	}
}

func TestCovered(t *testing.T) {
	list := []string{"org.ocikit.", "com.example.exact"}
	for key, want := range map[string]bool{
		"org.ocikit.userns": true, "org.ocikitx": false, "com.example.exact": true, "com.example.exact.more": false,
	} {
		if covered(list, key) != want {
			t.Errorf("covered(%q) = %v", key, !want)
		}
	}
}

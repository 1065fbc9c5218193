package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// TestBadCreate feeds oci-create and oci-run bundles and IDs they must
// refuse: each exits 1 with one line naming the container (and the path,
// where there is one), and leaves nothing behind.
func TestBadCreate(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		id    string                             // "" for a fresh ID
		setup func(t *testing.T, b *bundle) bool // false: write no config.json
		want  func(b *bundle) []string           // parts of the message
	}{{
		name:  "malformed-json",
		setup: rawConfig(`{"ociVersion": "1.3.0", "process": `),
		want:  configPath,
	}, {
		name:  "null",
		setup: rawConfig(`null`),
		want:  func(b *bundle) []string { return append(configPath(b), "null") },
	}, {
		name:  "trailing-garbage",
		setup: trailing(`{"x": 1}`),
		want:  func(b *bundle) []string { return append(configPath(b), "trailing") },
	}, {
		name:  "oci-version-2",
		setup: edit(func(s *specs.Spec) { s.Version = "2.0.0" }),
		want:  func(b *bundle) []string { return append(configPath(b), "2.0.0") },
	}, {
		name: "missing-rootfs",
		setup: func(t *testing.T, b *bundle) bool {
			if err := os.RemoveAll(b.rootfs); err != nil {
				t.Fatal(err)
			}
			return true
		},
		want: func(b *bundle) []string { return []string{b.rootfs} },
	}, {
		name: "bad-mount",
		setup: edit(func(s *specs.Spec) {
			s.Mounts = append(s.Mounts, specs.Mount{Destination: "/bad", Type: "nosuchfs", Source: "none"})
		}),
		want: func(*bundle) []string { return []string{"/bad"} },
	}, {
		name:  "missing-program",
		setup: edit(func(s *specs.Spec) { s.Process.Args = []string{"/bin/nonexistent"} }),
		want:  func(*bundle) []string { return []string{"/bin/nonexistent"} },
	}, {
		name:  "no-config",
		setup: func(*testing.T, *bundle) bool { return false },
		want:  configPath,
	}}
	for _, tool := range []string{"oci-create", "oci-run"} {
		for _, c := range cases {
			t.Run(tool+"/"+c.name, func(t *testing.T) {
				t.Parallel()
				r := newRT(t)
				b := r.bundle("true")
				if err := b.write(); err != nil {
					t.Fatal(err)
				}
				if !c.setup(t, b) {
					os.Remove(filepath.Join(b.dir, "config.json"))
				}
				id := r.id(c.name)
				before := len(hostMounts(t))
				res := r.exec(runOpts{}, tool, "--root", r.root, "--bundle", b.dir, id)
				if res.code != 1 {
					t.Errorf("%s: %s, want exit 1", tool, res)
				}
				errLine(t, res, tool, id, c.want(b)...)
				if after := len(hostMounts(t)); after > before {
					t.Errorf("host mounts went from %d to %d", before, after)
				}
				assertClean(t, r.root, id)
			})
		}
	}
}

func configPath(b *bundle) []string { return []string{filepath.Join(b.dir, "config.json")} }

// rawConfig replaces config.json with text.
func rawConfig(text string) func(*testing.T, *bundle) bool {
	return func(t *testing.T, b *bundle) bool {
		if err := os.WriteFile(filepath.Join(b.dir, "config.json"), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return true
	}
}

// trailing appends text to a valid config.json.
func trailing(text string) func(*testing.T, *bundle) bool {
	return func(t *testing.T, b *bundle) bool {
		f, err := os.OpenFile(filepath.Join(b.dir, "config.json"), os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := f.WriteString(text); err != nil {
			t.Fatal(err)
		}
		return true
	}
}

// edit changes the spec and rewrites config.json.
func edit(fn func(*specs.Spec)) func(*testing.T, *bundle) bool {
	return func(t *testing.T, b *bundle) bool {
		fn(b.spec)
		if err := b.write(); err != nil {
			t.Fatal(err)
		}
		return true
	}
}

func TestBadIDs(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.bundle("true")
	if err := b.write(); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"../x", "a/b", ".", "..", ".hidden", "a b", ""} {
		for _, tool := range []string{"oci-create", "oci-run"} {
			res := r.oci(tool, "--bundle", b.dir, id)
			if res.code != 1 {
				t.Errorf("%s %q: %s, want exit 1", tool, id, res)
				continue
			}
			if id == "" {
				// Nothing to name: the message says what is wrong.
				if !strings.HasPrefix(res.stderr, tool+": ") || !strings.Contains(res.stderr, "empty") || strings.Count(res.stderr, "\n") != 1 {
					t.Errorf("%s \"\": %q", tool, res.stderr)
				}
				continue
			}
			errLine(t, res, tool, id, "invalid container ID")
		}
	}
	// Nothing was made: not even the state directory holds an entry.
	ents, _ := os.ReadDir(r.root)
	if len(ents) != 0 {
		t.Errorf("the state directory holds %v", ents)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(r.root), "x")); err == nil {
		t.Error("../x escaped the state directory")
	}
	assertClean(t, r.root)
}

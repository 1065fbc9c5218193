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
		flags func(b *bundle) []string           // more options for the tool
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
		// The init fails after the root filesystem is built.
		name:  "bad-sysctl",
		setup: edit(func(s *specs.Spec) { s.Linux.Sysctl = map[string]string{"kernel.nosuchkey": "1"} }),
		want:  func(*bundle) []string { return []string{"kernel.nosuchkey"} },
	}, {
		name: "bad-namespace-path",
		setup: edit(func(s *specs.Spec) {
			s.Linux.Namespaces[1] = specs.LinuxNamespace{Type: specs.NetworkNamespace, Path: "/proc/self/ns/nosuch"}
		}),
		want: func(*bundle) []string { return []string{"/proc/self/ns/nosuch"} },
	}, {
		// The console socket is dialled after the cgroup is made.
		name:  "bad-console-socket",
		setup: edit(func(s *specs.Spec) { s.Process.Terminal = true }),
		flags: func(b *bundle) []string { return []string{"--console-socket", filepath.Join(b.dir, "nosock")} },
		want:  func(b *bundle) []string { return []string{filepath.Join(b.dir, "nosock")} },
	}, {
		// The pid file is written last, once the init is ready.
		name:  "bad-pid-file",
		setup: edit(func(*specs.Spec) {}),
		flags: func(b *bundle) []string { return []string{"--pid-file", filepath.Join(b.dir, "no", "pid")} },
		want:  func(b *bundle) []string { return []string{filepath.Join(b.dir, "no", "pid")} },
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
				args := []string{"--root", r.root, "--bundle", b.dir}
				if c.flags != nil {
					args = append(args, c.flags(b)...)
				}
				res := r.exec(runOpts{}, tool, append(args, id)...)
				if res.code != 1 {
					t.Errorf("%s: %s, want exit 1", tool, res)
				}
				t.Logf("%s", strings.TrimSpace(res.stderr))
				errLine(t, res, tool, id, c.want(b)...)
				for _, w := range c.want(b) {
					if n := strings.Count(res.stderr, w); strings.HasPrefix(w, "/") && n > 1 {
						t.Errorf("%s: error %q names %s %d times", tool, res.stderr, w, n)
					}
				}
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
	// An ID may be 1024 bytes, longer than a file name may be (NAME_MAX,
	// 255 bytes): it works like any other, and one byte more is refused.
	for _, n := range []int{300, 1024} {
		long := strings.Repeat("x", n)
		if res := r.oci("oci-create", "--bundle", b.dir, long); res.code != 0 {
			t.Fatalf("oci-create of a %d-byte ID: %s", n, res)
		}
		res := r.oci("oci-state", long)
		if res.code != 0 || !strings.Contains(res.stdout, `"status":"created"`) {
			t.Errorf("oci-state of a %d-byte ID: %s", n, res)
		}
		if res := r.oci("oci-state"); !strings.Contains(res.stdout, `"id":"`+long+`"`) {
			t.Errorf("the list lacks the %d-byte ID: %s", n, res)
		}
		if res := r.oci("oci-delete", long); res.code != 0 {
			t.Errorf("oci-delete of a %d-byte ID: %s", n, res)
		}
		assertClean(t, r.root, long)
	}
	tooLong := strings.Repeat("x", 1025)
	res := r.oci("oci-create", "--bundle", b.dir, tooLong)
	if res.code != 1 || !strings.Contains(res.stderr, "longer than 1024 bytes") {
		t.Errorf("oci-create of a 1025-byte ID: %s, want exit 1", res)
	}
	// Nothing was made: not even the state directory holds an entry.
	ents, _ := os.ReadDir(r.root)
	if len(ents) != 0 {
		t.Errorf("the state directory holds %v", ents)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(r.root), "x")); err == nil {
		t.Error("../x escaped the state directory")
	}
	assertClean(t, r.root, tooLong)
}

package bundle

import (
	"archive/tar"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// hostileLayer is a stack of layers built against an environment (so
// it can aim at the real outside directory by absolute path) and what
// applying it must give: an error containing wantErr, or, for wantErr
// "", success with check passing (a contained or no-op result).
type hostileLayer struct {
	layers  func(t *testing.T, e *layerEnv) [][]byte
	wantErr string
	check   func(t *testing.T, e *layerEnv)
}

func one(ents ...ent) func(*testing.T, *layerEnv) [][]byte {
	return func(t *testing.T, _ *layerEnv) [][]byte { return [][]byte{mkTar(t, ents...)} }
}

func hostileLayers() map[string]hostileLayer {
	return map[string]hostileLayer{
		"traversal ../x": {layers: one(file("../x", "pwned", 0o644)), wantErr: "climbs out of the root"},
		"traversal a/../../outside/secret": {
			layers: one(file("a/../../outside/secret", "pwned", 0o644)), wantErr: "climbs out of the root",
		},
		"absolute name is kept inside": {
			layers: func(t *testing.T, e *layerEnv) [][]byte {
				return [][]byte{mkTar(t, file(filepath.Join(e.outside, "secret"), "inside", 0o644))}
			},
			check: func(t *testing.T, e *layerEnv) {
				if s := readFile(t, filepath.Join(e.root, e.outside, "secret")); s != "inside" {
					t.Errorf("absolute name landed at %q", s)
				}
			},
		},
		"dir symlink to outside planted then written through": {
			layers: func(t *testing.T, e *layerEnv) [][]byte {
				return [][]byte{mkTar(t, symlink("evil", e.outside)), mkTar(t, file("evil/secret", "pwned", 0o644))}
			},
			// Resolved as if the root were "/", the target does not exist
			// there, and a dangling symlink is not made a directory.
			wantErr: "not a directory",
		},
		"dir symlink ../../.. planted then written through": {
			layers: func(t *testing.T, e *layerEnv) [][]byte {
				return [][]byte{
					mkTar(t, dir("a/", 0o755), symlink("a/rel", "../../..")),
					mkTar(t, file("a/rel/canary", "pwned", 0o644)),
				}
			},
			check: func(t *testing.T, e *layerEnv) {
				if s := readFile(t, filepath.Join(e.root, "canary")); s != "pwned" {
					t.Errorf("rel/canary inside = %q", s)
				}
			},
		},
		"file symlink replaced, not written through": {
			layers: func(t *testing.T, e *layerEnv) [][]byte {
				return [][]byte{
					mkTar(t, symlink("f", filepath.Join(e.outside, "secret"))),
					gz(t, mkTar(t, file("f", "new", 0o644))),
				}
			},
			check: func(t *testing.T, e *layerEnv) {
				fi, err := os.Lstat(filepath.Join(e.root, "f"))
				if err != nil || !fi.Mode().IsRegular() || readFile(t, filepath.Join(e.root, "f")) != "new" {
					t.Errorf("f: %v %v", fi, err)
				}
			},
		},
		"hard link to ../outside": {
			layers: one(hardlink("h", "../outside/secret")), wantErr: "climbs out of the root",
		},
		"hard link to an absolute path outside": {
			layers: func(t *testing.T, e *layerEnv) [][]byte {
				return [][]byte{mkTar(t, hardlink("h", filepath.Join(e.outside, "secret")))}
			},
			wantErr: "no such file",
		},
		"hard link through a lower layer's symlink": {
			layers: func(t *testing.T, e *layerEnv) [][]byte {
				return [][]byte{mkTar(t, symlink("up", e.outside)), mkTar(t, hardlink("h", "up/secret"))}
			},
			wantErr: "no such file",
		},
		"whiteout a/.wh...":   {layers: one(dir("a/", 0o755), whiteout("a/.wh...")), wantErr: "names no entry"},
		"whiteout .wh..":      {layers: one(whiteout(".wh..")), wantErr: "names no entry"},
		"whiteout .wh. empty": {layers: one(whiteout("d/.wh.")), wantErr: "names no entry"},
		"whiteout through a symlinked dir": {
			layers: func(t *testing.T, e *layerEnv) [][]byte {
				return [][]byte{mkTar(t, symlink("lnk", e.outside)), mkTar(t, whiteout("lnk/.wh.secret"))}
			},
			wantErr: "is a symlink",
		},
		"whiteout through a symlink inside the root": {
			layers: func(t *testing.T, e *layerEnv) [][]byte {
				return [][]byte{
					mkTar(t, dir("d/", 0o755), file("d/x", "x", 0o644), symlink("lnk", "d")),
					mkTar(t, whiteout("lnk/.wh.x")),
				}
			},
			wantErr: "is a symlink",
		},
		"opaque marker under a symlinked dir": {
			layers: func(t *testing.T, e *layerEnv) [][]byte {
				return [][]byte{mkTar(t, symlink("lnk", e.base)), mkTar(t, whiteout("lnk/.wh..wh..opq"))}
			},
			wantErr: "is a symlink",
		},
		"device node when unprivileged": {
			layers: one(
				ent{name: "dev/sda", typ: tar.TypeBlock, mode: 0o600, major: 8},
				ent{name: "mem", typ: tar.TypeChar, mode: 0o600, major: 1, minor: 1},
				hardlink("mem2", "mem"),
			),
			check: func(t *testing.T, e *layerEnv) {
				for _, p := range []string{"dev/sda", "mem", "mem2"} {
					if _, err := os.Lstat(filepath.Join(e.root, p)); err == nil {
						t.Errorf("%s created", p)
					}
				}
			},
		},
		"truncated gzip": {
			layers: func(t *testing.T, e *layerEnv) [][]byte {
				b := gz(t, mkTar(t, file("f", strings.Repeat("x", 100000), 0o644)))
				return [][]byte{b[:len(b)-10]}
			},
			wantErr: "read gzip archive: unexpected EOF",
		},
		"truncated zstd": {
			layers: func(t *testing.T, e *layerEnv) [][]byte {
				b := zst(t, mkTar(t, file("f", strings.Repeat("xy", 100000), 0o644)))
				return [][]byte{b[:len(b)/2]}
			},
			wantErr: "read zstd archive",
		},
		"garbage after the gzip magic": {
			layers:  func(t *testing.T, e *layerEnv) [][]byte { return [][]byte{[]byte("\x1f\x8b\x08garbage, not deflate")} },
			wantErr: "read gzip archive",
		},
		"garbage after the zstd magic": {
			layers: func(t *testing.T, e *layerEnv) [][]byte {
				return [][]byte{append([]byte{0x28, 0xb5, 0x2f, 0xfd}, bytes.Repeat([]byte{0xff}, 64)...)}
			},
			wantErr: "read zstd archive",
		},
		"tar header checksum error": {
			layers: func(t *testing.T, e *layerEnv) [][]byte {
				b := mkTar(t, file("ok", "1", 0o644), file("bad", "2", 0o644))
				b[512*2+100] ^= 0x01 // the second header's mode field
				return [][]byte{gz(t, b)}
			},
			wantErr: "invalid tar header",
		},
	}
}

func TestApplyLayerHostile(t *testing.T) {
	for name, h := range hostileLayers() {
		t.Run(name, func(t *testing.T) {
			e := newLayerEnv(t)
			log, logBuf := logBuffer()
			err := e.apply(t, UnpackOptions{Log: log}, h.layers(t, e)...)
			switch {
			case h.wantErr == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case h.wantErr != "" && (err == nil || !strings.Contains(err.Error(), h.wantErr)):
				t.Errorf("error %v, want one containing %q", err, h.wantErr)
			}
			if h.check != nil && err == nil {
				h.check(t, e)
			}
			e.checkUntouched(t)
			if strings.Contains(name, "device") && !strings.Contains(logBuf.String(), "skipping device nodes") {
				t.Errorf("no warning about devices: %s", logBuf.String())
			}
		})
	}
}

// TestApplyLayerHostileWhiteoutsLeaveLower checks that a refused whiteout
// removed nothing, inside the root either.
func TestApplyLayerHostileWhiteoutsLeaveLower(t *testing.T) {
	e := newLayerEnv(t)
	l1 := mkTar(t, dir("d/", 0o755), file("d/x", "x", 0o644), symlink("lnk", "d"))
	for _, l2 := range [][]byte{
		mkTar(t, whiteout("lnk/.wh.x")),
		mkTar(t, whiteout("lnk/.wh..wh..opq")),
		mkTar(t, whiteout("d/.wh...")),
	} {
		if err := e.apply(t, UnpackOptions{}, l1, l2); err == nil {
			t.Error("hostile whiteout applied")
		}
		e.wantTree(t, "d/", "d/x=x", "lnk@d")
	}
	e.checkUntouched(t)
}

package engines

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPodmanSavedImagesRun saves the busybox image podman imported (see
// setupPodman) as an oci-archive and as a docker-archive, makes a bundle
// of each with oci-bundle create --from-archive, and runs a command in it
// with oci-run: ocikit takes what engines write, without the engine.
func TestPodmanSavedImagesRun(t *testing.T) {
	p := needPodman(t)
	bin := filepath.Dir(runtimePath)
	for _, tool := range []string{"oci-bundle", "oci-spec", "oci-run"} {
		if _, err := os.Stat(filepath.Join(bin, tool)); err != nil {
			t.Skipf("%s missing beside the runtime under test: run make build", tool)
		}
	}
	if out := run(t, command{argv: []string{filepath.Join(bin, "oci-bundle"), "create", "--help"}}); !strings.Contains(out.stdout+out.stderr, "--from-archive") {
		t.Skip("oci-bundle create has no --from-archive yet")
	}
	for _, format := range []string{"oci-archive", "docker-archive"} {
		t.Run(format, func(t *testing.T) {
			dir := t.TempDir()
			archive := filepath.Join(dir, "image.tar")
			mustRun(t, p.cmd("save", "--quiet", "--format", format, "--output", archive, imageName))
			bundle := filepath.Join(dir, "bundle")
			out := mustRun(t, command{argv: []string{filepath.Join(bin, "oci-bundle"), "create", "--from-archive", archive, bundle}})
			var sum struct {
				Path   string `json:"path"`
				Image  string `json:"image"`
				Layers []struct {
					Digest string `json:"digest"`
				} `json:"layers"`
			}
			if err := json.Unmarshal([]byte(out), &sum); err != nil {
				t.Fatalf("oci-bundle create printed %q: %v", out, err)
			}
			if abs, _ := filepath.Abs(bundle); sum.Path != abs || !strings.HasPrefix(sum.Image, "sha256:") || len(sum.Layers) != 1 {
				t.Errorf("summary %+v, want path %s, an image digest and one layer", sum, abs)
			}
			// The image's config gave CMD=/bin/sh; the test asks for more.
			mustRun(t, command{argv: []string{filepath.Join(bin, "oci-spec"), "args", "--bundle", bundle,
				"/bin/sh", "-c", "echo saved-as-$0 && cat /etc/passwd", format}})
			id := fmt.Sprintf("e2e-saved-%s-%d", format, os.Getpid())
			res := run(t, command{argv: []string{filepath.Join(bin, "oci-run"), "--root", filepath.Join(dir, "state"), "--bundle", bundle, id}})
			if res.code != 0 {
				t.Fatalf("oci-run: %s", res)
			}
			want := "saved-as-" + format + "\nroot:x:0:0:root:/root:/bin/sh\n"
			if res.stdout != want {
				t.Errorf("container printed %q, want %q", res.stdout, want)
			}
		})
	}
}

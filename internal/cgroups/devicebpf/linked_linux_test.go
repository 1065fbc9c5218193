package devicebpf

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// TestLinkedByCreatingTools: the tools that set a container's cgroup
// limits import this package (a blank import in main registers it), and
// the others do not link cilium/ebpf at all, nor does package cgroups
// itself. A creating tool without it would refuse device rules on cgroup
// v2 hosts.
func TestLinkedByCreatingTools(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
		if _, err := os.Stat(goTool); err != nil {
			t.Skip("no go command to list the dependencies")
		}
	}
	const self = "github.com/ocikit/ocikit/internal/cgroups/devicebpf"
	creating := []string{"oci-create", "oci-run", "oci-runtime"}
	out, err := exec.Command(goTool, "list", "-deps", "github.com/ocikit/ocikit/internal/cgroups").CombinedOutput()
	if err != nil {
		t.Fatalf("go list cgroups: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "github.com/cilium/") || dep == self {
			t.Errorf("package cgroups depends on %s", dep)
		}
	}
	for _, tool := range []string{"oci-create", "oci-run", "oci-runtime", "oci-start", "oci-kill", "oci-delete", "oci-ps", "oci-exec", "oci-state", "oci-spec", "oci-bundle"} {
		out, err := exec.Command(goTool, "list", "-deps", "github.com/ocikit/ocikit/cmd/"+tool).CombinedOutput()
		if err != nil {
			t.Fatalf("go list %s: %v\n%s", tool, err, out)
		}
		deps := strings.Fields(string(out))
		linked := slices.Contains(deps, self)
		if want := slices.Contains(creating, tool); linked != want {
			t.Errorf("%s links devicebpf: %v, want %v", tool, linked, want)
		}
		if !linked && slices.ContainsFunc(deps, func(d string) bool { return strings.HasPrefix(d, "github.com/cilium/") }) {
			t.Errorf("%s links cilium/ebpf without devicebpf", tool)
		}
	}
}

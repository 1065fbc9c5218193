package integration

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// tools are the programs the tests run, all of which must be in binDir.
var tools = []string{"oci-spec", "oci-create", "oci-start", "oci-state", "oci-kill", "oci-delete", "oci-run", "oci-exec", "oci-ps", "oci-runtime"}

// initTools link the nsenter C constructor and must be built with cgo; the
// flags are the Makefile's.
var initTools = []string{"oci-create", "oci-run", "oci-exec", "oci-runtime"}

var (
	// binDir holds the tools under test.
	binDir string
	// skipReason, when set, is why every test skips on this machine.
	skipReason string
	// applets are busybox's applet names, linked into every rootfs.
	applets []string
)

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	switch {
	case os.Geteuid() != 0:
		skipReason = "needs root: the integration tests run real containers"
	case !isExecutable("/bin/busybox"):
		skipReason = "needs /bin/busybox for the containers' root filesystems (apt-get install busybox-static)"
	}
	if skipReason != "" {
		return m.Run()
	}
	out, err := exec.Command("/bin/busybox", "--list").Output()
	if err != nil {
		fmt.Fprintf(os.Stderr, "integration: busybox --list: %v\n", err)
		return 1
	}
	applets = strings.Fields(string(out))

	if dir := os.Getenv("OCIKIT_BIN"); dir != "" {
		binDir = dir
	} else {
		dir, err := os.MkdirTemp("", "ocikit-bin-")
		if err != nil {
			fmt.Fprintf(os.Stderr, "integration: %v\n", err)
			return 1
		}
		defer os.RemoveAll(dir)
		// The rootless test runs the tools as another user.
		if err := os.Chmod(dir, 0o755); err != nil {
			fmt.Fprintf(os.Stderr, "integration: %v\n", err)
			return 1
		}
		if err := buildTools(dir); err != nil {
			fmt.Fprintf(os.Stderr, "integration: OCIKIT_BIN is unset and building the tools failed: %v\n", err)
			return 1
		}
		binDir = dir
	}
	for _, t := range tools {
		if !isExecutable(filepath.Join(binDir, t)) {
			fmt.Fprintf(os.Stderr, "integration: %s is missing from %s (run make build)\n", t, binDir)
			return 1
		}
	}
	return m.Run()
}

// buildTools builds the tools into dir as `make build` does.
func buildTools(dir string) error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	var plain []string
	for _, t := range tools {
		if !slices.Contains(initTools, t) {
			plain = append(plain, "./cmd/"+t)
		}
	}
	var cgo []string
	for _, t := range initTools {
		cgo = append(cgo, "./cmd/"+t)
	}
	builds := []struct {
		env  string
		args []string
	}{
		{"CGO_ENABLED=1", append([]string{"build", "-tags", "osusergo,netgo",
			"-ldflags", "-linkmode external -extldflags -static", "-o", dir + "/"}, cgo...)},
		{"CGO_ENABLED=0", append([]string{"build", "-o", dir + "/"}, plain...)},
	}
	for _, b := range builds {
		cmd := exec.Command(goTool, b.args...)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), b.env)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("go %s: %w: %s", strings.Join(b.args, " "), err, strings.TrimSpace(stderr.String()))
		}
	}
	return nil
}

// moduleRoot finds the directory of ocikit's go.mod above the working
// directory (the package's, under go test).
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.Contains(b, []byte("module github.com/ocikit/ocikit\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod of github.com/ocikit/ocikit above %s", dir)
		}
		dir = parent
	}
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// needHost skips the test when this machine cannot run containers.
func needHost(t *testing.T) {
	t.Helper()
	if skipReason != "" {
		t.Skip(skipReason)
	}
}

package speccmd

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ocikit/ocikit/internal/cli"
)

func TestValidateCommand(t *testing.T) {
	good := `{"ociVersion":"1.3.0","root":{"path":"rootfs"},"process":{"cwd":"/","args":["sh"]},"linux":{}}`
	bad := `{"ociVersion":"1.3.0","root":{"path":"rootfs"},"process":{"cwd":"tmp","args":["sh"]},"linux":{},"x":1}`
	bundle := t.TempDir()
	os.Mkdir(filepath.Join(bundle, "rootfs"), 0o755)
	os.WriteFile(filepath.Join(bundle, "config.json"), []byte(good), 0o644)
	noRoot := t.TempDir()
	os.WriteFile(filepath.Join(noRoot, "config.json"), []byte(good), 0o644)
	cases := []struct {
		name   string
		cmd    Validate
		bundle string
		stdin  string
		out    string // "" for none
		fail   bool
	}{
		{"valid bundle", Validate{Format: "json"}, bundle, "", "", false},
		{"rootfs missing", Validate{Format: "json"}, noRoot, "", `{"path":"root.path","message":"root filesystem \"` + filepath.Join(noRoot, "rootfs") + `\": no such file or directory","severity":"error"}` + "\n", true},
		{"file skips rootfs", Validate{File: filepath.Join(noRoot, "config.json"), Format: "json"}, "", "", "", false},
		{"stdin text", Validate{File: "-", Format: "text"}, "", bad, "x: unknown property, ignored (warning)\nprocess.cwd: \"tmp\" is not an absolute path (error)\n", true},
		{"warnings only", Validate{File: "-", Format: "json"}, "", strings.Replace(good, `"linux"`, `"y":1,"linux"`, 1), `{"path":"y","message":"unknown property, ignored","severity":"warning"}` + "\n", false},
		{"not json", Validate{File: "-", Format: "json"}, "", "{", `{"path":"","message":"decode config: unexpected EOF","severity":"error"}` + "\n", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out bytes.Buffer
			err := c.cmd.Run(&cli.Env{Stdin: strings.NewReader(c.stdin), Stdout: &out}, BundleDir(c.bundle))
			if out.String() != c.out {
				t.Errorf("output %q, want %q", out.String(), c.out)
			}
			var x *cli.ExitError
			switch {
			case c.fail && (!errors.As(err, &x) || x.Code != cli.ExitFailure || x.Error() != ""):
				t.Errorf("error %v, want a silent exit 1", err)
			case !c.fail && err != nil:
				t.Errorf("error %v", err)
			}
		})
	}
	// A file that cannot be read is an error of its own, naming the path.
	var out bytes.Buffer
	c := Validate{File: "/nonexistent.json"}
	if err := c.Run(&cli.Env{Stdout: &out}, ""); err == nil || !strings.Contains(err.Error(), "/nonexistent.json") || out.Len() != 0 {
		t.Errorf("missing file: %v, output %q", err, out.String())
	}
}

// TestValidateCommandFeatures: --features adds what this runtime would not honour.
func TestValidateCommandFeatures(t *testing.T) {
	doc := `{"ociVersion":"1.3.0","root":{"path":"r"},"process":{"cwd":"/","args":["sh"],"commandLine":"sh"},"linux":{}}`
	var out bytes.Buffer
	c := Validate{File: "-", Format: "json", Features: true}
	if err := c.Run(&cli.Env{Stdin: strings.NewReader(doc), Stdout: &out}, ""); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `"path":"process.commandLine"`) {
		t.Errorf("output %q lacks process.commandLine", out.String())
	}
}

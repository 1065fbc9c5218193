package specgen

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ocikit/ocikit/internal/cli"
)

type specTool struct {
	cli.Globals
	Spec
}

func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := cli.Main("oci-spec", "test", &specTool{}, args, strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

// TestGenerateUserNS: --userns writes the system container variant, auto=N
// in the annotation's long form.
func TestGenerateUserNS(t *testing.T) {
	code, out, errOut := run(t, "-o", "-", "--userns", "auto=2048")
	if code != 0 || !strings.Contains(out, `"org.ocikit.userns": "auto:size=2048"`) || strings.Contains(out, "uidMappings") {
		t.Errorf("exit %d, stderr %q, config:\n%s", code, errOut, out)
	}
}

// TestGenerateFlagConflicts: the flags that do not go together are usage
// errors (exit 2) naming them, before anything is written.
func TestGenerateFlagConflicts(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--subids"}, "--subids needs --rootless"},
		{[]string{"--rootless", "--userns", "auto"}, "--rootless and --userns contradict each other"},
		{[]string{"--userns", "auto:size=0"}, `--userns: org.ocikit.userns "auto:size=0": size "0"`},
	} {
		code, out, errOut := run(t, append([]string{"-o", "-"}, tc.args...)...)
		if code != 2 || out != "" || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want 2 and %q", tc.args, code, out, errOut, tc.want)
		}
	}
}

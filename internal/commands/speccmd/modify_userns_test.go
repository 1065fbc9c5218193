package speccmd

import (
	"strings"
	"testing"

	"github.com/ocikit/ocikit/internal/spec"
)

// TestEditUserNS: oci-spec edit --userns auto=N writes the annotation in
// its long form; --subids without --rootless and --userns with --rootless
// are usage errors (exit 2) naming the flags.
func TestEditUserNS(t *testing.T) {
	code, out, errOut := runTool(t, defaultConfig(t), "edit", "-f", "-", "--userns", "auto=1024")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	s := decode(t, out)
	if s.Annotations[spec.AnnotationUserNS] != "auto:size=1024" || s.Linux.UIDMappings != nil {
		t.Errorf("annotations %v, uid mappings %v", s.Annotations, s.Linux.UIDMappings)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--subids"}, "--subids needs --rootless"},
		{[]string{"--userns", "auto", "--rootless"}, "contradict"},
		{[]string{"--userns", "sometimes"}, "--userns: org.ocikit.userns"},
	} {
		code, _, errOut := runTool(t, defaultConfig(t), append([]string{"edit", "-f", "-"}, tc.args...)...)
		if code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, %q; want 2 and %q", tc.args, code, errOut, tc.want)
		}
	}
}

package integration

import (
	"os"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/ocikit/ocikit/internal/resctrl"
)

// TestIntelRdtRefused: where the runtime's mount namespace has no
// resctrl (this host's kernel lacks it; the VM guest's CPU has no RDT),
// a spec with linux.intelRdt fails the create naming the field, and no
// container is left. The positive path is unit-tested on a fake tree
// (internal/resctrl).
func TestIntelRdtRefused(t *testing.T) {
	t.Parallel()
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	_, err = resctrl.FindRoot(f)
	f.Close()
	if err == nil {
		t.Skip("resctrl is mounted here: the refusal cannot be shown")
	}
	for _, c := range []struct {
		name string
		rdt  specs.LinuxIntelRdt
	}{
		{"schemata", specs.LinuxIntelRdt{ClosID: "ocikit-test", L3CacheSchema: "L3:0=f", Schemata: []string{"MB:0=50"}}},
		{"own-group", specs.LinuxIntelRdt{}},
		{"monitoring", specs.LinuxIntelRdt{EnableMonitoring: true}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := newRT(t)
			b := r.bundle("true")
			rdt := c.rdt
			b.spec.Linux.IntelRdt = &rdt
			res := r.run(b)
			if res.code == 0 || !strings.Contains(res.stderr, "linux.intelRdt") {
				t.Errorf("oci-run: %s, want a failure naming linux.intelRdt", res)
			}
		})
	}
}

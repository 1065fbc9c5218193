package integration

import (
	"os"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// kernelHasRdma reports whether /proc/cgroups lists the rdma controller.
func kernelHasRdma(t *testing.T) bool {
	t.Helper()
	b, err := os.ReadFile("/proc/cgroups")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(b)) {
		if f := strings.Fields(line); len(f) == 4 && f[0] == "rdma" {
			return f[3] == "1"
		}
	}
	return false
}

// TestRdmaRefused: an rdma limit the host cannot apply is refused by
// name and leaves nothing behind. Where the kernel has no rdma controller
// (this host) the error says so; where it has one but no such device
// (the VM guest: no rxe or siw) the kernel refuses the device, and the
// error names the field, the device and the cgroup file.
func TestRdmaRefused(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	one := uint32(1)
	b := r.bundle("true")
	b.spec.Linux.Resources = &specs.LinuxResources{Rdma: map[string]specs.LinuxRdma{"ocikit_nodev0": {HcaHandles: &one}}}
	if err := b.write(); err != nil {
		t.Fatal(err)
	}
	id := r.id("rdma")
	res := r.oci("oci-create", "--bundle", b.dir, id)
	if res.code != 1 {
		t.Fatalf("oci-create: %s, want a refusal", res)
	}
	if kernelHasRdma(t) {
		errLine(t, res, "oci-create", id, "linux.resources.rdma.ocikit_nodev0", "rdma.max")
	} else {
		errLine(t, res, "oci-create", id, "linux.resources.rdma", "this kernel has no rdma cgroup controller")
	}
	assertClean(t, r.root, id)
}

package devicebpf

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/ocikit/ocikit/internal/cgroups"
	"github.com/ocikit/ocikit/internal/cgroups/cgroupstest"
)

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: creates cgroups and loads eBPF programs")
	}
}

func ptr[T any](v T) *T { return &v }

// denyZero is a spec's device list that takes /dev/zero away.
var denyZero = &specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{
	{Allow: false, Access: "rwm"},
	{Allow: false, Type: "c", Major: ptr[int64](1), Minor: ptr[int64](5), Access: "rwm"},
}}

// allowAll is a privileged spec's device list: it cannot deny.
var allowAll = &specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{{Allow: true, Access: "rwm"}}}

// unifiedParent makes a cgroup of the test's own, "/ocikit-test-<random>",
// in the host's cgroup v2 hierarchy (the unified one of a hybrid host)
// and returns its directory; it removes whatever is left below it when
// the test ends, so the test never touches a cgroup it did not make.
func unifiedParent(t *testing.T) string {
	t.Helper()
	hs, err := cgroups.Hierarchies()
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(hs, func(h cgroups.Hierarchy) bool { return h.Version == 2 && h.Root == "/" })
	if i < 0 {
		t.Skip("no cgroup v2 hierarchy mounted from its root")
	}
	dir := filepath.Join(hs[i].Mountpoint, fmt.Sprintf("ocikit-test-%016x", rand.Uint64()))
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cgroupstest.RemoveTree(t, dir) })
	return dir
}

// v2Manager makes cgroup dir and returns a Manager that holds it alone
// and owns it, so that Set takes the cgroup v2 way even on a hybrid host
// (a device program needs no controller).
func v2Manager(t *testing.T, dir string) *cgroups.Manager {
	t.Helper()
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return cgroups.Load(cgroups.State{Paths: map[string]string{"unified": dir}, Owned: []string{dir}})
}

func attachedPrograms(t *testing.T, dir string) []ebpf.ProgramID {
	t.Helper()
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	q, err := link.QueryPrograms(link.QueryOptions{Target: fd, Attach: ebpf.AttachCGroupDevice})
	if err != nil {
		t.Fatal(err)
	}
	var ids []ebpf.ProgramID
	for _, p := range q.Programs {
		ids = append(ids, p.ID)
	}
	return ids
}

// TestSetHostDevicesV2 goes through Manager.Set, which finds this
// package registered: the program is loaded, attached to a v2 cgroup and
// enforced; a second Set replaces it, and one that cannot deny leaves no
// program.
func TestSetHostDevicesV2(t *testing.T) {
	needRoot(t)
	dir := filepath.Join(unifiedParent(t), "c1")
	m := v2Manager(t, dir)
	if err := m.Set(denyZero); err != nil {
		t.Fatal(err)
	}
	first := attachedPrograms(t, dir)
	if len(first) != 1 {
		t.Fatalf("programs %v", first)
	}
	cgroupstest.WantDenied(t, cgroupstest.TryDevices(t, m.Apply))

	if err := m.Set(denyZero); err != nil {
		t.Fatal(err)
	}
	second := attachedPrograms(t, dir)
	if len(second) != 1 || second[0] == first[0] {
		t.Errorf("programs %v after %v", second, first)
	}
	if err := m.Set(allowAll); err != nil {
		t.Fatal(err)
	}
	if ids := attachedPrograms(t, dir); len(ids) != 0 {
		t.Errorf("programs %v", ids)
	}
	if out := cgroupstest.TryDevices(t, m.Apply); !strings.Contains(out, "zero-ok") {
		t.Errorf("output %q", out)
	}

	// Deleting a container needs nothing of this package: the cgroup
	// goes with a plain rmdir while a program is attached, and the kernel
	// detaches it (and frees it later, once nothing holds it).
	if err := m.Set(denyZero); err != nil {
		t.Fatal(err)
	}
	if ids := attachedPrograms(t, dir); len(ids) != 1 {
		t.Fatalf("programs %v", ids)
	}
	if err := m.Destroy(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%s after Destroy: %v", dir, err)
	}
}

// TestSetHostDevicesV2Nested: a container's own sub-cgroup cannot lift
// the rules: the kernel runs the parent's program too.
func TestSetHostDevicesV2Nested(t *testing.T) {
	needRoot(t)
	outerDir := filepath.Join(unifiedParent(t), "c1")
	outer := v2Manager(t, outerDir)
	if err := outer.Set(denyZero); err != nil {
		t.Fatal(err)
	}
	inner := v2Manager(t, filepath.Join(outerDir, "c2"))
	err := inner.Set(&specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{
		{Allow: true, Access: "rwm"},
		{Allow: false, Type: "c", Major: ptr[int64](1), Minor: ptr[int64](7), Access: "r"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	cgroupstest.WantDenied(t, cgroupstest.TryDevices(t, inner.Apply))
	for _, m := range []*cgroups.Manager{inner, outer} {
		if err := m.Destroy(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestReplaceNotCgroup: Replace names the directory when the kernel
// refuses the descriptor (cgroups checks it is a cgroup2 directory
// before; this is the kernel's own word).
func TestReplaceNotCgroup(t *testing.T) {
	dir := t.TempDir()
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	err = Replace(fd, dir, &cgroups.DevicePolicy{Default: cgroups.DenyDevices})
	if err == nil || !strings.HasPrefix(err.Error(), fmt.Sprintf("list the device programs of %q: ", dir)) {
		t.Errorf("Replace: %v", err)
	}
}

package cgroups

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// blkioSpec sets every blockIO field but the leaf weights.
func blkioSpec() *specs.LinuxResources {
	dev := func(maj, min int64, rate uint64) specs.LinuxThrottleDevice {
		d := specs.LinuxThrottleDevice{Rate: rate}
		d.Major, d.Minor = maj, min
		return d
	}
	wd := specs.LinuxWeightDevice{Weight: ptr[uint16](200)}
	wd.Major, wd.Minor = 8, 0
	return &specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{
		Weight:                  ptr[uint16](500),
		WeightDevice:            []specs.LinuxWeightDevice{wd},
		ThrottleReadBpsDevice:   []specs.LinuxThrottleDevice{dev(8, 0, 1000), dev(8, 16, 0)},
		ThrottleWriteBpsDevice:  []specs.LinuxThrottleDevice{dev(8, 0, 2000)},
		ThrottleReadIOPSDevice:  []specs.LinuxThrottleDevice{dev(8, 16, 30)},
		ThrottleWriteIOPSDevice: []specs.LinuxThrottleDevice{dev(8, 0, 40)},
	}}
}

var v1Throttles = map[string]string{
	"blkio.throttle.read_bps_device": "", "blkio.throttle.write_bps_device": "",
	"blkio.throttle.read_iops_device": "", "blkio.throttle.write_iops_device": "",
}

func withFiles(base map[string]string, more ...string) map[string]string {
	out := map[string]string{}
	for k, v := range base {
		out[k] = v
	}
	for _, k := range more {
		out[k] = ""
	}
	return out
}

func wantAttempts(t *testing.T, f *fakeFiles, want []string) {
	t.Helper()
	if !slices.Equal(f.attempts, want) {
		t.Errorf("writes:\n got %q\nwant %q", f.attempts, want)
	}
}

var throttleWritesV1 = []string{
	"blkio/p/c/blkio.throttle.read_bps_device=8:0 1000",
	"blkio/p/c/blkio.throttle.read_bps_device=8:16 0",
	"blkio/p/c/blkio.throttle.write_bps_device=8:0 2000",
	"blkio/p/c/blkio.throttle.read_iops_device=8:16 30",
	"blkio/p/c/blkio.throttle.write_iops_device=8:0 40",
}

// TestSetBlkioV1CFQ: a kernel with CFQ's files gets every field, leaf
// weights included.
func TestSetBlkioV1CFQ(t *testing.T) {
	m, f := fakeTree(t, map[string]map[string]string{"blkio": withFiles(v1Throttles,
		"blkio.weight", "blkio.leaf_weight", "blkio.weight_device", "blkio.leaf_weight_device")})
	r := blkioSpec()
	r.BlockIO.LeafWeight = ptr[uint16](300)
	r.BlockIO.WeightDevice[0].LeafWeight = ptr[uint16](100)
	if err := m.set(r, f); err != nil {
		t.Fatal(err)
	}
	wantAttempts(t, f, append([]string{
		"blkio/p/c/blkio.weight=500",
		"blkio/p/c/blkio.leaf_weight=300",
		"blkio/p/c/blkio.weight_device=8:0 200",
		"blkio/p/c/blkio.leaf_weight_device=8:0 100",
	}, throttleWritesV1...))
}

// TestSetBlkioV1BFQ: without blkio.weight the weights go to BFQ's files
// on the same scale; a leaf weight, which BFQ lacks, is an error found
// before anything is written.
func TestSetBlkioV1BFQ(t *testing.T) {
	layout := map[string]map[string]string{"blkio": withFiles(v1Throttles, "blkio.bfq.weight", "blkio.bfq.weight_device")}
	m, f := fakeTree(t, layout)
	if err := m.set(blkioSpec(), f); err != nil {
		t.Fatal(err)
	}
	wantAttempts(t, f, append([]string{
		"blkio/p/c/blkio.bfq.weight=500",
		"blkio/p/c/blkio.bfq.weight_device=8:0 200",
	}, throttleWritesV1...))

	for want, edit := range map[string]func(*specs.LinuxBlockIO){
		"linux.resources.blockIO.leafWeight: this kernel has no blkio.leaf_weight in cgroup": func(b *specs.LinuxBlockIO) { b.LeafWeight = ptr[uint16](300) },
		"linux.resources.blockIO.weightDevice.0.leafWeight: this kernel has no blkio.leaf_weight_device in cgroup": func(b *specs.LinuxBlockIO) {
			b.WeightDevice[0].LeafWeight = ptr[uint16](300)
		},
	} {
		m, f := fakeTree(t, layout)
		r := blkioSpec()
		edit(r.BlockIO)
		err := m.set(r, f)
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%s: %v", want, err)
		}
		if len(f.attempts) != 0 {
			t.Errorf("%s: wrote %q", want, f.attempts)
		}
	}
}

// TestSetBlkioV1NoWeightFile: a kernel with neither CFQ nor BFQ has no
// weight file, and says so before any write.
func TestSetBlkioV1NoWeightFile(t *testing.T) {
	m, f := fakeTree(t, map[string]map[string]string{"blkio": v1Throttles})
	err := m.set(blkioSpec(), f)
	if err == nil || !strings.HasPrefix(err.Error(), "linux.resources.blockIO.weight: this kernel has no blkio.weight in cgroup") {
		t.Fatal(err)
	}
	if len(f.attempts) != 0 {
		t.Errorf("wrote %q", f.attempts)
	}
}

// ioWrites is what blkioSpec makes on v2 besides the weights: io is
// enabled in the created parent, and the throttles are merged into one
// io.max line per device, a rate of 0 lifting the limit.
var ioWrites = []string{
	"unified/p/c/io.max=8:0 rbps=1000 wbps=2000 wiops=40",
	"unified/p/c/io.max=8:16 rbps=max riops=30",
}

func fakeIO(t *testing.T, weightFile string) (*Manager, *fakeFiles) {
	m, f := fakeV2(t, "cpuset cpu io memory hugetlb pids")
	put(t, f.root, "unified/p/c/io.max", "")
	put(t, f.root, "unified/p/c/"+weightFile, "default 100")
	return m, f
}

// TestSetBlkioV2BFQ: io.bfq.weight takes the spec's weights as they are.
func TestSetBlkioV2BFQ(t *testing.T) {
	m, f := fakeIO(t, "io.bfq.weight")
	if err := m.set(blkioSpec(), f); err != nil {
		t.Fatal(err)
	}
	wantAttempts(t, f, append([]string{
		"unified/p/cgroup.subtree_control=+io",
		"unified/p/c/io.bfq.weight=500",
		"unified/p/c/io.bfq.weight=8:0 200",
	}, ioWrites...))
}

// TestSetBlkioV2IOCost: without BFQ the weights are converted to
// io.weight's scale.
func TestSetBlkioV2IOCost(t *testing.T) {
	m, f := fakeIO(t, "io.weight")
	if err := m.set(blkioSpec(), f); err != nil {
		t.Fatal(err)
	}
	wantAttempts(t, f, append([]string{
		"unified/p/cgroup.subtree_control=+io",
		"unified/p/c/io.weight=4950",
		"unified/p/c/io.weight=8:0 1920",
	}, ioWrites...))
}

func TestIOWeight(t *testing.T) {
	for v1, v2 := range map[uint64]uint64{10: 1, 100: 910, 500: 4950, 1000: 10000} {
		if got := ioWeight(v1); got != v2 {
			t.Errorf("ioWeight(%d) = %d, want %d", v1, got, v2)
		}
	}
}

// TestSetBlkioRefused: bad values, and what v2 cannot do, are named
// before anything is written.
func TestSetBlkioRefused(t *testing.T) {
	for _, tc := range []struct {
		v2   bool
		edit func(*specs.LinuxBlockIO)
		want string
	}{
		{false, func(b *specs.LinuxBlockIO) { b.Weight = ptr[uint16](9) }, "linux.resources.blockIO.weight: 9: want 10 to 1000"},
		{false, func(b *specs.LinuxBlockIO) { b.Weight = ptr[uint16](1001) }, "linux.resources.blockIO.weight: 1001: want 10 to 1000"},
		{false, func(b *specs.LinuxBlockIO) { b.LeafWeight = ptr[uint16](5) }, "linux.resources.blockIO.leafWeight: 5: want 10 to 1000"},
		{false, func(b *specs.LinuxBlockIO) { b.WeightDevice[0].Weight = ptr[uint16](2000) }, "linux.resources.blockIO.weightDevice.0.weight: 2000"},
		{false, func(b *specs.LinuxBlockIO) { b.WeightDevice[0].LeafWeight = ptr[uint16](1) }, "linux.resources.blockIO.weightDevice.0.leafWeight: 1"},
		{false, func(b *specs.LinuxBlockIO) { b.WeightDevice[0].Major = -1 }, "linux.resources.blockIO.weightDevice.0: device -1:0"},
		{false, func(b *specs.LinuxBlockIO) { b.ThrottleWriteIOPSDevice[0].Minor = -3 }, "linux.resources.blockIO.throttleWriteIOPSDevice.0: device 8:-3"},
		{true, func(b *specs.LinuxBlockIO) { b.Weight = ptr[uint16](1) }, "linux.resources.blockIO.weight: 1: want 10 to 1000"},
		{true, func(b *specs.LinuxBlockIO) { b.LeafWeight = ptr[uint16](100) }, "linux.resources.blockIO.leafWeight: not supported on cgroup v2"},
		{true, func(b *specs.LinuxBlockIO) { b.WeightDevice[0].LeafWeight = ptr[uint16](100) }, "linux.resources.blockIO.weightDevice.0.leafWeight: not supported on cgroup v2"},
	} {
		var m *Manager
		var f *fakeFiles
		if tc.v2 {
			m, f = fakeIO(t, "io.weight")
		} else {
			m, f = fakeTree(t, map[string]map[string]string{"blkio": withFiles(v1Throttles, "blkio.weight", "blkio.weight_device")})
		}
		r := blkioSpec()
		tc.edit(r.BlockIO)
		err := m.set(r, f)
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%s: %v", tc.want, err)
		}
		if len(f.attempts) != 0 {
			t.Errorf("%s: wrote %q", tc.want, f.attempts)
		}
	}
}

// TestSetBlkioEmpty: zero weights and no devices are "not set" and need
// no blkio cgroup at all.
func TestSetBlkioEmpty(t *testing.T) {
	m, f := fakeTree(t, v1Defaults)
	r := &specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{Weight: ptr[uint16](0), WeightDevice: []specs.LinuxWeightDevice{{}}}}
	if err := m.set(r, f); err != nil {
		t.Fatal(err)
	}
	if len(f.attempts) != 0 {
		t.Errorf("wrote %q", f.attempts)
	}
}

func rdmaSpec() *specs.LinuxResources {
	return &specs.LinuxResources{Rdma: map[string]specs.LinuxRdma{
		"mlx5_1": {HcaObjects: ptr[uint32](7)},
		"mlx5_0": {HcaHandles: ptr[uint32](2), HcaObjects: ptr[uint32](3)},
		"none":   {},
	}}
}

// TestSetRdma: one rdma.max line per device in name order, only the keys
// given, the same on v1 and v2.
func TestSetRdma(t *testing.T) {
	m, f := fakeTree(t, map[string]map[string]string{"rdma": {"rdma.max": ""}})
	if err := m.set(rdmaSpec(), f); err != nil {
		t.Fatal(err)
	}
	wantAttempts(t, f, []string{"rdma/p/c/rdma.max=mlx5_0 hca_handle=2 hca_object=3", "rdma/p/c/rdma.max=mlx5_1 hca_object=7"})

	m, f = fakeV2(t, "memory pids rdma")
	put(t, f.root, "unified/p/c/rdma.max", "")
	if err := m.set(rdmaSpec(), f); err != nil {
		t.Fatal(err)
	}
	wantAttempts(t, f, []string{"unified/p/cgroup.subtree_control=+rdma",
		"unified/p/c/rdma.max=mlx5_0 hca_handle=2 hca_object=3", "unified/p/c/rdma.max=mlx5_1 hca_object=7"})
}

func TestSetRdmaRefusesBadName(t *testing.T) {
	for _, name := range []string{"", "a b", "a\nmlx5_0", "tab\t"} {
		m, f := fakeTree(t, map[string]map[string]string{"rdma": {"rdma.max": ""}})
		err := m.set(&specs.LinuxResources{Rdma: map[string]specs.LinuxRdma{name: {HcaHandles: ptr[uint32](1)}}}, f)
		if err == nil || !strings.Contains(err.Error(), "is not an rdma device name") {
			t.Errorf("%q: %v", name, err)
		}
		if len(f.attempts) != 0 {
			t.Errorf("%q: wrote %q", name, f.attempts)
		}
	}
}

// TestSetKernelTCP: v1 writes memory.kmem.tcp.limit_in_bytes where the
// kernel has it and skips it where not; v2 has no such limit.
func TestSetKernelTCP(t *testing.T) {
	r := &specs.LinuxResources{Memory: &specs.LinuxMemory{KernelTCP: ptr[int64](mib)}}
	layout := map[string]map[string]string{"memory": withFiles(v1Defaults["memory"], "memory.kmem.tcp.limit_in_bytes")}
	m, f := fakeTree(t, layout)
	if err := m.set(r, f); err != nil {
		t.Fatal(err)
	}
	wantFiles(t, f.root, map[string]string{"memory/p/c/memory.kmem.tcp.limit_in_bytes": "1048576"})

	// The write is tried and the missing file skipped (optional).
	m, f = fakeTree(t, v1Defaults)
	if err := m.set(r, f); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(f.root, "memory/p/c/memory.kmem.tcp.limit_in_bytes")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("made memory.kmem.tcp.limit_in_bytes: %v", err)
	}

	m, f = fakeV2(t, "memory pids")
	if err := m.set(r, f); err != nil {
		t.Fatal(err)
	}
	if len(f.attempts) != 0 {
		t.Errorf("wrote %q", f.attempts)
	}

	m, f = fakeTree(t, layout)
	err := m.set(&specs.LinuxResources{Memory: &specs.LinuxMemory{KernelTCP: ptr[int64](-2)}}, f)
	if err == nil || !strings.HasPrefix(err.Error(), "linux.resources.memory.kernelTCP: -2") {
		t.Errorf("kernelTCP -2: %v", err)
	}
}

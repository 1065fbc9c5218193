package integration

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// blockDevice is a block device of the host the throttles can name.
type blockDevice struct {
	name         string // under /sys/block
	major, minor int64
	bfq          bool // BFQ is its I/O scheduler now: per-device weights apply
}

func (d blockDevice) num() string {
	return strconv.FormatInt(d.major, 10) + ":" + strconv.FormatInt(d.minor, 10)
}

// hostBlockDevice picks a block device with a request queue from
// /sys/block, preferring one that uses BFQ, then one that is not a loop
// device (a loop device with no file behind it still takes limits). The
// test skips where there is none (the VM guest without its disk).
func hostBlockDevice(t *testing.T) blockDevice {
	t.Helper()
	ents, err := os.ReadDir("/sys/block")
	if err != nil {
		t.Skipf("no /sys/block: %v", err)
	}
	var found []blockDevice
	for _, e := range ents {
		dir := filepath.Join("/sys/block", e.Name())
		if _, err := os.Stat(filepath.Join(dir, "queue")); err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, "dev"))
		if err != nil {
			continue
		}
		maj, min, ok := strings.Cut(strings.TrimSpace(string(b)), ":")
		a, err1 := strconv.ParseInt(maj, 10, 64)
		c, err2 := strconv.ParseInt(min, 10, 64)
		if !ok || err1 != nil || err2 != nil {
			continue
		}
		sched, _ := os.ReadFile(filepath.Join(dir, "queue", "scheduler"))
		found = append(found, blockDevice{e.Name(), a, c, strings.Contains(string(sched), "[bfq]")})
	}
	for _, pick := range []func(blockDevice) bool{
		func(d blockDevice) bool { return d.bfq },
		func(d blockDevice) bool { return !strings.HasPrefix(d.name, "loop") },
		func(blockDevice) bool { return true },
	} {
		for _, d := range found {
			if pick(d) {
				return d
			}
		}
	}
	t.Skip("no block device in /sys/block")
	return blockDevice{}
}

// TestBlkioLimits: blockIO lands in the container's blkio (v1) or io
// (v2) cgroup: the weight in the file this kernel has (blkio.weight,
// BFQ's blkio.bfq.weight / io.bfq.weight, or io.weight converted), the
// per-device weight where the device uses BFQ, and the four throttles on
// a real block device, one io.max line on v2.
func TestBlkioLimits(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	dev := hostBlockDevice(t)
	weight, devWeight := uint16(300), uint16(700)
	th := func(rate uint64) []specs.LinuxThrottleDevice {
		d := specs.LinuxThrottleDevice{Rate: rate}
		d.Major, d.Minor = dev.major, dev.minor
		return []specs.LinuxThrottleDevice{d}
	}
	bio := &specs.LinuxBlockIO{
		Weight:                  &weight,
		ThrottleReadBpsDevice:   th(1 << 20),
		ThrottleWriteBpsDevice:  th(2 << 20),
		ThrottleReadIOPSDevice:  th(300),
		ThrottleWriteIOPSDevice: th(400),
	}
	if dev.bfq {
		wd := specs.LinuxWeightDevice{Weight: &devWeight}
		wd.Major, wd.Minor = dev.major, dev.minor
		bio.WeightDevice = []specs.LinuxWeightDevice{wd}
	}
	b := r.bundle("sleep", "1000")
	b.spec.Linux.Resources = &specs.LinuxResources{BlockIO: bio}
	id, st := r.started(b, "blkio")
	defer r.remove(id)

	ctrl := "blkio"
	if pureV2Host() {
		ctrl = "io"
	}
	c := containerCgroup(t, st.Pid, ctrl)
	t.Logf("device %s (%s), %s cgroup %s", dev.name, dev.num(), c.kind(), c.dir)
	if !c.v2 {
		wfile := "blkio.weight"
		if !c.has(wfile) {
			wfile = "blkio.bfq.weight"
		}
		if got := c.file(t, wfile); got != "300" && got != "default 300" {
			t.Errorf("%s: %q, want 300", wfile, got)
		}
		if dev.bfq {
			dfile := strings.Replace(wfile, "weight", "weight_device", 1)
			if got := c.file(t, dfile); !strings.Contains(got, dev.num()+" 700") {
				t.Errorf("%s: %q, want %s 700", dfile, got, dev.num())
			}
		}
		for file, want := range map[string]string{
			"blkio.throttle.read_bps_device":   "1048576",
			"blkio.throttle.write_bps_device":  "2097152",
			"blkio.throttle.read_iops_device":  "300",
			"blkio.throttle.write_iops_device": "400",
		} {
			if got := c.file(t, file); got != dev.num()+" "+want {
				t.Errorf("%s: %q, want %q", file, got, dev.num()+" "+want)
			}
		}
		return
	}
	// io.bfq.weight keeps the v1 scale; io.weight gets
	// 1 + (300-10)*9999/990 = 2929.
	wfile, want := "io.bfq.weight", "default 300"
	if !c.has(wfile) {
		wfile, want = "io.weight", "default 2929"
	}
	if got := c.file(t, wfile); !strings.HasPrefix(got, want) {
		t.Errorf("%s: %q, want %q", wfile, got, want)
	}
	if dev.bfq {
		if got := c.file(t, wfile); !strings.Contains(got, dev.num()+" 700") {
			t.Errorf("%s: %q, want %s 700", wfile, got, dev.num())
		}
	}
	wantMax := dev.num() + " rbps=1048576 wbps=2097152 riops=300 wiops=400"
	if got := c.file(t, "io.max"); !strings.Contains(got, wantMax) {
		t.Errorf("io.max: %q, want %q", got, wantMax)
	}
}

// TestBlkioRefused: what the kernel or the cgroup version cannot take is
// refused by name before the container exists: a weight out of range,
// and a leaf weight on a kernel without CFQ (every kernel since 5.0) or
// on v2.
func TestBlkioRefused(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	low, leaf := uint16(5), uint16(100)
	for _, c := range []struct {
		name string
		bio  specs.LinuxBlockIO
		want []string
	}{
		{"weight-range", specs.LinuxBlockIO{Weight: &low}, []string{"linux.resources.blockIO.weight", "10 to 1000"}},
		{"leaf-weight", specs.LinuxBlockIO{LeafWeight: &leaf}, []string{"linux.resources.blockIO.leafWeight"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.name == "leaf-weight" && hostHasV1File("blkio", "blkio.leaf_weight") {
				t.Skip("this kernel has CFQ's blkio.leaf_weight")
			}
			b := r.bundle("true")
			b.spec.Linux.Resources = &specs.LinuxResources{BlockIO: &c.bio}
			if err := b.write(); err != nil {
				t.Fatal(err)
			}
			id := r.id(c.name)
			res := r.oci("oci-create", "--bundle", b.dir, id)
			if res.code != 1 {
				t.Fatalf("oci-create: %s, want a refusal", res)
			}
			errLine(t, res, "oci-create", id, c.want...)
			assertClean(t, r.root, id)
		})
	}
}

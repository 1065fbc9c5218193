package cgroups

import (
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// The block I/O controller is "blkio" in v1 and "io" in v2.
const (
	blkioV1 = "blkio"
	blkioV2 = "io"
)

// The weight files the plan names. Which of them the kernel has depends
// on its I/O schedulers (resolveBlkio picks): v1 has blkio.weight (CFQ,
// gone since 5.0) or blkio.bfq.weight (BFQ); v2 has io.bfq.weight (BFQ)
// and io.weight (iocost), which counts on another scale.
const (
	v1Weight       = "blkio.weight"
	v1WeightDevice = "blkio.weight_device"
	v1BFQWeight    = "blkio.bfq.weight"
	v1BFQDevice    = "blkio.bfq.weight_device"
	v2BFQWeight    = "io.bfq.weight"
	v2IOWeight     = "io.weight"
)

const blkioField = "linux.resources.blockIO"

// planBlkio: weight, leafWeight, weightDevice and the four throttle
// lists. The spec's weights are v1's (10..1000, 0 for unset); the plan
// writes them to the CFQ file names on v1 and to io.bfq.weight on v2, and
// resolveBlkio moves them to the files this kernel has once the cgroup is
// known.
func planBlkio(r *specs.LinuxResources, v2 bool) ([]step, error) {
	b := r.BlockIO
	if b == nil {
		return nil, nil
	}
	weight, err := blkioWeight(blkioField+".weight", b.Weight)
	if err != nil {
		return nil, err
	}
	leaf, err := blkioWeight(blkioField+".leafWeight", b.LeafWeight)
	if err != nil {
		return nil, err
	}
	if v2 && leaf != 0 {
		return nil, fmt.Errorf("%s.leafWeight: not supported on cgroup v2, which has no leaf weight", blkioField)
	}
	var steps []step
	wfile, dfile := v1Weight, v1WeightDevice
	if v2 {
		wfile, dfile = v2BFQWeight, v2BFQWeight
	}
	if weight != 0 {
		steps = append(steps, one(blkioField+".weight", wfile, strconv.FormatUint(uint64(weight), 10)))
	}
	if leaf != 0 {
		// CFQ's alone: BFQ never had it, so a kernel without CFQ (5.0+)
		// has no file for it, which is an error found before any write.
		steps = append(steps, step{write: write{field: blkioField + ".leafWeight", file: "blkio.leaf_weight",
			value: strconv.FormatUint(uint64(leaf), 10), mustExist: true}})
	}
	for i, d := range b.WeightDevice {
		field := fmt.Sprintf("%s.weightDevice.%d", blkioField, i)
		dev, err := blkioDevice(field, d.Major, d.Minor)
		if err != nil {
			return nil, err
		}
		w, err := blkioWeight(field+".weight", d.Weight)
		if err != nil {
			return nil, err
		}
		lw, err := blkioWeight(field+".leafWeight", d.LeafWeight)
		if err != nil {
			return nil, err
		}
		if v2 && lw != 0 {
			return nil, fmt.Errorf("%s.leafWeight: not supported on cgroup v2, which has no leaf weight", field)
		}
		if w != 0 {
			steps = append(steps, one(field+".weight", dfile, dev+" "+strconv.FormatUint(uint64(w), 10)))
		}
		if lw != 0 {
			steps = append(steps, step{write: write{field: field + ".leafWeight", file: "blkio.leaf_weight_device",
				value: dev + " " + strconv.FormatUint(uint64(lw), 10), mustExist: true}})
		}
	}
	throttles, err := planThrottles(b, v2)
	if err != nil {
		return nil, err
	}
	return append(steps, throttles...), nil
}

// A throttle is one of the spec's four per-device limit lists: its name
// in the spec, its v1 file and its key in v2's io.max.
type throttle struct {
	name, v1File, v2Key string
	devs                []specs.LinuxThrottleDevice
}

// planThrottles: one "MAJ:MIN RATE" write per device into each v1
// throttle file, or one io.max line per device on v2 holding the keys the
// spec gives for it, "MAJ:MIN rbps=N wbps=N riops=N wiops=N".
//
// A rate of 0 lifts the device's limit: v1 reads 0 that way, and v2 gets
// "max", its word for it (it would take a literal 0 as a limit nothing
// passes).
func planThrottles(b *specs.LinuxBlockIO, v2 bool) ([]step, error) {
	lists := []throttle{
		{"throttleReadBpsDevice", "blkio.throttle.read_bps_device", "rbps", b.ThrottleReadBpsDevice},
		{"throttleWriteBpsDevice", "blkio.throttle.write_bps_device", "wbps", b.ThrottleWriteBpsDevice},
		{"throttleReadIOPSDevice", "blkio.throttle.read_iops_device", "riops", b.ThrottleReadIOPSDevice},
		{"throttleWriteIOPSDevice", "blkio.throttle.write_iops_device", "wiops", b.ThrottleWriteIOPSDevice},
	}
	var steps []step
	type line struct {
		field string
		keys  []string
	}
	var order []string
	merged := map[string]*line{}
	for _, l := range lists {
		for i, d := range l.devs {
			field := fmt.Sprintf("%s.%s.%d", blkioField, l.name, i)
			dev, err := blkioDevice(field, d.Major, d.Minor)
			if err != nil {
				return nil, err
			}
			if !v2 {
				steps = append(steps, step{write: write{field: field, file: l.v1File,
					value: dev + " " + strconv.FormatUint(d.Rate, 10), mustExist: true}})
				continue
			}
			rate := unlimitedV2
			if d.Rate != 0 {
				rate = strconv.FormatUint(d.Rate, 10)
			}
			ln := merged[dev]
			if ln == nil {
				// The line is reported under the first entry that names
				// the device.
				ln = &line{field: field}
				merged[dev] = ln
				order = append(order, dev)
			}
			ln.keys = append(ln.keys, l.v2Key+"="+rate)
		}
	}
	for _, dev := range order {
		ln := merged[dev]
		steps = append(steps, step{write: write{field: ln.field, file: "io.max",
			value: dev + " " + strings.Join(ln.keys, " "), mustExist: true}})
	}
	return steps, nil
}

// blkioWeight reads a spec weight: 0 (or none) is unset, else it must
// lie in v1's range, 10..1000.
func blkioWeight(field string, p *uint16) (uint16, error) {
	if p == nil || *p == 0 {
		return 0, nil
	}
	if *p < 10 || *p > 1000 {
		return 0, fmt.Errorf("%s: %d: want 10 to 1000 (or 0 for unset)", field, *p)
	}
	return *p, nil
}

// blkioDevice spells a device number "MAJ:MIN" as the kernel reads it.
func blkioDevice(field string, major, minor int64) (string, error) {
	if major < 0 || minor < 0 {
		return "", fmt.Errorf("%s: device %d:%d: want non-negative major and minor numbers", field, major, minor)
	}
	return strconv.FormatInt(major, 10) + ":" + strconv.FormatInt(minor, 10), nil
}

// ioWeight maps a v1 weight, 10..1000, onto v2's io.weight scale,
// 1..10000, linearly, the conversion runc documents:
// y = 1 + (x - 10) * 9999 / 990, so 10 -> 1, 500 -> 4950, 1000 -> 10000.
// (BFQ's io.bfq.weight keeps the v1 scale and takes the weight as is.)
func ioWeight(w uint64) uint64 { return 1 + (w-10)*9999/990 }

// resolveBlkio moves the weight writes of a blkio group to the files the
// kernel has in cgroup dir: on v1 blkio.weight(_device), else BFQ's
// blkio.bfq.weight(_device); on v2 io.bfq.weight, else io.weight with the
// weight converted (ioWeight). Where neither file exists the write keeps
// the first name and becomes mustExist, so the check before any write
// reports it. Other steps pass unchanged.
func resolveBlkio(f files, dir string, g group) ([]step, error) {
	has := func(name string) bool {
		_, err := f.read(dir, name)
		return !errors.Is(err, fs.ErrNotExist)
	}
	out := make([]step, 0, len(g.steps))
	for _, s := range g.steps {
		switch {
		case !g.v2 && (s.file == v1Weight || s.file == v1WeightDevice):
			alt := v1BFQWeight
			if s.file == v1WeightDevice {
				alt = v1BFQDevice
			}
			if !has(s.file) && has(alt) {
				s.file = alt
			}
			s.mustExist = true
		case g.v2 && s.file == v2BFQWeight:
			if has(v2BFQWeight) {
				break
			}
			// "W" or "MAJ:MIN W": the weight is the last word.
			head, w, _ := strings.Cut(s.value, " ")
			if w == "" {
				head, w = "", head
			}
			n, err := strconv.ParseUint(w, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("%s: weight %q: %w", s.field, w, err)
			}
			s.file, s.value, s.mustExist = v2IOWeight, strconv.FormatUint(ioWeight(n), 10), true
			if head != "" {
				s.value = head + " " + s.value
			}
		}
		out = append(out, s)
	}
	return out, nil
}

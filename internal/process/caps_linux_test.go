package process

import (
	"errors"
	"fmt"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

const (
	capKill    = 5
	capSetpcap = 8
	capSysBoot = 22
)

// dropWithoutSetpcap runs in the helper: it drops CAP_SYS_BOOT from the
// bounding set, then gives up CAP_SETPCAP, as a process joining a
// container whose bounding set is already reduced may have. Dropping the
// same set again must succeed, since nothing is left to drop although the
// kernel refuses every drop; asking for one more capability to go must
// fail.
func dropWithoutSetpcap() error {
	last := LastCap()
	var keep uint64
	for n := 0; n <= last; n++ {
		if inBounding(n) {
			keep |= 1 << n
		}
	}
	keep &^= 1 << capSysBoot
	if err := dropBounding(keep, last); err != nil {
		return fmt.Errorf("first drop: %w", err)
	}
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return err
	}
	data[0].Effective &^= 1 << capSetpcap
	data[0].Permitted &^= 1 << capSetpcap
	if err := unix.Capset(&hdr, &data[0]); err != nil {
		return err
	}
	if err := dropBounding(keep, last); err != nil {
		return fmt.Errorf("drop of capabilities already gone, without CAP_SETPCAP: %w", err)
	}
	if err := dropBounding(keep&^(1<<capKill), last); !errors.Is(err, unix.EPERM) {
		return fmt.Errorf("drop of CAP_KILL without CAP_SETPCAP: %v; want EPERM", err)
	}
	return nil
}

func TestDropBoundingWithoutSetpcap(t *testing.T) {
	needRoot(t)
	_, mask := ownCaps(t)
	if mask&(1<<capSysBoot) == 0 || mask&(1<<capKill) == 0 || mask&(1<<capSetpcap) == 0 {
		t.Skip("needs CAP_SYS_BOOT, CAP_KILL and CAP_SETPCAP in the bounding set")
	}
	out, err := runHelper(t, "drop-bounding", &specs.Process{}, report, nil)
	if err != nil {
		t.Fatal(err)
	}
	parseReport(t, out).checkMask(t, "CapBnd", mask&^(1<<capSysBoot))
}

// TestDropBoundingAll: every capability the kernel has goes, one drop
// each, and what the spec keeps stays.
func TestDropBoundingAll(t *testing.T) {
	needRoot(t)
	_, mask := ownCaps(t)
	keep := mask & (1<<capKill | 1<<capSetpcap)
	p := &specs.Process{
		Cwd:          "/",
		Capabilities: &specs.LinuxCapabilities{Bounding: []string{"CAP_KILL", "CAP_SETPCAP"}},
	}
	out, err := runHelper(t, "setup", p, report, nil)
	if err != nil {
		t.Fatal(err)
	}
	parseReport(t, out).checkMask(t, "CapBnd", keep)
}

func TestSetAmbientNothingAllowed(t *testing.T) {
	// No capability both permitted and inheritable: capset has emptied the
	// ambient set, and nothing is asked of the kernel, which a thread
	// without any capability can check.
	if err := setAmbient(1<<capKill, 0); err != nil {
		t.Errorf("setAmbient with nothing allowed: %v", err)
	}
}

func TestLastCapCached(t *testing.T) {
	if a, b := LastCap(), LastCap(); a != b || a < capSysBoot {
		t.Errorf("LastCap() = %d then %d", a, b)
	}
}

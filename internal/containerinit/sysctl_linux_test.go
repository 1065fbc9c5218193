package containerinit

import "testing"

func TestSysctlPath(t *testing.T) {
	for key, want := range map[string]string{
		"net.ipv4.ip_forward":            "sys/net/ipv4/ip_forward",
		"kernel.shm_rmid_forced":         "sys/kernel/shm_rmid_forced",
		"net.ipv4.conf.eth0/1.rp_filter": "sys/net/ipv4/conf/eth0.1/rp_filter",
	} {
		if got, err := sysctlPath(key); err != nil || got != want {
			t.Errorf("sysctlPath(%q) = %q, %v; want %q", key, got, err, want)
		}
	}
	// Each of these could name a file outside /proc/sys, or none.
	for _, key := range []string{"", "/etc/passwd", "net..ipv4", "net.", ".net", "net.//.self", "net./.x", "kernel./"} {
		if got, err := sysctlPath(key); err == nil {
			t.Errorf("sysctlPath(%q) = %q; want it refused", key, got)
		}
	}
}

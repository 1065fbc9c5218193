package cgroups

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// fakeCgroup writes files into a new directory standing for a cgroup.
func fakeCgroup(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func statsJSON(t *testing.T, m *Manager) string {
	t.Helper()
	s, err := m.Stats()
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestStatsV1(t *testing.T) {
	mem := fakeCgroup(t, map[string]string{
		"memory.usage_in_bytes":       "20971520\n",
		"memory.limit_in_bytes":       "9223372036854771712\n",
		"memory.max_usage_in_bytes":   "31457280\n",
		"memory.memsw.usage_in_bytes": "23068672\n",
		"memory.memsw.limit_in_bytes": "9223372036854771712\n",
		"memory.stat":                 "cache 100\nrss 200\ntotal_cache 1000\ntotal_rss 2000\n",
	})
	cpu := fakeCgroup(t, map[string]string{
		"cpu.stat": "nr_periods 10\nnr_throttled 3\nthrottled_time 5000\nnr_bursts 0\n",
	})
	cpuacct := fakeCgroup(t, map[string]string{
		"cpuacct.usage": "123456789\n",
		// No usage_user/usage_sys: an old kernel, ticks of 10 ms.
		"cpuacct.stat": "user 7\nsystem 2\n",
	})
	pids := fakeCgroup(t, map[string]string{"pids.current": "3\n", "pids.max": "max\n"})
	blkio := fakeCgroup(t, map[string]string{
		"blkio.throttle.io_service_bytes_recursive": "8:16 Read 4096\n8:16 Write 8192\n8:16 Sync 0\n8:16 Total 12288\n8:0 Read 1\n8:0 Write 2\nTotal 12291\n",
		"blkio.throttle.io_serviced_recursive":      "8:16 Read 1\n8:16 Write 2\n8:16 Total 3\nTotal 3\n",
		"blkio.throttle.io_service_bytes":           "8:16 Read 999\n",
		// BFQ's counts fill in the devices no throttle counted (8:32);
		// for the others the throttle count stands.
		"blkio.bfq.io_service_bytes_recursive": "8:16 Read 5\n8:16 Write 6\n8:32 Read 512\n8:32 Write 0\nTotal 523\n",
		"blkio.bfq.io_serviced_recursive":      "8:32 Read 1\n8:32 Write 0\nTotal 1\n",
	})
	huge := fakeCgroup(t, map[string]string{
		"hugetlb.2MB.usage_in_bytes":      "2097152\n",
		"hugetlb.2MB.limit_in_bytes":      "4194304\n",
		"hugetlb.2MB.max_usage_in_bytes":  "2097152\n",
		"hugetlb.1GB.usage_in_bytes":      "0\n",
		"hugetlb.1GB.limit_in_bytes":      "9223372036854771712\n",
		"hugetlb.1GB.max_usage_in_bytes":  "0\n",
		"hugetlb.2MB.rsvd.usage_in_bytes": "7\n",
	})
	m := Load(State{Paths: map[string]string{
		"memory": mem, "cpu": cpu, "cpuacct": cpuacct, "pids": pids, "blkio": blkio, "hugetlb": huge,
	}})
	want := `{"memory":{"usage":20971520,"max_usage":31457280,"cache":1000,"rss":2000,"swap_usage":2097152},` +
		`"cpu":{"usage_total":123456789,"usage_user":70000000,"usage_system":20000000,"periods":10,"throttled_periods":3,"throttled_time":5000},` +
		`"pids":{"current":3},` +
		`"blkio":[{"major":8,"minor":0,"read_bytes":1,"write_bytes":2},{"major":8,"minor":16,"read_bytes":4096,"write_bytes":8192,"read_ios":1,"write_ios":2},{"major":8,"minor":32,"read_bytes":512,"write_bytes":0,"read_ios":1,"write_ios":0}],` +
		`"hugetlb":{"1GB":{"usage":0,"max_usage":0},"2MB":{"usage":2097152,"max_usage":2097152,"limit":4194304}}}`
	if got := statsJSON(t, m); got != want {
		t.Errorf("Stats:\n got %s\nwant %s", got, want)
	}
}

func TestStatsV1LimitsAndNsCounters(t *testing.T) {
	mem := fakeCgroup(t, map[string]string{
		"memory.usage_in_bytes":       "100\n",
		"memory.limit_in_bytes":       "1048576\n",
		"memory.memsw.usage_in_bytes": "150\n",
		"memory.memsw.limit_in_bytes": "3145728\n",
		"memory.stat":                 "cache 1\nrss 2\n",
	})
	cpu := fakeCgroup(t, map[string]string{
		"cpuacct.usage": "9\n", "cpuacct.usage_user": "5\n", "cpuacct.usage_sys": "4\n",
		"cpuacct.stat": "user 1000\nsystem 1000\n",
		"cpu.stat":     "nr_periods 0\nnr_throttled 0\nthrottled_time 0\n",
	})
	pids := fakeCgroup(t, map[string]string{"pids.current": "1\n", "pids.max": "64\n"})
	m := Load(State{Paths: map[string]string{"memory": mem, "cpu,cpuacct": cpu, "pids": pids}})
	want := `{"memory":{"usage":100,"limit":1048576,"cache":1,"rss":2,"swap_usage":50,"swap_limit":2097152},` +
		`"cpu":{"usage_total":9,"usage_user":5,"usage_system":4,"periods":0,"throttled_periods":0,"throttled_time":0},` +
		`"pids":{"current":1,"limit":64}}`
	if got := statsJSON(t, m); got != want {
		t.Errorf("Stats:\n got %s\nwant %s", got, want)
	}
}

func TestStatsV2(t *testing.T) {
	dir := fakeCgroup(t, map[string]string{
		"memory.current":           "4096\n",
		"memory.max":               "max\n",
		"memory.peak":              "8192\n",
		"memory.swap.current":      "0\n",
		"memory.swap.max":          "1048576\n",
		"memory.stat":              "anon 1024\nfile 2048\nkernel 77\n",
		"cpu.stat":                 "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 4\nnr_throttled 1\nthrottled_usec 20\n",
		"pids.current":             "2\n",
		"pids.max":                 "100\n",
		"io.stat":                  "259:0 rbytes=512 wbytes=1024 rios=1 wios=2 dbytes=0 dios=0\n8:0 rbytes=0 wbytes=4096 rios=0 wios=1 dbytes=0 dios=0\n",
		"hugetlb.2MB.current":      "0\n",
		"hugetlb.2MB.max":          "max\n",
		"hugetlb.2MB.rsvd.current": "0\n",
	})
	m := Load(State{Paths: map[string]string{"unified": dir}})
	want := `{"memory":{"usage":4096,"max_usage":8192,"anon":1024,"file":2048,"swap_usage":0,"swap_limit":1048576},` +
		`"cpu":{"usage_total":1500000,"usage_user":1000000,"usage_system":500000,"periods":4,"throttled_periods":1,"throttled_time":20000},` +
		`"pids":{"current":2,"limit":100},` +
		`"blkio":[{"major":8,"minor":0,"read_bytes":0,"write_bytes":4096,"read_ios":0,"write_ios":1},{"major":259,"minor":0,"read_bytes":512,"write_bytes":1024,"read_ios":1,"write_ios":2}],` +
		`"hugetlb":{"2MB":{"usage":0}}}`
	if got := statsJSON(t, m); got != want {
		t.Errorf("Stats:\n got %s\nwant %s", got, want)
	}
}

// On a hybrid host the v1 hierarchies answer for their controllers and
// the unified cgroup only for what no v1 hierarchy carries.
func TestStatsHybrid(t *testing.T) {
	pids := fakeCgroup(t, map[string]string{"pids.current": "5\n", "pids.max": "max\n"})
	unified := fakeCgroup(t, map[string]string{
		"pids.current":        "99\n", // must not be read: v1 pids wins
		"hugetlb.1GB.current": "0\n",
		"hugetlb.1GB.max":     "1073741824\n",
		"cgroup.controllers":  "hugetlb\n",
	})
	m := Load(State{Paths: map[string]string{"pids": pids, "unified": unified}})
	want := `{"pids":{"current":5},"hugetlb":{"1GB":{"usage":0,"limit":1073741824}}}`
	if got := statsJSON(t, m); got != want {
		t.Errorf("Stats:\n got %s\nwant %s", got, want)
	}
}

func TestStatsMalformed(t *testing.T) {
	pids := fakeCgroup(t, map[string]string{"pids.current": "three\n"})
	if _, err := Load(State{Paths: map[string]string{"pids": pids}}).Stats(); err == nil {
		t.Fatal("Stats of a malformed pids.current: no error")
	}
}

func TestStatsNoCgroup(t *testing.T) {
	if _, err := Load(State{}).Stats(); err != ErrNoCgroup {
		t.Fatalf("Stats without paths: %v, want ErrNoCgroup", err)
	}
}

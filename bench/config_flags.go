package main

import (
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Config is the program's command line, recorded in the results.
type Config struct {
	Bin              string   `json:"bin"`
	Runc             string   `json:"runc"`
	Crun             string   `json:"crun"`
	Busybox          string   `json:"busybox"`
	Umoci            string   `json:"umoci"`
	RusageHelper     string   `json:"-"`
	Out              string   `json:"-"`
	TmpDir           string   `json:"-"`
	Runs             int      `json:"runs"`
	Warmup           int      `json:"warmup"`
	MemRuns          int      `json:"mem_runs"`
	Cycles           int      `json:"throughput_cycles"`
	Parallel         int      `json:"throughput_parallel"`
	ThroughputRounds int      `json:"throughput_rounds"`
	ListSize         int      `json:"list_size"`
	UnpackRuns       int      `json:"unpack_runs"`
	Phases           []string `json:"phases"`
	Markdown         bool     `json:"-"`
}

// allPhases, in the order they run; defaultPhases, those a plain make
// bench runs (profile needs perf and is asked for by make bench-profile;
// unpack takes 30 s to minutes, mostly umoci's, and is asked for by make
// bench-unpack).
var (
	allPhases     = []string{"run", "cycle", "idle", "throughput", "memory", "state", "size", "profile", "unpack"}
	defaultPhases = allPhases[:7]
)

// ParseConfig parses the command line.
func ParseConfig(args []string, stderr io.Writer) (Config, error) {
	var c Config
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.Bin, "bin", "bin", "directory of ocikit's tools (make build)")
	fs.StringVar(&c.Runc, "runc", "runc", "runc to compare with; empty to leave it out")
	fs.StringVar(&c.Crun, "crun", "crun", "crun to compare with; empty to leave it out")
	fs.StringVar(&c.Busybox, "busybox", "/bin/busybox", "static busybox for the root filesystem")
	fs.StringVar(&c.RusageHelper, "rusage-helper", "bench/.build/rusage", "the peak-RSS helper (go build ./bench/rusage)")
	fs.StringVar(&c.Out, "out", "bench/results.json", "where to write the results as JSON")
	fs.StringVar(&c.TmpDir, "tmp", "", "directory for bundles and state (default: the system's temporary directory)")
	fs.IntVar(&c.Runs, "runs", 30, "measured runs of each timed command per runtime")
	fs.IntVar(&c.Warmup, "warmup", 5, "unmeasured runs before them")
	fs.IntVar(&c.MemRuns, "mem-runs", 10, "measured runs of the memory and idle phases per runtime")
	fs.IntVar(&c.Cycles, "cycles", 50, "create-start-delete cycles of one throughput batch")
	fs.IntVar(&c.Parallel, "parallel", 8, "cycles in flight at once in a throughput batch")
	fs.IntVar(&c.ThroughputRounds, "throughput-rounds", 3, "throughput batches per runtime")
	fs.IntVar(&c.ListSize, "list", 200, "containers per runtime for the list measurement")
	fs.StringVar(&c.Umoci, "umoci", "umoci", "umoci, which the unpack phase compares oci-bundle with; empty to leave it out")
	fs.IntVar(&c.UnpackRuns, "unpack-runs", 3, "measured unpacks of the unpack phase per tool")
	fs.BoolVar(&c.Markdown, "markdown", false, "print the tables in Markdown")
	phases := fs.String("phases", strings.Join(defaultPhases, ","), "phases to run, comma separated: "+strings.Join(allPhases, ","))
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	var err error
	if c.Phases, err = ParsePhases(*phases); err != nil {
		return Config{}, err
	}
	for name, v := range map[string]int{"runs": c.Runs, "mem-runs": c.MemRuns, "cycles": c.Cycles,
		"parallel": c.Parallel, "throughput-rounds": c.ThroughputRounds, "list": c.ListSize,
		"unpack-runs": c.UnpackRuns} {
		if v < 1 {
			return Config{}, fmt.Errorf("-%s must be at least 1, not %d", name, v)
		}
	}
	if c.Warmup < 0 {
		return Config{}, fmt.Errorf("-warmup must not be negative, not %d", c.Warmup)
	}
	return c, nil
}

// ParsePhases validates a comma-separated phase list and returns it in
// the order the phases run.
func ParsePhases(s string) ([]string, error) {
	want := map[string]bool{}
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if !slices.Contains(allPhases, p) {
			return nil, fmt.Errorf("unknown phase %q (phases: %s)", p, strings.Join(allPhases, ","))
		}
		want[p] = true
	}
	if len(want) == 0 {
		return nil, fmt.Errorf("no phase in %q", s)
	}
	var out []string
	for _, p := range allPhases {
		if want[p] {
			out = append(out, p)
		}
	}
	return out, nil
}

// Has reports whether phase p is to run.
func (c Config) Has(p string) bool { return slices.Contains(c.Phases, p) }

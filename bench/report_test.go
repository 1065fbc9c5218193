package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func sampleResults() *Results {
	r := NewResults([]string{Ocikit, OciRuntime, Runc, Crun})
	m := r.Metric("run.wall", 1, "run /bin/true to completion", "ms", false)
	m.Set(Ocikit, []float64{20, 22, 30})
	m.Set(Runc, []float64{40, 44, 41})
	m.Set(Crun, []float64{10, 11, 12})
	m.Set(OciRuntime, nil) // not measured: no row, no ratio
	tp := r.Metric("throughput", 4, "throughput", "containers/s", true)
	tp.Set(Ocikit, []float64{50})
	tp.Set(Crun, []float64{100})
	r.Sizes = []BinarySize{{Name: "oci-run", Bytes: 3 << 20, Static: true},
		{Name: "crun", Bytes: 1 << 19, Libraries: []string{"libc.so.6"}}}
	r.Notes = []string{"a note"}
	r.ComputeRatios()
	return r
}

func TestComputeRatios(t *testing.T) {
	r := sampleResults()
	m := r.byID["run.wall"]
	if got := m.Ratios["ocikit/crun"]; got != 2 {
		t.Errorf("ocikit/crun = %v, want 2 (22/11)", got)
	}
	if got := m.Ratios["ocikit/runc"]; got != 22.0/41 {
		t.Errorf("ocikit/runc = %v", got)
	}
	if _, ok := m.Ratios["oci-runtime/crun"]; ok {
		t.Error("a ratio for an unmeasured runtime")
	}
	// Throughput has no runc figure: only the crun ratio.
	if tp := r.byID["throughput"]; len(tp.Ratios) != 1 || tp.Ratios["ocikit/crun"] != 0.5 {
		t.Errorf("throughput ratios = %v", tp.Ratios)
	}
	// Metric returns the same metric for the same id.
	if r.Metric("run.wall", 9, "other", "s", true) != m || len(r.Metrics) != 2 {
		t.Error("Metric added a duplicate")
	}
}

func TestWriteTable(t *testing.T) {
	var b bytes.Buffer
	if err := sampleResults().WriteTable(&b, false); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"run /bin/true to completion", "ocikit     22.0   20.0   30.0  3   2.00   0.54",
		"crun       11.0   10.0   12.0  3   1.00   0.27", "throughput (higher is better)",
		"dynamic: libc.so.6", "3145728", "note: a note",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "oci-runtime") {
		t.Errorf("a row for an unmeasured runtime:\n%s", out)
	}
	// Plain rows line up: every row of the first table is as wide as
	// the header, give or take trailing blanks.
	lines := strings.Split(out, "\n")
	for _, l := range lines[1:5] {
		if len(l) != len(lines[0]) {
			t.Errorf("row %q is not aligned with header %q", l, lines[0])
		}
	}
	b.Reset()
	if err := sampleResults().WriteTable(&b, true); err != nil {
		t.Fatal(err)
	}
	md := strings.Split(b.String(), "\n")
	if !strings.HasPrefix(md[0], "| # ") || !strings.HasPrefix(md[1], "| - | ---") || !strings.HasSuffix(md[1], "----: |") {
		t.Errorf("markdown header:\n%s\n%s", md[0], md[1])
	}
}

func TestWriteJSON(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "results.json")
	if err := sampleResults().WriteJSON(path); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		Metrics []Metric     `json:"metrics"`
		Sizes   []BinarySize `json:"sizes"`
	}
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Metrics) != 2 || back.Metrics[0].Values[Ocikit].Median != 22 || back.Metrics[0].Ratios["ocikit/crun"] != 2 {
		t.Errorf("round trip: %+v", back.Metrics)
	}
	if len(back.Sizes) != 2 || back.Sizes[1].Static {
		t.Errorf("sizes: %+v", back.Sizes)
	}
}

func TestFormatValue(t *testing.T) {
	for _, c := range []struct {
		v    float64
		unit string
		want string
	}{{3.14159, "ms", "3.14"}, {31.4159, "ms", "31.4"}, {72.55, "containers/s", "72.5"}, {8936.4, "KiB", "8936"}, {5, "count", "5"}} {
		if got := FormatValue(c.v, c.unit); got != c.want {
			t.Errorf("FormatValue(%v, %q) = %q, want %q", c.v, c.unit, got, c.want)
		}
	}
}

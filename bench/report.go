package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
)

// Metric is one measured quantity for every runtime that has it.
type Metric struct {
	ID             string             `json:"id"`
	Item           int                `json:"item"` // the numbered item of docs/performance.md
	Title          string             `json:"title"`
	Unit           string             `json:"unit"`
	HigherIsBetter bool               `json:"higher_is_better,omitempty"`
	Values         map[string]Summary `json:"values"`
	// Ratios of medians: "ocikit/crun", "ocikit/runc", and the same for
	// oci-runtime. A ratio whose sides are not both measured is absent.
	Ratios map[string]float64 `json:"ratios"`
}

// BinarySize is the size of one executable.
type BinarySize struct {
	Name   string `json:"name"`
	Path   string `json:"path"`
	Bytes  int64  `json:"bytes"`
	Static bool   `json:"static"`
	// Libraries is the DT_NEEDED list of a dynamic executable: its size
	// alone understates what it maps.
	Libraries []string `json:"libraries,omitempty"`
}

// Host describes where the figures were taken.
type Host struct {
	Kernel   string            `json:"kernel"`
	CPUs     int               `json:"cpus"`
	Go       string            `json:"go"`
	Versions map[string]string `json:"versions"`
	Cgroups  string            `json:"cgroups"`
	Date     string            `json:"date"`
}

// Results is everything one run of the program measured.
type Results struct {
	Host    Host         `json:"host"`
	Config  Config       `json:"config"`
	Metrics []*Metric    `json:"metrics"`
	Sizes   []BinarySize `json:"sizes"`
	Notes   []string     `json:"notes"`
	// Profile holds the median timeline of each step ("run", "create",
	// "start", "delete") of each runtime, when the profile phase ran.
	Profile map[string]map[string]TimelineSummary `json:"profile,omitempty"`
	order   []string                              // runtimes in column order
	byID    map[string]*Metric
}

// NewResults starts an empty result set for the given runtimes.
func NewResults(runtimes []string) *Results {
	return &Results{order: runtimes, byID: map[string]*Metric{}}
}

// Metric returns the metric id, adding it on first use.
func (r *Results) Metric(id string, item int, title, unit string, higherBetter bool) *Metric {
	if m, ok := r.byID[id]; ok {
		return m
	}
	m := &Metric{ID: id, Item: item, Title: title, Unit: unit, HigherIsBetter: higherBetter,
		Values: map[string]Summary{}, Ratios: map[string]float64{}}
	r.byID[id] = m
	r.Metrics = append(r.Metrics, m)
	return m
}

// Set records the samples of one runtime for metric m.
func (m *Metric) Set(runtime string, samples []float64) {
	if len(samples) > 0 {
		m.Values[runtime] = Summarize(samples)
	}
}

// ComputeRatios fills every metric's ratios of medians.
func (r *Results) ComputeRatios() {
	for _, m := range r.Metrics {
		for _, a := range []string{Ocikit, OciRuntime} {
			for _, b := range []string{Crun, Runc} {
				va, oka := m.Values[a]
				vb, okb := m.Values[b]
				if !oka || !okb {
					continue
				}
				if q := Ratio(va.Median, vb.Median); !math.IsNaN(q) {
					m.Ratios[a+"/"+b] = q
				}
			}
		}
	}
}

// WriteJSON writes the results to path, creating its directory.
func (r *Results) WriteJSON(path string) error {
	raw, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("encode results: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("mkdir %q: %w", filepath.Dir(path), err)
	}
	if err := os.WriteFile(path, append(raw, '\n'), 0o644); err != nil {
		return fmt.Errorf("write %q: %w", path, err)
	}
	return nil
}

// WriteTable prints the metrics, one row per runtime, with the median,
// the extremes and the ratios of the row's median to crun's and runc's
// (for ocikit's rows: ocikit/crun and ocikit/runc), then the binary
// sizes and the notes. With markdown set the tables are Markdown, as
// docs/performance.md shows them.
func (r *Results) WriteTable(w io.Writer, markdown bool) error {
	t := &table{markdown: markdown, right: []bool{false, false, false, false, true, true, true, true, true, true}}
	t.add("#", "metric", "unit", "runtime", "median", "min", "max", "n", "/crun", "/runc")
	for _, m := range r.Metrics {
		title := m.Title
		if m.HigherIsBetter {
			title += " (higher is better)"
		}
		first := true
		for _, rt := range r.order {
			v, ok := m.Values[rt]
			if !ok {
				continue
			}
			item, name, unit := "", "", ""
			if first {
				item, name, unit = fmt.Sprint(m.Item), title, m.Unit
				first = false
			}
			t.add(item, name, unit, rt, FormatValue(v.Median, m.Unit), FormatValue(v.Min, m.Unit),
				FormatValue(v.Max, m.Unit), fmt.Sprint(v.N), ratioCell(m, rt, Crun), ratioCell(m, rt, Runc))
		}
	}
	if err := t.write(w); err != nil {
		return err
	}
	if len(r.Sizes) > 0 {
		t = &table{markdown: markdown, right: []bool{false, false, true, true, false}}
		t.add("#", "binary", "bytes", "MiB", "linking")
		for i, s := range r.Sizes {
			link := "static"
			if !s.Static {
				link = "dynamic: " + strings.Join(s.Libraries, " ")
			}
			item := ""
			if i == 0 {
				item = "7"
			}
			t.add(item, s.Name, fmt.Sprint(s.Bytes), fmt.Sprintf("%.2f", float64(s.Bytes)/(1<<20)), link)
		}
		fmt.Fprintln(w)
		if err := t.write(w); err != nil {
			return err
		}
	}
	for _, step := range []string{"run", "create", "start", "delete"} {
		if sums, ok := r.Profile[step]; ok {
			fmt.Fprintln(w)
			if err := WriteTimelines(w, step, r.order, sums, markdown); err != nil {
				return err
			}
		}
	}
	if len(r.Notes) > 0 {
		fmt.Fprintln(w)
	}
	for _, n := range r.Notes {
		if _, err := fmt.Fprintf(w, "note: %s\n", n); err != nil {
			return err
		}
	}
	return nil
}

func ratioCell(m *Metric, rt, base string) string {
	if rt == base {
		return "1.00"
	}
	va, oka := m.Values[rt]
	vb, okb := m.Values[base]
	if !oka || !okb {
		return "-"
	}
	q := Ratio(va.Median, vb.Median)
	if math.IsNaN(q) {
		return "-"
	}
	return fmt.Sprintf("%.2f", q)
}

// FormatValue prints a value with the precision its unit deserves.
func FormatValue(v float64, unit string) string {
	switch unit {
	case "ms":
		if v < 10 {
			return fmt.Sprintf("%.2f", v)
		}
		return fmt.Sprintf("%.1f", v)
	case "containers/s":
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.0f", v)
	}
}

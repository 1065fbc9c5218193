package main

import (
	"math"
	"slices"
	"testing"
	"time"
)

func TestSummarize(t *testing.T) {
	cases := []struct {
		in   []float64
		want Summary
	}{
		{nil, Summary{}},
		{[]float64{4}, Summary{N: 1, Median: 4, Min: 4, Max: 4, Mean: 4}},
		{[]float64{3, 1, 2}, Summary{N: 3, Median: 2, Min: 1, Max: 3, Mean: 2, Stddev: 1}},
		{[]float64{10, 1, 4, 2}, Summary{N: 4, Median: 3, Min: 1, Max: 10, Mean: 4.25, Stddev: math.Sqrt(16.25)}},
	}
	for _, c := range cases {
		in := slices.Clone(c.in)
		got := Summarize(c.in)
		if got.N != c.want.N || got.Median != c.want.Median || got.Min != c.want.Min ||
			got.Max != c.want.Max || got.Mean != c.want.Mean || math.Abs(got.Stddev-c.want.Stddev) > 1e-9 {
			t.Errorf("Summarize(%v) = %+v, want %+v", c.in, got, c.want)
		}
		if !slices.Equal(in, c.in) {
			t.Errorf("Summarize sorted its argument: %v", c.in)
		}
	}
}

func TestRatio(t *testing.T) {
	if r := Ratio(30, 10); r != 3 {
		t.Errorf("Ratio(30, 10) = %v", r)
	}
	for _, c := range [][2]float64{{1, 0}, {0, 1}, {-1, 2}} {
		if r := Ratio(c[0], c[1]); !math.IsNaN(r) {
			t.Errorf("Ratio(%v, %v) = %v, want NaN", c[0], c[1], r)
		}
	}
}

func TestMillis(t *testing.T) {
	if m := Millis(1500 * time.Microsecond); m != 1.5 {
		t.Errorf("Millis = %v", m)
	}
}

func TestRotation(t *testing.T) {
	first := map[int]int{}
	for r := range 6 {
		o := Rotation(3, r)
		s := slices.Clone(o)
		slices.Sort(s)
		if !slices.Equal(s, []int{0, 1, 2}) {
			t.Fatalf("Rotation(3, %d) = %v is not a permutation", r, o)
		}
		first[o[0]]++
	}
	for v := range 3 {
		if first[v] != 2 {
			t.Errorf("variant %d went first %d times in 6 rounds, want 2", v, first[v])
		}
	}
}

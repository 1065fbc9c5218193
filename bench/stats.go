package main

import (
	"math"
	"slices"
	"time"
)

// Summary describes a set of samples of one quantity. Durations are kept
// in milliseconds and sizes in KiB by the callers, so one type serves
// both.
type Summary struct {
	N      int     `json:"n"`
	Median float64 `json:"median"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
	Mean   float64 `json:"mean"`
	Stddev float64 `json:"stddev"`
}

// Summarize computes the summary of xs; an empty slice gives the zero
// Summary. The median of an even count is the mean of the two middle
// values.
func Summarize(xs []float64) Summary {
	if len(xs) == 0 {
		return Summary{}
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	var sum float64
	for _, x := range s {
		sum += x
	}
	mean := sum / float64(n)
	var sq float64
	for _, x := range s {
		sq += (x - mean) * (x - mean)
	}
	std := 0.0
	if n > 1 {
		// The sample standard deviation: the samples estimate the
		// spread of the runtime, not of these particular runs.
		std = math.Sqrt(sq / float64(n-1))
	}
	med := s[n/2]
	if n%2 == 0 {
		med = (s[n/2-1] + s[n/2]) / 2
	}
	return Summary{N: n, Median: med, Min: s[0], Max: s[n-1], Mean: mean, Stddev: std}
}

// Millis converts a duration to float milliseconds.
func Millis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// Ratio is a/b, or NaN when b is zero or either side is missing, so that a
// missing runtime shows as "-" rather than as a misleading number.
func Ratio(a, b float64) float64 {
	if a <= 0 || b <= 0 {
		return math.NaN()
	}
	return a / b
}

// Rotation returns the order in which round r visits n variants: the
// identity rotated left by r, so each variant goes first equally often.
func Rotation(n, r int) []int {
	order := make([]int, n)
	for i := range order {
		order[i] = (i + r) % n
	}
	return order
}

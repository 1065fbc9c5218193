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

// Order returns the order in which round r visits n variants. Rounds go
// through all n! permutations, each once in every n! consecutive rounds,
// so that every variant goes first, and follows every other variant,
// equally often. The predecessor matters: a runtime that runs right
// after a slow one (runc's delete waits 100 ms) meets a host whose
// kernel state has gone idle, and pays for it on its next cgroup
// migration (docs/performance.md). A plain rotation would give each
// runtime the same predecessor every round.
//
// Consecutive rounds step through the permutations by a prime larger
// than n, which shares no factor with n!, so that a run cut short still
// sees a spread of orders rather than n!/n rounds starting alike.
func Order(n, r int) []int {
	if n <= 0 {
		return nil
	}
	fact := 1
	for i := 2; i <= n; i++ {
		fact *= i
	}
	step := nextPrime(n)
	return permutation(n, (r%fact)*step%fact)
}

// permutation returns the k-th permutation of 0..n-1 in lexicographic
// order (k < n!), by the factorial number system.
func permutation(n, k int) []int {
	pool := make([]int, n)
	for i := range pool {
		pool[i] = i
	}
	fact := 1
	for i := 2; i < n; i++ {
		fact *= i
	}
	out := make([]int, 0, n)
	for i := n - 1; i >= 0; i-- {
		j := k / fact
		k %= fact
		out = append(out, pool[j])
		pool = append(pool[:j], pool[j+1:]...)
		if i > 0 {
			fact /= i
		}
	}
	return out
}

func nextPrime(n int) int {
	for p := n + 1; ; p++ {
		prime := p > 1
		for d := 2; d*d <= p; d++ {
			if p%d == 0 {
				prime = false
				break
			}
		}
		if prime {
			return p
		}
	}
}

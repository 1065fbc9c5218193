package main

import (
	"fmt"
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

func TestPermutation(t *testing.T) {
	var all [][]int
	for k := range 6 {
		all = append(all, permutation(3, k))
	}
	want := [][]int{{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}}
	for i := range want {
		if !slices.Equal(all[i], want[i]) {
			t.Errorf("permutation(3, %d) = %v, want %v", i, all[i], want[i])
		}
	}
}

func TestOrder(t *testing.T) {
	for _, n := range []int{1, 2, 3, 4} {
		fact := 1
		for i := 2; i <= n; i++ {
			fact *= i
		}
		seen := map[string]bool{}
		first := map[int]int{}
		follows := map[[2]int]int{}
		// Any n! consecutive rounds, not only those from 0: the warm-up
		// rounds are dropped.
		for r := 5; r < 5+fact; r++ {
			o := Order(n, r)
			s := slices.Clone(o)
			slices.Sort(s)
			for i := range s {
				if s[i] != i {
					t.Fatalf("Order(%d, %d) = %v is not a permutation", n, r, o)
				}
			}
			seen[fmt.Sprint(o)] = true
			first[o[0]]++
			for i := 1; i < n; i++ {
				follows[[2]int{o[i-1], o[i]}]++
			}
		}
		if len(seen) != fact {
			t.Errorf("n=%d: %d distinct orders in %d rounds", n, len(seen), fact)
		}
		for v := range n {
			if first[v] != fact/n {
				t.Errorf("n=%d: variant %d first %d times, want %d", n, v, first[v], fact/n)
			}
		}
		for a := range n {
			for b := range n {
				if a != b && n > 1 && follows[[2]int{a, b}] != fact/n {
					t.Errorf("n=%d: %d right after %d %d times, want %d", n, b, a, follows[[2]int{a, b}], fact/n)
				}
			}
		}
	}
	if Order(0, 3) != nil {
		t.Error("Order(0) is not empty")
	}
	if nextPrime(4) != 5 || nextPrime(5) != 7 || nextPrime(1) != 2 {
		t.Error("nextPrime")
	}
}

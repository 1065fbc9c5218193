package process

import (
	"strings"
	"testing"
)

func TestParseCPUList(t *testing.T) {
	for _, tc := range []struct {
		list string
		want []int
	}{
		{"0", []int{0}},
		{"1", []int{1}},
		{"0-3,7", []int{0, 1, 2, 3, 7}},
		{" 2 , 4-5 ", []int{2, 4, 5}},
		{"3-3", []int{3}},
		{"1023", []int{1023}},
	} {
		set, err := ParseCPUList(tc.list)
		if err != nil {
			t.Errorf("%q: %v", tc.list, err)
			continue
		}
		var got []int
		for cpu := 0; cpu < len(set)*64; cpu++ {
			if set.IsSet(cpu) {
				got = append(got, cpu)
			}
		}
		if len(got) != len(tc.want) || set.Count() != len(tc.want) {
			t.Errorf("%q: got %v, want %v", tc.list, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%q: got %v, want %v", tc.list, got, tc.want)
				break
			}
		}
	}
	for _, tc := range []struct{ list, want string }{
		{"", "empty"},
		{"a", `bad item "a"`},
		{"3-1", `bad range "3-1"`},
		{"1-", `bad range "1-"`},
		{"-1", `bad item "-1"`},
		{"0,,1", `bad item ""`},
		{"1024", "cpu 1024 beyond 1023"},
	} {
		if _, err := ParseCPUList(tc.list); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want %q", tc.list, err, tc.want)
		}
	}
}

func TestSetAffinityError(t *testing.T) {
	err := SetAffinity(0, "x", "process.execCPUAffinity.final")
	if err == nil || !strings.HasPrefix(err.Error(), "process.execCPUAffinity.final: cpu list") {
		t.Errorf("got %v, want an error naming the field", err)
	}
}

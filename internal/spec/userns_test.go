package spec

import (
	"strings"
	"testing"
)

// TestParseUserNS covers the forms of the userns annotation and that
// String gives back a value that parses to the same thing.
func TestParseUserNS(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want UserNSAuto
		str  string
	}{
		{"auto", UserNSAuto{65536, "ocikit"}, "auto"},
		{"auto:size=65536", UserNSAuto{65536, "ocikit"}, "auto"},
		{"auto:size=1024", UserNSAuto{1024, "ocikit"}, "auto:size=1024"},
		{"auto:user=pool", UserNSAuto{65536, "pool"}, "auto:size=65536,user=pool"},
		{"auto:user=pool,size=2", UserNSAuto{2, "pool"}, "auto:size=2,user=pool"},
	} {
		got, err := ParseUserNS(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("%q: %+v, %v; want %+v", tc.in, got, err, tc.want)
			continue
		}
		if got.String() != tc.str {
			t.Errorf("%q: String %q, want %q", tc.in, got.String(), tc.str)
		}
		if back, err := ParseUserNS(got.String()); err != nil || back != got {
			t.Errorf("%q: String does not parse back: %+v, %v", tc.in, back, err)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"", "want auto"},
		{"manual", "want auto"},
		{"automatic", "want auto"},
		{"auto:", "want auto"},
		{"auto:size=1", `size "1"`},
		{"auto:size=", `size ""`},
		{"auto:size=4294967296", `size "4294967296"`},
		{"auto:size=10,size=20", "size given twice"},
		{"auto:user=", `user ""`},
		{"auto:user=a:b", `user "a:b"`},
		{"auto:uid=5", `unknown option "uid"`},
	} {
		if _, err := ParseUserNS(tc.in); err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), AnnotationUserNS) {
			t.Errorf("%q: %v, want an error with %q", tc.in, err, tc.want)
		}
	}
}

package spec

import (
	"regexp"
	"testing"
)

// semverGrammar is semver.org's grammar as a regular expression, the
// reference semverMajor is checked against (the package itself does without
// one, to keep start-up cheap).
var semverGrammar = regexp.MustCompile(`^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)` +
	`(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$`)

func TestSemverMajor(t *testing.T) {
	cases := []string{
		"1.0.0", "1.0.2-dev", "1.3.0", "0.9.0", "2.0.0", "10.20.30", "1.0.0-alpha",
		"1.0.0-alpha.1", "1.0.0-0.3.7", "1.0.0-x.7.z.92", "1.0.0-alpha+001",
		"1.0.0+20130313144700", "1.0.0-beta+exp.sha.5114f85", "1.0.0-alpha-1",
		"1.0.0+a-b", "1.0.0-a+b+c", "1.0.0--", "1.0.0-+", "1.0.0+", "1.0.0-",
		"1.0", "1", "", ".1.0", "1..0", "1.0.0.", "1.0.0.0", "01.0.0", "1.00.0",
		"1.0.00", "v1.0.0", "1.0.0-a..b", "1.0.0-.a", "1.0.0-a.", "1.0.0+a..b",
		"1.0.0-é", "1.0.0 ", " 1.0.0", "1.0.0-a_b", "-1.0.0", "1.-0.0", "99999999999999999999.0.0",
	}
	for _, v := range cases {
		m := semverGrammar.FindStringSubmatch(v)
		major, ok := semverMajor(v)
		if ok != (m != nil) || (ok && major != m[1]) {
			t.Errorf("semverMajor(%q) = %q, %v; the grammar says %q", v, major, ok, m)
		}
	}
}

package spec

import "strings"

// semverMajor returns the major version of v when v is a semantic version
// by semver.org's grammar: MAJOR.MINOR.PATCH without leading zeros, then an
// optional pre-release after '-' and optional build metadata after '+',
// each dot-separated identifiers of [0-9A-Za-z-] ("1.0.2-dev" is what runc
// writes).
//
// It is written out rather than a regular expression because every tool
// that loads a config links this package, and a compiled expression costs
// its start-up.
func semverMajor(v string) (major string, ok bool) {
	// Build metadata is everything after the first '+', the pre-release
	// everything between the first '-' and it: neither the core nor the
	// pre-release may hold a '+', and the core holds no '-'.
	rest, build, hasBuild := strings.Cut(v, "+")
	if hasBuild && !identifiers(build) {
		return "", false
	}
	core, pre, hasPre := strings.Cut(rest, "-")
	if hasPre && !identifiers(pre) {
		return "", false
	}
	major, rest, ok1 := strings.Cut(core, ".")
	minor, patch, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || !number(major) || !number(minor) || !number(patch) {
		return "", false
	}
	return major, true
}

// number reports whether s is 0 or digits without a leading zero.
func number(s string) bool {
	if s == "" || (s[0] == '0' && len(s) > 1) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// identifiers reports whether s is one or more non-empty dot-separated
// identifiers of [0-9A-Za-z-].
func identifiers(s string) bool {
	start := true // at the start of an identifier
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.':
			if start {
				return false
			}
			start = true
			continue
		case c >= '0' && c <= '9', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '-':
		default:
			return false
		}
		start = false
	}
	return !start
}

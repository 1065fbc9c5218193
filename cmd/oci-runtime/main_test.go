package main

import (
	"reflect"
	"testing"
)

func TestStripIgnoredGlobals(t *testing.T) {
	for _, c := range []struct{ in, want []string }{
		{[]string{"--root", "/r", "--rootless", "true", "spec", "--rootless"}, []string{"--root", "/r", "spec", "--rootless"}},
		{[]string{"--rootless=auto", "--criu", "/usr/sbin/criu", "state", "x"}, []string{"--criu", "/usr/sbin/criu", "state", "x"}},
		{[]string{"--rootless", "list"}, []string{"list"}},
		{[]string{"--log-format", "json", "--criu=/c", "kill", "--rootless"}, []string{"--log-format", "json", "--criu=/c", "kill", "--rootless"}},
	} {
		if got := stripIgnoredGlobals(c.in); !reflect.DeepEqual(got, c.want) {
			t.Errorf("stripIgnoredGlobals(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

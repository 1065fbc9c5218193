package container

import (
	"errors"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/ocikit/ocikit/internal/subid"
)

func TestSelfMap(t *testing.T) {
	m := func(c, h, n uint32) specs.LinuxIDMapping {
		return specs.LinuxIDMapping{ContainerID: c, HostID: h, Size: n}
	}
	for _, c := range []struct {
		maps []specs.LinuxIDMapping
		want bool
	}{
		{[]specs.LinuxIDMapping{m(0, 1000, 1)}, true},
		{[]specs.LinuxIDMapping{m(5, 1000, 1)}, true}, // any container id
		{[]specs.LinuxIDMapping{m(0, 1001, 1)}, false},
		{[]specs.LinuxIDMapping{m(0, 1000, 2)}, false},
		{[]specs.LinuxIDMapping{m(0, 1000, 1), m(1, 100000, 65536)}, false},
		{nil, false},
	} {
		if got := selfMap(c.maps, 1000); got != c.want {
			t.Errorf("selfMap(%v, 1000) = %v, want %v", c.maps, got, c.want)
		}
	}
}

func TestHelperFailureNoEntry(t *testing.T) {
	kind := idMapKind{helper: "newuidmap", subids: t.TempDir() + "/subuid"}
	err := helperFailure(kind, "newuidmap: uid range [1-2) -> [300000-300001) not allowed")
	want := "newuidmap: uid range [1-2) -> [300000-300001) not allowed: user "
	if got := err.Error(); !strings.HasPrefix(got, want) || !strings.Contains(got, "has no entry in "+kind.subids) {
		t.Errorf("helperFailure with no file = %q, want it to start %q and name %s", got, want, kind.subids)
	}
	if !errors.Is(err, subid.ErrNoEntry) {
		t.Errorf("helperFailure with no file: %v is not subid.ErrNoEntry", err)
	}
}

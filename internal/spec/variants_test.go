package spec

import (
	"bytes"
	"reflect"
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/ocikit/ocikit/internal/caps"
	"github.com/ocikit/ocikit/internal/subid"
)

// TestToRootlessSubIDs: root is the user, the ranges follow from container
// ID 1 in file order, devpts keeps gid=5 (mapped now), and the rest is
// ToRootless's conversion.
func TestToRootlessSubIDs(t *testing.T) {
	s := Default()
	ToRootlessSubIDs(s, 1000, 1001,
		[]subid.Range{{Start: 100000, Count: 65536}, {Start: 300000, Count: 10}},
		[]subid.Range{{Start: 200000, Count: 65536}})
	wantU := []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1000, Size: 1},
		{ContainerID: 1, HostID: 100000, Size: 65536}, {ContainerID: 65537, HostID: 300000, Size: 10}}
	wantG := []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1001, Size: 1},
		{ContainerID: 1, HostID: 200000, Size: 65536}}
	if !reflect.DeepEqual(s.Linux.UIDMappings, wantU) || !reflect.DeepEqual(s.Linux.GIDMappings, wantG) {
		t.Errorf("mappings %+v %+v", s.Linux.UIDMappings, s.Linux.GIDMappings)
	}
	for _, m := range s.Mounts {
		if m.Destination == "/dev/pts" && !slices.Contains(m.Options, "gid=5") {
			t.Errorf("devpts lost gid=5, a mapped group: %v", m.Options)
		}
		if m.Destination == "/sys" && m.Type != "none" {
			t.Errorf("/sys is %s, want the host's bound", m.Type)
		}
	}
	if s.Linux.Resources != nil {
		t.Error("linux.resources kept")
	}
	if _, ps := Check(mustMarshal(t, s), Options{}); len(ps) > 0 {
		t.Errorf("problems: %v", ps)
	}

	// The one-ID conversion still drops gid=5, which it cannot map.
	one := Default()
	ToRootless(one, 1000, 1000)
	for _, m := range one.Mounts {
		if m.Destination == "/dev/pts" && slices.Contains(m.Options, "gid=5") {
			t.Errorf("one-ID rootless kept gid=5: %v", m.Options)
		}
	}
}

// TestSubIDMappingsCut: ranges past the last 32-bit container ID are cut
// there, so the kernel is never handed a map it refuses.
func TestSubIDMappingsCut(t *testing.T) {
	ms := subIDMappings(5, []subid.Range{{Start: 10, Count: 4294967295}, {Start: 1, Count: 3}})
	want := []specs.LinuxIDMapping{{ContainerID: 0, HostID: 5, Size: 1}, {ContainerID: 1, HostID: 10, Size: 4294967295}}
	if !reflect.DeepEqual(ms, want) {
		t.Errorf("%+v, want %+v", ms, want)
	}
}

// TestToUserNSAuto: a new user namespace without mappings, the
// annotation, every capability, no masks under /proc and /sys (others
// stay), and a valid spec; a joined user namespace is refused.
func TestToUserNSAuto(t *testing.T) {
	s := Default()
	s.Linux.UIDMappings = []specs.LinuxIDMapping{{HostID: 1, Size: 1}}
	s.Linux.MaskedPaths = append(s.Linux.MaskedPaths, "/data/secret")
	if err := ToUserNSAuto(s, "auto:size=1024"); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, ns := range s.Linux.Namespaces {
		if ns.Type == specs.UserNamespace {
			n++
		}
	}
	if n != 1 || s.Linux.UIDMappings != nil || s.Linux.GIDMappings != nil {
		t.Errorf("user namespaces %d, mappings %v %v", n, s.Linux.UIDMappings, s.Linux.GIDMappings)
	}
	if s.Annotations[AnnotationUserNS] != "auto:size=1024" {
		t.Errorf("annotations %v", s.Annotations)
	}
	if !reflect.DeepEqual(s.Linux.MaskedPaths, []string{"/data/secret"}) || s.Linux.ReadonlyPaths != nil {
		t.Errorf("masked %v, read-only %v", s.Linux.MaskedPaths, s.Linux.ReadonlyPaths)
	}
	c := s.Process.Capabilities
	for _, set := range [][]string{c.Bounding, c.Effective, c.Permitted} {
		if !reflect.DeepEqual(set, caps.Names()) {
			t.Errorf("capability set %v, want all", set)
		}
	}
	if _, ps := Check(mustMarshal(t, s), Options{}); len(ps) > 0 {
		t.Errorf("problems: %v", ps)
	}
	// Converting again changes nothing.
	again := mustMarshal(t, s)
	if err := ToUserNSAuto(s, "auto:size=1024"); err != nil || !bytes.Equal(mustMarshal(t, s), again) {
		t.Errorf("second conversion: %v", err)
	}

	j := Default()
	j.Linux.Namespaces = append(j.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace, Path: "/proc/1/ns/user"})
	if err := ToUserNSAuto(j, "auto"); err == nil || !strings.Contains(err.Error(), "/proc/1/ns/user") {
		t.Errorf("joined user namespace: %v", err)
	}
	if err := ToUserNSAuto(Default(), "manual"); err == nil {
		t.Error("a bad value accepted")
	}
}

// TestUserNSFlag: --userns auto=N is short for auto:size=N.
func TestUserNSFlag(t *testing.T) {
	for in, want := range map[string]string{"auto": "auto", "auto=100": "auto:size=100", "auto:user=x": "auto:user=x"} {
		if got := UserNSFlag(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}

// TestWriteDefaultVariants: the subids and userns variants are written,
// and --rootless with --userns is refused.
func TestWriteDefaultVariants(t *testing.T) {
	var b bytes.Buffer
	err := WriteDefault("-", DefaultOptions{Rootless: true, UID: 7, GID: 8,
		SubUIDs: []subid.Range{{Start: 100, Count: 2}}, SubGIDs: []subid.Range{{Start: 200, Count: 3}}}, &b)
	if err != nil || !strings.Contains(b.String(), `"hostID": 100`) || !strings.Contains(b.String(), `"hostID": 200`) {
		t.Errorf("subids: %v\n%s", err, b.String())
	}
	b.Reset()
	if err := WriteDefault("-", DefaultOptions{UserNS: "auto"}, &b); err != nil || !strings.Contains(b.String(), `"org.ocikit.userns": "auto"`) {
		t.Errorf("userns: %v\n%s", err, b.String())
	}
	if err := WriteDefault("-", DefaultOptions{Rootless: true, UserNS: "auto"}, &b); err == nil {
		t.Error("--rootless with --userns accepted")
	}
}

func mustMarshal(t *testing.T, s *specs.Spec) []byte {
	t.Helper()
	data, err := Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

package specedit

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/ocikit/ocikit/internal/spec"
	"github.com/ocikit/ocikit/internal/subid"
)

// convertsLike checks that edit c on the default spec gives what convert
// gives on a decoded one, keeps an unknown field, and changes nothing more
// when applied again.
func convertsLike(t *testing.T, c Changes, convert func(*specs.Spec)) []byte {
	t.Helper()
	doc, err := Set(defaultDoc(t), "linux.x-extra", "kept", false)
	if err != nil {
		t.Fatal(err)
	}
	out, err := apply(t, c, doc)
	if err != nil {
		t.Fatal(err)
	}
	var got specs.Spec
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	want := spec.Default()
	convert(want)
	if !reflect.DeepEqual(&got, want) {
		g, _ := json.MarshalIndent(&got, "", " ")
		w, _ := json.MarshalIndent(want, "", " ")
		t.Errorf("conversion:\n%s\nwant\n%s", g, w)
	}
	if v, _ := Get(out, "linux.x-extra"); v != "kept" {
		t.Errorf("unknown field lost:\n%s", out)
	}
	again, err := apply(t, c, out)
	if err != nil || string(again) != string(out) {
		t.Errorf("second conversion changed the document (%v):\n%s", err, again)
	}
	return out
}

// TestRootlessSubIDs: --rootless --subids means spec.ToRootlessSubIDs.
func TestRootlessSubIDs(t *testing.T) {
	us := []subid.Range{{Start: 100000, Count: 65536}}
	gs := []subid.Range{{Start: 200000, Count: 65536}, {Start: 900000, Count: 5}}
	out := convertsLike(t, Changes{Rootless: true, RootlessUID: 1000, RootlessGID: 1000, SubUIDs: us, SubGIDs: gs},
		func(s *specs.Spec) { spec.ToRootlessSubIDs(s, 1000, 1000, us, gs) })
	if got := compactAt(t, out, "linux.gidMappings"); got != `[{"containerID":0,"hostID":1000,"size":1},{"containerID":1,"hostID":200000,"size":65536},{"containerID":65537,"hostID":900000,"size":5}]` {
		t.Errorf("gidMappings %s", got)
	}
	if _, err := apply(t, Changes{SubUIDs: us}, defaultDoc(t)); err == nil || !strings.Contains(err.Error(), "--subids needs --rootless") {
		t.Errorf("--subids alone: %v", err)
	}
}

// TestUserNSAuto: --userns means spec.ToUserNSAuto; it excludes
// --rootless, names itself on a bad value, and an explicit flag applied
// after it wins.
func TestUserNSAuto(t *testing.T) {
	out := convertsLike(t, Changes{UserNS: "auto:size=4096"}, func(s *specs.Spec) {
		if err := spec.ToUserNSAuto(s, "auto:size=4096"); err != nil {
			t.Fatal(err)
		}
	})
	for _, p := range []string{"linux.uidMappings", "linux.maskedPaths", "linux.readonlyPaths"} {
		if got := compactAt(t, out, p); got != "<missing>" {
			t.Errorf("%s: %s, want it gone", p, got)
		}
	}
	if _, err := apply(t, Changes{UserNS: "auto", Rootless: true}, defaultDoc(t)); err == nil || !strings.Contains(err.Error(), "contradict") {
		t.Errorf("--userns with --rootless: %v", err)
	}
	if _, err := apply(t, Changes{UserNS: "auto:size=x"}, defaultDoc(t)); err == nil || !strings.HasPrefix(err.Error(), "--userns: ") {
		t.Errorf("bad value: %v", err)
	}
	joined, err := Set(defaultDoc(t), "linux.namespaces.-1", `{"type":"user","path":"/proc/1/ns/user"}`, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := apply(t, Changes{UserNS: "auto"}, joined); err == nil || !strings.Contains(err.Error(), "/proc/1/ns/user") {
		t.Errorf("joined user namespace: %v", err)
	}
	out, err = apply(t, Changes{UserNS: "auto", CapDrop: []string{"SYS_ADMIN"}}, defaultDoc(t))
	if err != nil || strings.Contains(compactAt(t, out, "process.capabilities.bounding"), "CAP_SYS_ADMIN") {
		t.Errorf("--userns then --cap-drop: %v\n%s", err, compactAt(t, out, "process.capabilities.bounding"))
	}
}

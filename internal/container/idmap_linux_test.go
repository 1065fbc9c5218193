package container

import (
	"log/slog"
	"os"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/ocikit/ocikit/internal/initproto"
	"github.com/ocikit/ocikit/internal/spec"
)

func TestIDMapOptions(t *testing.T) {
	for _, c := range []struct {
		opts                 []string
		idmap, ridmap, rbind bool
	}{
		{nil, false, false, false},
		{[]string{"bind", "ro"}, false, false, false},
		{[]string{"rbind", "idmap"}, true, false, true},
		{[]string{"bind", "ridmap"}, true, true, false},
		// crun's inline form is not the extension: the mount code
		// refuses it.
		{[]string{"rbind", "idmap=uids=0-1-1"}, false, false, true},
	} {
		i, r, b := idmapOptions(c.opts)
		if i != c.idmap || r != c.ridmap || b != c.rbind {
			t.Errorf("%v: idmap %v ridmap %v rbind %v, want %v %v %v", c.opts, i, r, b, c.idmap, c.ridmap, c.rbind)
		}
	}
}

// TestPlanIDMappedRefused checks what is refused before anything is
// made (no root needed: no tree is copied).
func TestPlanIDMappedRefused(t *testing.T) {
	m := []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
	for _, c := range []struct {
		name   string
		mount  specs.Mount
		userNS bool
		want   string
	}{
		{"no user namespace", specs.Mount{Type: "bind", Options: []string{"idmap"}}, false, "has none"},
		{"not a bind", specs.Mount{Type: "tmpfs", Options: []string{"idmap"}}, true, "only for bind mounts"},
		{"mappings without option", specs.Mount{Type: "bind", UIDMappings: m, GIDMappings: m}, true, "neither the idmap nor the ridmap"},
		{"uid mappings only", specs.Mount{Type: "bind", Options: []string{"idmap"}, UIDMappings: m}, true, "both uidMappings and gidMappings"},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.mount.Destination, c.mount.Source = "/m", "/nonexistent"
			s := &specs.Spec{Linux: &specs.Linux{}, Mounts: []specs.Mount{c.mount}}
			p, err := planIDMapped(s, "/rootfs", "/bundle", c.userNS)
			if err == nil {
				p.close()
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "/m") {
				t.Errorf("error %q, want one naming /m and %q", err, c.want)
			}
		})
	}
}

// TestPlanIDMappedNone: a spec without id-mapped mounts copies nothing,
// and neither does the userns annotation before the runtime has filled
// the mappings (the root is mapped through them).
func TestPlanIDMappedNone(t *testing.T) {
	s := &specs.Spec{Linux: &specs.Linux{}, Annotations: map[string]string{spec.AnnotationUserNS: "auto"},
		Mounts: []specs.Mount{{Destination: "/m", Type: "bind", Source: "/x", Options: []string{"rbind"}}}}
	p, err := planIDMapped(s, "/rootfs", "/bundle", true)
	if err != nil {
		t.Fatal(err)
	}
	defer p.close()
	if len(p.trees) != 0 {
		t.Errorf("trees: %+v", p.trees)
	}
	if err := p.apply(os.Getpid(), slog.Default()); err != nil {
		t.Errorf("apply with nothing to map: %v", err)
	}
}

// TestPlanIDMappedRoot: with the annotation and the mappings filled, the
// root filesystem and its submounts are copied and mapped recursively,
// first. Copying needs root.
func TestPlanIDMappedRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: open_tree(OPEN_TREE_CLONE)")
	}
	dir, src := t.TempDir(), t.TempDir()
	m := []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
	s := &specs.Spec{Linux: &specs.Linux{UIDMappings: m, GIDMappings: m},
		Annotations: map[string]string{spec.AnnotationUserNS: "auto:size=65536"},
		Mounts:      []specs.Mount{{Destination: "/m", Type: "bind", Source: src, Options: []string{"bind", "ridmap"}}}}
	p, err := planIDMapped(s, dir, "/bundle", true)
	if err != nil {
		t.Fatal(err)
	}
	defer p.close()
	if len(p.trees) != 2 {
		t.Fatalf("trees: %+v", p.trees)
	}
	root, bind := p.trees[0], p.trees[1]
	if root.index != initproto.IDMappedRoot || root.dest != "/" || !root.submounts || !root.recursive || root.tree == nil {
		t.Errorf("root tree: %+v", root)
	}
	if bind.index != 0 || bind.dest != "/m" || bind.submounts || !bind.recursive || bind.tree == nil {
		t.Errorf("bind tree: %+v", bind)
	}
}

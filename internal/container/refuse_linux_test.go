package container

import (
	"bytes"
	"log/slog"
	"os"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/ocikit/ocikit/internal/spec"
)

func TestRefuseUnsupported(t *testing.T) {
	if _, err := os.Stat("/sys/fs/resctrl/schemata"); err == nil {
		t.Skip("resctrl is mounted here: linux.intelRdt is not refused")
	}
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))

	// The default spec, and its rootless and automatic user namespace
	// forms, need nothing refused or warned about.
	rootless, auto := spec.Default(), spec.Default()
	spec.ToRootless(rootless, 1000, 1000)
	if err := spec.ToUserNSAuto(auto, "auto"); err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]*specs.Spec{"default": spec.Default(), "rootless": rootless, "userns auto": auto} {
		if err := refuseUnsupported(s, log); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if buf.Len() != 0 {
		t.Errorf("warnings for the default specs: %s", buf.String())
	}

	// linux.intelRdt (no resctrl is mounted on the machines this runs
	// on): an error naming the field; the Windows field and the
	// deprecated limit: warnings, and no error of their own.
	s := spec.Default()
	s.Linux.IntelRdt = &specs.LinuxIntelRdt{ClosID: "ocikit-test"}
	s.Process.CommandLine = "a b"
	kmem := int64(1 << 20)
	s.Linux.Resources = &specs.LinuxResources{Memory: &specs.LinuxMemory{Kernel: &kmem}} //nolint:staticcheck // the deprecated field under test
	err := refuseUnsupported(s, log)
	if err == nil || !strings.HasPrefix(err.Error(), "linux.intelRdt: ") || strings.Count(err.Error(), "\n") != 0 {
		t.Errorf("err %v, want one line naming linux.intelRdt", err)
	}
	logged := buf.String()
	for _, want := range []string{"process.commandLine: ignored", "linux.resources.memory.kernel: ignored: deprecated"} {
		if !strings.Contains(logged, want) {
			t.Errorf("log %q lacks %q", logged, want)
		}
	}
	if !strings.Contains(logged, "level=WARN") {
		t.Errorf("log %q: want warnings", logged)
	}
}

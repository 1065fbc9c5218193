package spec

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func defaultJSON(t *testing.T) []byte {
	t.Helper()
	b, err := Marshal(Default())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDefaultIsValid(t *testing.T) {
	s, err := Parse(defaultJSON(t))
	if err != nil {
		t.Fatalf("default spec does not validate: %v", err)
	}
	if s.Version != specs.Version || !s.Process.Terminal || s.Process.Args[0] != "sh" || s.Root.Path != "rootfs" {
		t.Errorf("unexpected default: %+v", s)
	}
	var types []string
	for _, ns := range s.Linux.Namespaces {
		types = append(types, string(ns.Type))
	}
	if got := strings.Join(types, ","); got != "pid,network,ipc,uts,mount,cgroup" {
		t.Errorf("namespaces = %s", got)
	}
}

func TestMarshalFormat(t *testing.T) {
	b := defaultJSON(t)
	if !strings.HasPrefix(string(b), "{\n\t\"ociVersion\": ") || !strings.HasSuffix(string(b), "}\n") {
		t.Errorf("not tab-indented with a trailing newline:\n%s", b[:40])
	}
}

func TestRootlessIsValid(t *testing.T) {
	s := Default()
	ToRootless(s, 1000, 1001)
	b, _ := Marshal(s)
	s, err := Parse(b)
	if err != nil {
		t.Fatalf("rootless spec does not validate: %v", err)
	}
	if s.Linux.Resources != nil {
		t.Error("resources kept")
	}
	if m := s.Linux.UIDMappings; len(m) != 1 || m[0] != (specs.LinuxIDMapping{ContainerID: 0, HostID: 1000, Size: 1}) {
		t.Errorf("uidMappings = %+v", m)
	}
	if m := s.Linux.GIDMappings; len(m) != 1 || m[0].HostID != 1001 {
		t.Errorf("gidMappings = %+v", m)
	}
	user, network := 0, 0
	for _, ns := range s.Linux.Namespaces {
		switch ns.Type {
		case specs.UserNamespace:
			user++
		case specs.NetworkNamespace:
			network++
		}
	}
	if user != 1 || network != 1 {
		t.Errorf("user namespaces %d, network namespaces %d; want 1 and 1", user, network)
	}
	for _, m := range s.Mounts {
		for _, o := range m.Options {
			if strings.HasPrefix(o, "uid=") || strings.HasPrefix(o, "gid=") {
				t.Errorf("mount %s keeps option %s", m.Destination, o)
			}
		}
		if m.Destination == "/sys" && (m.Type != "none" || m.Source != "/sys" ||
			strings.Join(m.Options, ",") != "rbind,nosuid,noexec,nodev,ro") {
			t.Errorf("/sys mount = %+v", m)
		}
	}
	// Converting twice must not add a second user namespace.
	ToRootless(s, 1000, 1001)
	if err := Validate(s); err != nil {
		t.Errorf("rootless twice: %v", err)
	}
}

func TestParseStrict(t *testing.T) {
	good := string(defaultJSON(t))
	cases := map[string]string{
		"":                  "config is empty",
		"null":              "config is null",
		" null \n":          "config is null",
		"[]":                "not a JSON object",
		`"x"`:               "not a JSON object",
		good + "{}":         "trailing data",
		good + "garbage":    "trailing data",
		good + "]":          "trailing data",
		`{"ociVersion": 1}`: "ociVersion: must be a string, not the number 1",
		good[:len(good)-10]: "decode config",
	}
	for in, want := range cases {
		_, err := Parse([]byte(in))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%.30q) = %v, want error containing %q", in, err, want)
		}
	}
	// Unknown fields are accepted, and surrounding whitespace too.
	var m map[string]any
	json.Unmarshal([]byte(good), &m)
	m["x-future"] = map[string]any{"a": 1}
	b, _ := json.Marshal(m)
	if _, err := Parse(append(append([]byte("\n "), b...), '\n')); err != nil {
		t.Errorf("unknown field rejected: %v", err)
	}
}

func TestLoadNamesPath(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "config.json")
	if _, err := Load(p); err == nil || !strings.Contains(err.Error(), `config "`+p+`"`) {
		t.Errorf("missing file: %v", err)
	}
	os.WriteFile(p, []byte("null"), 0o644)
	if _, err := Load(p); err == nil || err.Error() != `config "`+p+`": config is null` {
		t.Errorf("null file: %v", err)
	}
	os.WriteFile(p, defaultJSON(t), 0o644)
	if _, err := Load(p); err != nil {
		t.Errorf("good file: %v", err)
	}
}

package speccmd

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	ftypes "github.com/opencontainers/runtime-spec/specs-go/features"

	"github.com/ocikit/ocikit/internal/cli"
	"github.com/ocikit/ocikit/internal/features"
	"github.com/ocikit/ocikit/internal/spec"
)

// featuresTool mirrors oci-spec's features and validate subcommands.
type featuresTool struct {
	cli.Globals
	Bundle
	Features Features `cmd:""`
	Validate Validate `cmd:""`
}

func runFeatures(stdin string, args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := cli.Main("oci-spec", "", &featuresTool{}, args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestFeaturesCommand(t *testing.T) {
	code, out, errOut := runFeatures("", "features")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	var f ftypes.Features
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	want, _ := json.Marshal(features.Document(cli.Version))
	got, _ := json.Marshal(&f)
	if !bytes.Equal(got, want) {
		t.Errorf("printed %s\nwant %s", got, want)
	}
}

// TestValidateFeatures runs validate --features on configs from stdin:
// ignored fields are warnings (exit 0), refused ones errors (exit 1), and
// a field the validator reports already is not reported twice.
func TestValidateFeatures(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edit  func(s *specs.Spec)
		code  int
		paths []string // of the problems, in order
	}{
		{"clean", func(*specs.Spec) {}, 0, nil},
		{"ignored", func(s *specs.Spec) {
			kernel := int64(1 << 20)
			s.Linux.Resources = &specs.LinuxResources{Memory: &specs.LinuxMemory{Kernel: &kernel}}
			s.Process.CommandLine = "sh"
		}, 0, []string{"process.commandLine", "linux.resources.memory.kernel"}},
		{"refused", func(s *specs.Spec) { s.Linux.CgroupsPath = "system.slice:ocikit:x" }, 1, []string{"linux.cgroupsPath"}},
		{"once", func(s *specs.Spec) {
			s.Linux.Seccomp = &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Flags: []specs.LinuxSeccompFlag{"SECCOMP_FILTER_FLAG_NO_SUCH"}}
		}, 1, []string{"linux.seccomp.flags.0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := spec.Default()
			tc.edit(s)
			cfg, err := json.Marshal(s)
			if err != nil {
				t.Fatal(err)
			}
			code, out, errOut := runFeatures(string(cfg), "validate", "--features", "-f", "-")
			if code != tc.code {
				t.Errorf("exit %d, want %d; stdout %q, stderr %q", code, tc.code, out, errOut)
			}
			var paths []string
			dec := json.NewDecoder(strings.NewReader(out))
			for dec.More() {
				var p spec.Problem
				if err := dec.Decode(&p); err != nil {
					t.Fatalf("%v: %q", err, out)
				}
				paths = append(paths, p.Path)
			}
			if strings.Join(paths, " ") != strings.Join(tc.paths, " ") {
				t.Errorf("problems at %v, want %v:\n%s", paths, tc.paths, out)
			}
			// Without --features, only the validator speaks.
			if code, out, _ := runFeatures(string(cfg), "validate", "-f", "-"); tc.name == "ignored" && (code != 0 || out != "") {
				t.Errorf("without --features: exit %d, %q", code, out)
			}
		})
	}
}

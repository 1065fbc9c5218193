package tap

import (
	"strings"
	"testing"
)

func mustParse(t *testing.T, in string) Result {
	t.Helper()
	res, err := Parse(strings.NewReader(in))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return res
}

func TestParseCountsPointsAndPlan(t *testing.T) {
	res := mustParse(t, `TAP version 13
ok 1 - has expected hostname
  ---
  {
    "actual": "mrsdalloway",
    "expected": "mrsdalloway"
  }
  ...
not ok 2 - root filesystem is readonly
ok 3 # SKIP linux.gidMappings not set
not ok 4 - not done yet # TODO later
ok 5 - fine # todo but it passes
1..5
`)
	if res.Versions != 1 {
		t.Errorf("Versions = %d, want 1", res.Versions)
	}
	if len(res.Plans) != 1 || res.Planned() != 5 {
		t.Errorf("Plans = %+v, want one plan of 5", res.Plans)
	}
	ok, notOK, skip, todo := res.Counts()
	if ok != 1 || notOK != 1 || skip != 1 || todo != 2 {
		t.Errorf("Counts = %d ok, %d not ok, %d skip, %d todo; want 1, 1, 1, 2", ok, notOK, skip, todo)
	}
	if res.Other != 0 || len(res.Orphans) != 0 {
		t.Errorf("Other = %d, Orphans = %d; want 0, 0", res.Other, len(res.Orphans))
	}
	p := res.Points[0]
	if p.Number != 1 || p.Description != "has expected hostname" || p.Diagnostic == nil {
		t.Fatalf("point 1 = %+v", p)
	}
	if !strings.HasPrefix(p.Diagnostic.Text, "{\n  \"actual\"") {
		t.Errorf("diagnostic not dedented: %q", p.Diagnostic.Text)
	}
	if got := res.Points[2]; got.Directive != Skip || got.Reason != "linux.gidMappings not set" || got.Description != "" {
		t.Errorf("skip point = %+v", got)
	}
	if got := res.Points[3]; got.Directive != Todo || got.Failed() || got.Description != "not done yet" || got.Reason != "later" {
		t.Errorf("todo point = %+v", got)
	}
	if !res.Points[1].Failed() {
		t.Errorf("point 2 should count as failed")
	}
}

func TestParseIgnoresEmbeddedTAP(t *testing.T) {
	// RuntimeInsideValidate puts the runtimetest program's TAP inside the
	// outer point's diagnostic; its "not ok" lines are not the outer
	// program's points, whether in a JSON string or on lines of their own.
	res := mustParse(t, `TAP version 13
  ---
  {
    "stdout": "TAP version 13\nnot ok 1 - inner\n1..1\n"
  }
  ...
not ok 1 - check root propagation
  ---
  not ok 7 - indented on its own line
  1..9
  ...
1..1
`)
	ok, notOK, _, _ := res.Counts()
	if ok != 0 || notOK != 1 || res.Planned() != 1 || len(res.Plans) != 1 {
		t.Fatalf("Counts = %d ok, %d not ok, plans %+v; want 0, 1, one plan of 1", ok, notOK, res.Plans)
	}
	if len(res.Orphans) != 1 {
		t.Fatalf("Orphans = %d, want 1", len(res.Orphans))
	}
	if res.Points[0].Diagnostic == nil || !strings.Contains(res.Points[0].Diagnostic.Text, "not ok 7") {
		t.Errorf("point diagnostic = %+v", res.Points[0].Diagnostic)
	}
}

func TestParseOrphanDiagnosticWithEmptyPlan(t *testing.T) {
	// The hook tests report a failure as a lone block and plan 1..0.
	res := mustParse(t, `TAP version 13
  ---
  {
    "error": "Hooks MUST be called in the listed order\nRefer to: https://example/config.md#posix-platform-hooks"
  }
  ...
1..0
`)
	if len(res.Points) != 0 || len(res.Plans) != 1 || res.Plans[0].Count != 0 || res.Plans[0].Skip {
		t.Fatalf("points %d, plans %+v", len(res.Points), res.Plans)
	}
	if len(res.Orphans) != 1 {
		t.Fatalf("Orphans = %d, want 1", len(res.Orphans))
	}
	want := "Hooks MUST be called in the listed order\nRefer to: https://example/config.md#posix-platform-hooks"
	if got := res.Orphans[0].Message(); got != want {
		t.Errorf("Message = %q, want %q", got, want)
	}
	if res.Empty() {
		t.Errorf("Empty() = true for a document with a plan")
	}
}

func TestParseSeveralDocuments(t *testing.T) {
	// linux_cgroups_cpus prints one document per sub-suite.
	res := mustParse(t, `TAP version 13
ok 1 - cpus.shares is set correctly
# expect: 1024, actual: 1024
  ---
  {"k": "v"}
  ...
1..1
TAP version 13
1..0
`)
	if res.Versions != 2 || len(res.Plans) != 2 || res.Planned() != 1 {
		t.Fatalf("Versions %d, Plans %+v", res.Versions, res.Plans)
	}
	// The comment between the point and its block keeps the attachment.
	if res.Points[0].Diagnostic == nil || len(res.Orphans) != 0 {
		t.Errorf("diagnostic not attached across a comment: %+v, orphans %d", res.Points[0], len(res.Orphans))
	}
}

func TestParseSkipPlanBailOutAndNoise(t *testing.T) {
	res := mustParse(t, "1..0 # SKIP no cgroup v1\r\n")
	if len(res.Plans) != 1 || !res.Plans[0].Skip || res.Plans[0].Reason != "SKIP no cgroup v1" {
		t.Errorf("skip plan = %+v", res.Plans)
	}

	res = mustParse(t, "TAP version 13\nok 1\nokay then\nfailed to create the container\nBail out! runtime gone\n")
	if !res.BailOut || res.BailOutReason != "runtime gone" {
		t.Errorf("BailOut = %v %q", res.BailOut, res.BailOutReason)
	}
	if res.Other != 2 {
		t.Errorf("Other = %d, want 2", res.Other)
	}
	if len(res.Points) != 1 || res.Points[0].Number != 1 || !res.Points[0].OK || res.Points[0].Description != "" {
		t.Errorf("points = %+v", res.Points)
	}

	if !mustParse(t, "").Empty() {
		t.Errorf("Empty() = false for no output")
	}
	if !mustParse(t, "some stderr-ish text\n").Empty() {
		t.Errorf("Empty() = false for output with no TAP")
	}
}

func TestParseUnterminatedBlockAndLongLine(t *testing.T) {
	long := strings.Repeat("x", 1<<20)
	res := mustParse(t, "not ok 1 - a\n  ---\n  \"error\": \""+long+"\"\nnot ok 2 - b\n  ---\n  error: cut short")
	if len(res.Points) != 2 {
		t.Fatalf("points = %d, want 2", len(res.Points))
	}
	for i, p := range res.Points {
		if p.Diagnostic == nil {
			t.Fatalf("point %d has no diagnostic", i+1)
		}
	}
	if got := len(res.Points[0].Diagnostic.Text); got < 1<<20 {
		t.Errorf("long diagnostic cut to %d bytes", got)
	}
	if got := res.Points[1].Diagnostic.Message(); got != "cut short" {
		t.Errorf("YAML error message = %q, want %q", got, "cut short")
	}
}

func TestParsePointForms(t *testing.T) {
	for _, tc := range []struct {
		line string
		want Point
	}{
		{"ok", Point{OK: true}},
		{"not ok 12", Point{Number: 12}},
		{"ok 3 - a # b", Point{Number: 3, OK: true, Description: "a # b"}},
		{"ok 4 description without dash", Point{Number: 4, OK: true, Description: "description without dash"}},
		{"not ok 5 - x # Skipped: not here", Point{Number: 5, Description: "x", Directive: Skip, Reason: "not here"}},
		{"ok 6 #SKIP", Point{Number: 6, OK: true, Directive: Skip}},
		{"not ok - 7 is not a number here", Point{Description: "7 is not a number here"}},
	} {
		got, ok := parsePoint(tc.line)
		if !ok {
			t.Errorf("parsePoint(%q) rejected", tc.line)
			continue
		}
		if got != tc.want {
			t.Errorf("parsePoint(%q) = %+v, want %+v", tc.line, got, tc.want)
		}
	}
	if _, ok := parsePoint("okay"); ok {
		t.Errorf(`parsePoint("okay") accepted`)
	}
}

func TestDiagnosticMessage(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{`{"error": "exit status 1", "stderr": "x"}`, "exit status 1"},
		{`{"actual": 1}`, `{"actual": 1}`},
		{"\nreference: r\nerror: boom\n", "boom"},
		{"", ""},
	} {
		if got := (Diagnostic{Text: tc.text}).Message(); got != tc.want {
			t.Errorf("Message(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}

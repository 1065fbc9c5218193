//go:build linux

package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ocikit/ocikit/test/conformance/report"
	"github.com/ocikit/ocikit/test/conformance/suite"
)

func TestRunUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"-no-such-flag"},
		{"-runtime", "runc"},
		{"-runtime", "runc", "-bin", "b", "-rootfs", "r", "-out", "o", "extra"},
		{"-markdown"},
		{"-markdown", filepath.Join(t.TempDir(), "missing.json")},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(args, &stdout, &stderr); code != exitSetup {
			t.Errorf("run(%q) = %d, want %d; stderr: %s", args, code, exitSetup, stderr.String())
		}
		if stderr.Len() == 0 {
			t.Errorf("run(%q) said nothing on stderr", args)
		}
	}
}

func TestRunMarkdown(t *testing.T) {
	dir := t.TempDir()
	var files []string
	for _, name := range []string{"runc", "crun"} {
		r := &report.Report{Runtime: name, Tests: []suite.TestResult{{Name: "create", Status: suite.Pass, OK: 4}}}
		r.Judge(nil)
		path := filepath.Join(dir, "results-"+name+".json")
		if err := r.WriteJSON(path); err != nil {
			t.Fatal(err)
		}
		files = append(files, path)
	}
	var stdout, stderr bytes.Buffer
	if code := run(append([]string{"-markdown"}, files...), &stdout, &stderr); code != 0 {
		t.Fatalf("run = %d; stderr: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "| create |  | pass: 4 ok | pass: 4 ok |") {
		t.Errorf("markdown:\n%s", stdout.String())
	}
}

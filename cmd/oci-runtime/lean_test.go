package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alecthomas/kong"

	"github.com/ocikit/ocikit/internal/cli"
)

func runParser(root cli.Command, opts []kong.Option, args []string) (int, string, string) {
	var out, errb bytes.Buffer
	code := cli.Main("oci-runtime", "ocikit, with runc's command line.", root, args, strings.NewReader(""), &out, &errb, opts...)
	return code, out.String(), errb.String()
}

// TestLeanParserSameAsWhole checks that a command line parsed with only its
// subcommand built gives what the whole command line gives: exit status,
// output and errors, usage errors included.
func TestLeanParserSameAsWhole(t *testing.T) {
	stateRoot := t.TempDir()
	r := "--root=" + stateRoot
	cases := [][]string{
		{r, "state", "x"},
		{r, "state"},
		{r, "state", "x", "y"},
		{"--root", stateRoot, "list"},
		{r, "list", "-f", "json"},
		{r, "list", "-q"},
		{r, "list", "--bogus"},
		{r, "kill", "x"},
		{r, "kill", "x", "KILL"},
		{r, "kill", "x", "NOSUCHSIGNAL"},
		{r, "kill"},
		{r, "delete", "x"},
		{r, "delete", "--force", "x"},
		{r, "delete", "-f"},
		{r, "start", "x"},
		{r, "start"},
		{r, "ps", "x"},
		{r, "ps"},
		{r, "exec", "x"},
		{r, "exec", "x", "--", "true"},
		{r, "exec", "-t", "--cwd", "/", "x", "true"},
		{r, "create", "--bundle", "/nonexistent", "x"},
		{r, "create", "--pid-file"},
		{r, "run", "--bundle", "/nonexistent", "x"},
		{r, "features", "--bogus"},
		{r, "--systemd-cgroup", "state", "x"},
		{r, "--log-format", "json", "state", "x"},
		{r, "--log-format", "yaml", "state", "x"},
		{r, "--debug", "state", "x"},
	}
	for _, args := range cases {
		lean, opts := parser(args)
		if _, whole := lean.(*cmd); whole {
			t.Errorf("%q: the whole command line was built", args)
			continue
		}
		lc, lo, le := runParser(lean, opts, args)
		wc, wo, we := runParser(&cmd{}, nil, args)
		if lc != wc || lo != wo || le != we {
			t.Errorf("%q:\nlean:  %d %q %q\nwhole: %d %q %q", args, lc, lo, le, wc, wo, we)
		}
	}

	// spec writes a file: each parse in a directory of its own.
	var written []string
	for _, lean := range []bool{true, false} {
		dir := t.TempDir()
		args := []string{"spec", "--bundle", dir}
		root, opts := parser(args)
		if !lean {
			root, opts = &cmd{}, nil
		}
		if code, out, errs := runParser(root, opts, args); code != 0 || out != "" || errs != "" {
			t.Fatalf("spec (lean %v): %d %q %q", lean, code, out, errs)
		}
		b, err := os.ReadFile(filepath.Join(dir, "config.json"))
		if err != nil {
			t.Fatal(err)
		}
		written = append(written, string(b))
	}
	if written[0] != written[1] {
		t.Error("spec wrote another config.json when built alone")
	}
}

func TestSubcommand(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"state", "x"}, "state"},
		{[]string{"--root", "/r", "--log", "/l", "--log-format", "json", "delete", "x"}, "delete"},
		{[]string{"--root=/r", "--debug", "kill", "x", "9"}, "kill"},
		{[]string{"--systemd-cgroup", "start", "x"}, "start"},
		{[]string{"exec", "x", "--", "sh", "-c", "true"}, "exec"},
		{nil, ""},
		{[]string{"--root", "/r"}, ""},
		{[]string{"--help"}, ""},
		{[]string{"state", "--help"}, ""},
		{[]string{"state", "-h"}, ""},
		{[]string{"--version"}, ""},
		{[]string{"help", "state"}, ""},
		{[]string{"--", "state"}, ""},
		// Help anywhere, even in a command given to exec, takes the
		// whole command line: slower, never wrong.
		{[]string{"exec", "x", "--", "ls", "--help"}, ""},
	} {
		if got := subcommand(c.args); got != c.want {
			t.Errorf("subcommand(%q) = %q, want %q", c.args, got, c.want)
		}
	}
	// An unknown subcommand is left to the whole command line, which
	// says what the known ones are.
	if root, _ := parser([]string{"bogus"}); root == nil {
		t.Fatal("no parser")
	} else if _, whole := root.(*cmd); !whole {
		t.Error("an unknown subcommand got a lean parser")
	}
}

package manpages

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// repoRoot finds the module's root from the test's directory.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.Contains(b, []byte("module github.com/ocikit/ocikit\n")) {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod of github.com/ocikit/ocikit above the test's directory")
		}
		dir = parent
	}
}

// tools lists the tools: the directories under cmd/.
func tools(t *testing.T, root string) []string {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join(root, "cmd"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	if len(names) == 0 {
		t.Fatal("no tools under cmd/")
	}
	return names
}

func pagePath(root, tool string) string {
	return filepath.Join(root, "man", tool+".1.md")
}

// readPage reads a tool's page, failing the test when there is none.
func readPage(t *testing.T, root, tool string) *page {
	t.Helper()
	b, err := os.ReadFile(pagePath(root, tool))
	if err != nil {
		t.Fatalf("%s has no man page: %v", tool, err)
	}
	return parsePage(string(b))
}

// toolBinary returns a built binary of the tool: from $OCIKIT_BIN when it
// holds one, else built now. oci-create and oci-run link the nsenter
// constructor, so cgo is required.
func toolBinary(t *testing.T, root, tool string) string {
	t.Helper()
	if dir := os.Getenv("OCIKIT_BIN"); dir != "" {
		p := filepath.Join(dir, tool)
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("build %s: no go command in PATH: %v", tool, err)
	}
	out := filepath.Join(t.TempDir(), tool)
	cmd := exec.CommandContext(t.Context(), goCmd, "build", "-o", out, "./cmd/"+tool)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build %s: %v\n%s", tool, err, b)
	}
	return out
}

// help runs the tool with args and --help and returns what it prints.
func help(t *testing.T, bin string, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), bin, append(args, "--help")...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s --help: %v\n%s", filepath.Base(bin), strings.Join(args, " "), err, stderr.Bytes())
	}
	return string(out)
}

// allHelpFlags collects the flags of the tool's --help and of every
// subcommand's --help. where tells, for each flag, a help that lists it.
func allHelpFlags(t *testing.T, bin string) (flags map[string]helpFlag, where map[string]string) {
	t.Helper()
	flags, where = map[string]helpFlag{}, map[string]string{}
	tool := filepath.Base(bin)
	var walk func(path []string)
	walk = func(path []string) {
		if len(path) > 4 {
			t.Fatalf("%s: subcommands nested deeper than 4: %v", tool, path)
		}
		fs, cmds := parseHelp(help(t, bin, path...))
		for name, f := range fs {
			if old, ok := flags[name]; ok && old.short != f.short {
				t.Errorf("%s: --%s has short form %q in one help and %q in another", tool, name, old.short, f.short)
			}
			if _, ok := flags[name]; !ok {
				flags[name] = f
				where[name] = strings.Join(append([]string{tool}, path...), " ") + " --help"
			}
		}
		for _, c := range cmds {
			walk(append(slices.Clone(path), strings.Fields(c)...))
		}
	}
	walk(nil)
	if len(flags) == 0 {
		t.Fatalf("%s --help lists no flags", tool)
	}
	return flags, where
}

func TestEveryToolHasPage(t *testing.T) {
	root := repoRoot(t)
	for _, tool := range tools(t, root) {
		if _, err := os.Stat(pagePath(root, tool)); err != nil {
			t.Errorf("%s has no man page: %v", tool, err)
		}
	}
}

// TestOptionsMatchHelp checks both ways that a page documents the options
// its tool takes: what --help lists is in the page's OPTIONS (or COMMANDS)
// section, with the same short form, and every option named there exists.
// A page with a COMMANDS section is checked command by command (see
// checkEachCommand).
func TestOptionsMatchHelp(t *testing.T) {
	root := repoRoot(t)
	for _, tool := range tools(t, root) {
		t.Run(tool, func(t *testing.T) {
			t.Parallel()
			p := readPage(t, root, tool)
			bin := toolBinary(t, root, tool)
			if commands, ok := p.sections["COMMANDS"]; ok {
				checkEachCommand(t, tool, bin, p, commands)
				return
			}
			text := p.optionText()
			if text == "" {
				t.Fatalf("man/%s.1.md has no OPTIONS section", tool)
			}
			flags, where := allHelpFlags(t, bin)
			compareFlags(t, flags, where, nil, text, fmt.Sprintf("man/%s.1.md", tool))
		})
	}
}

// compareFlags checks both ways that text, the part of a page that doc
// names, documents flags: each with its short form, and no flag beyond
// them or also (flags the text may name without documenting them: a
// tool's global options, in one command's section). where tells the help
// that lists each flag.
func compareFlags(t *testing.T, flags map[string]helpFlag, where map[string]string, also map[string]helpFlag, text, doc string) {
	t.Helper()
	longs, shorts := pageFlags(text)
	for _, name := range sortedKeys(flags) {
		f := flags[name]
		if !longs[name] {
			t.Errorf("%s lists --%s, which %s does not document", where[name], name, doc)
			continue
		}
		if s, ok := shorts[name]; f.short != "" && (!ok || s != f.short) {
			t.Errorf("%s gives --%s the short form -%s, which %s does not (write \"-%s, --%s\")", where[name], name, f.short, doc, f.short, name)
		}
	}
	known := func(name string) (helpFlag, bool) {
		if f, ok := flags[name]; ok {
			return f, true
		}
		f, ok := also[name]
		return f, ok
	}
	for _, name := range sortedKeys(longs) {
		if _, ok := known(name); !ok {
			t.Errorf("%s documents --%s, which no --help lists", doc, name)
		}
	}
	for _, name := range sortedKeys(shorts) {
		if f, ok := known(name); ok && f.short != shorts[name] {
			t.Errorf("%s gives --%s the short form -%s; --help says %q", doc, name, shorts[name], f.short)
		}
	}
}

// checkEachCommand checks a page whose COMMANDS section has a "## NAME"
// part for each command: the tool's own options are in OPTIONS, and each
// command's options (those of "TOOL NAME --help" that the tool itself
// lacks) in the command's part. Checking command by command, rather than
// the union of every help, lets two commands give one long option
// different short forms, as runc's command line does (list -f is
// --format, delete -f is --force).
func checkEachCommand(t *testing.T, tool, bin string, p *page, commands string) {
	t.Helper()
	globals, cmds := parseHelp(help(t, bin))
	if len(cmds) == 0 {
		t.Fatalf("man/%s.1.md has a COMMANDS section, but %s --help lists no commands", tool, tool)
	}
	compareFlags(t, globals, sameWhere(globals, tool+" --help"), nil, p.sections["OPTIONS"], fmt.Sprintf("the OPTIONS of man/%s.1.md", tool))
	parts, order := subsections(commands)
	for _, c := range cmds {
		text, ok := parts[c]
		if !ok {
			t.Errorf("the COMMANDS of man/%s.1.md have no \"## %s\" part", tool, c)
			continue
		}
		flags, nested := parseHelp(help(t, bin, c))
		if len(nested) > 0 {
			t.Fatalf("%s %s has commands of its own, which a COMMANDS section cannot document", tool, c)
		}
		own := map[string]helpFlag{}
		for name, f := range flags {
			if _, global := globals[name]; !global {
				own[name] = f
			}
		}
		helpName := tool + " " + c + " --help"
		compareFlags(t, own, sameWhere(own, helpName), globals, text, fmt.Sprintf("the \"## %s\" part of man/%s.1.md", c, tool))
	}
	for _, name := range order {
		if !slices.Contains(cmds, name) {
			t.Errorf("man/%s.1.md documents the command %q, which %s --help does not list", tool, name, tool)
		}
	}
}

func sameWhere(flags map[string]helpFlag, help string) map[string]string {
	where := make(map[string]string, len(flags))
	for name := range flags {
		where[name] = help
	}
	return where
}

// subsections splits a section's text at its "## NAME" headings (outside
// code blocks), keyed by NAME, and returns the names in page order.
func subsections(text string) (parts map[string]string, order []string) {
	parts = map[string]string{}
	cur := ""
	inCode := false
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "```") {
			inCode = !inCode
		}
		if !inCode && strings.HasPrefix(line, "## ") {
			cur = strings.TrimSpace(strings.TrimPrefix(line, "## "))
			order = append(order, cur)
			continue
		}
		if cur != "" {
			parts[cur] += line + "\n"
		}
	}
	return parts, order
}

// TestPageStructure checks the house style every page shares: the title
// line and the sections a reader looks for first.
func TestPageStructure(t *testing.T) {
	root := repoRoot(t)
	for _, tool := range tools(t, root) {
		t.Run(tool, func(t *testing.T) {
			p := readPage(t, root, tool)
			if want := "% " + strings.ToUpper(tool) + " 1 "; !strings.HasPrefix(p.title, want) {
				t.Errorf("man/%s.1.md: title line %q does not start with %q", tool, p.title, want)
			}
			for _, s := range []string{"NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "SEE ALSO"} {
				if _, ok := p.sections[s]; !ok {
					t.Errorf("man/%s.1.md has no %s section", tool, s)
				}
			}
			if name := strings.TrimSpace(p.sections["NAME"]); !strings.HasPrefix(name, tool+" - ") {
				t.Errorf("man/%s.1.md: NAME is %q, want %q followed by a summary", tool, name, tool+" - ")
			}
			if syn := plain(p.sections["SYNOPSIS"]); !strings.Contains(syn, tool) {
				t.Errorf("man/%s.1.md: SYNOPSIS does not name %s", tool, tool)
			}
		})
	}
}

// TestReferencesResolve checks that every reference to an ocikit page,
// such as oci-start(1), names a tool that exists.
func TestReferencesResolve(t *testing.T) {
	root := repoRoot(t)
	pages, err := filepath.Glob(filepath.Join(root, "man", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, tool := range tools(t, root) {
		known[tool+"(1)"] = true
	}
	for _, p := range pages {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, ref := range ocikitRefs(string(b)) {
			if !known[ref] {
				t.Errorf("%s refers to %s, which is no ocikit tool's page", filepath.Base(p), ref)
			}
		}
	}
}

// TestPagesRender renders every page with go-md2man, as `make man` does.
func TestPagesRender(t *testing.T) {
	md2man, err := exec.LookPath("go-md2man")
	if errors.Is(err, exec.ErrNotFound) {
		t.Skip("go-md2man is not installed")
	}
	if err != nil {
		t.Fatal(err)
	}
	root := repoRoot(t)
	pages, err := filepath.Glob(filepath.Join(root, "man", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	for _, p := range pages {
		dst := filepath.Join(out, strings.TrimSuffix(filepath.Base(p), ".md"))
		cmd := exec.CommandContext(t.Context(), md2man, "-in", p, "-out", dst)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("go-md2man %s: %v\n%s", filepath.Base(p), err, b)
			continue
		}
		b, err := os.ReadFile(dst)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(b, []byte(".TH ")) || !bytes.Contains(b, []byte(".SH NAME")) {
			t.Errorf("go-md2man %s: output has no .TH title or NAME section", filepath.Base(p))
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

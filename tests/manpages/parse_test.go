package manpages

import (
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// helpFlag is one flag line of a tool's --help.
type helpFlag struct {
	short string // "b" for -b, or ""
}

// helpFlagLine matches a flag line of kong's help: two spaces, then either
// "-x, " or four spaces, then the long name. Wrapped help text sits further
// right, so a flag mentioned in a description is never taken for an option.
var helpFlagLine = regexp.MustCompile(`^  (?:-([A-Za-z0-9]), |    )--([a-z0-9][a-z0-9-]*)`)

// helpCommandLine matches a line of the Commands section: the command's
// name (and, for nested commands, its parents' names) and its help text.
var helpCommandLine = regexp.MustCompile(`^  ([a-z][a-z0-9-]*(?: [a-z][a-z0-9-]*)*)(?:  |$)`)

// parseHelp returns the flags and the subcommands one --help output lists.
func parseHelp(out string) (flags map[string]helpFlag, commands []string) {
	flags = map[string]helpFlag{}
	section := ""
	for _, line := range strings.Split(out, "\n") {
		if line != "" && line[0] != ' ' && strings.HasSuffix(line, ":") {
			section = strings.TrimSuffix(line, ":")
			continue
		}
		if section == "Commands" {
			if m := helpCommandLine.FindStringSubmatch(line); m != nil {
				commands = append(commands, m[1])
			}
			continue
		}
		if m := helpFlagLine.FindStringSubmatch(line); m != nil {
			flags[m[2]] = helpFlag{short: m[1]}
		}
	}
	return flags, commands
}

// page is a man page's markdown split into its level-1 sections, keyed by
// heading ("OPTIONS"), in go-md2man's format.
type page struct {
	title    string // the "% TITLE 1 ..." line
	sections map[string]string
	order    []string
}

func parsePage(md string) *page {
	p := &page{sections: map[string]string{}}
	cur := ""
	var b strings.Builder
	flush := func() {
		if cur != "" {
			p.sections[cur] = b.String()
		}
		b.Reset()
	}
	inCode := false
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(line, "```") {
			inCode = !inCode
		}
		switch {
		case !inCode && strings.HasPrefix(line, "% ") && p.title == "" && cur == "":
			p.title = line
		case !inCode && strings.HasPrefix(line, "# "):
			flush()
			cur = strings.TrimSpace(strings.TrimPrefix(line, "# "))
			p.order = append(p.order, cur)
		default:
			b.WriteString(line)
			b.WriteByte('\n')
		}
	}
	flush()
	return p
}

// optionText is the text of the sections that document options: OPTIONS
// and, for tools with subcommands, a COMMANDS section that may describe
// each command's options.
func (p *page) optionText() string {
	var b strings.Builder
	for _, name := range p.order {
		if strings.Contains(name, "OPTIONS") || strings.Contains(name, "COMMANDS") {
			b.WriteString(p.sections[name])
		}
	}
	return b.String()
}

// plain strips markdown emphasis and escapes, which go-md2man pages put
// around and inside option names (**--root**=*DIR*, \-\-root).
func plain(s string) string {
	return strings.NewReplacer(`\`, "", "*", "", "`", "").Replace(s)
}

var (
	// pageLongFlag finds --name not preceded by a word character or a
	// dash, so "a--b" and "---" are not options.
	pageLongFlag = regexp.MustCompile(`(?:^|[^A-Za-z0-9-])--([a-z0-9][a-z0-9-]*)`)
	// pageShortLong finds the "-x, --name" pairs a page uses to give an
	// option's short form.
	pageShortLong = regexp.MustCompile(`(?:^|[^A-Za-z0-9-])-([A-Za-z0-9]),[ \t]*--([a-z0-9][a-z0-9-]*)`)
)

// pageFlags returns the long options named in text, and the short form the
// text gives for those written as "-x, --name".
func pageFlags(text string) (longs map[string]bool, shorts map[string]string) {
	text = plain(text)
	longs = map[string]bool{}
	for _, m := range pageLongFlag.FindAllStringSubmatch(text, -1) {
		longs[m[1]] = true
	}
	shorts = map[string]string{}
	for _, m := range pageShortLong.FindAllStringSubmatch(text, -1) {
		shorts[m[2]] = m[1]
	}
	return longs, shorts
}

// manRef matches a reference to an ocikit page, such as **oci-start**(1).
var manRef = regexp.MustCompile(`(oci-[a-z0-9-]+)\(([0-9])\)`)

// ocikitRefs returns the ocikit pages a page refers to, as "name(section)".
func ocikitRefs(md string) []string {
	var refs []string
	for _, m := range manRef.FindAllStringSubmatch(plain(md), -1) {
		refs = append(refs, m[1]+"("+m[2]+")")
	}
	return refs
}

func TestParseHelp(t *testing.T) {
	out := `Usage: oci-spec <command> [flags]

Write or edit an OCI runtime configuration (config.json).

Arguments:
  <id>    Container ID.

Flags:
  -h, --help                 Show context-sensitive help.
      --root=DIR             State directory (default: /run/ocikit for root,
                             $XDG_RUNTIME_DIR/ocikit otherwise) ($OCIKIT_ROOT).
      --log-format="text"    Format of log messages and errors: text or json.
      --debug                Log debug messages, or use
                             --force (a mention, not a flag).
  -b, --bundle=DIR           Bundle directory.

Commands:
  generate    Write the default config.json (the command run when none is
              named).
  get         Print the value at PATH.

Run "oci-spec <command> --help" for more information on a command.
`
	flags, cmds := parseHelp(out)
	want := map[string]helpFlag{"help": {"h"}, "root": {}, "log-format": {}, "debug": {}, "bundle": {"b"}}
	if len(flags) != len(want) {
		t.Errorf("flags = %v, want %v", flags, want)
	}
	for k, v := range want {
		if got, ok := flags[k]; !ok || got != v {
			t.Errorf("flag %q = %v, %v; want %v", k, got, ok, v)
		}
	}
	if !slices.Equal(cmds, []string{"generate", "get"}) {
		t.Errorf("commands = %q, want generate, get", cmds)
	}
}

func TestParsePage(t *testing.T) {
	md := "% OCI-X 1 \"2026\" \"ocikit\" \"ocikit manual\"\n\n# NAME\noci-x - do x\n\n" +
		"# OPTIONS\n**-b**, **--bundle**=*DIR*\n: Bundle (see \\-\\-log; 3+*N*-1).\n\n**--log**=*FILE*\n: Log.\n\n" +
		"# EXAMPLES\n```\n# not a heading\noci-x --other | oci-start\n```\n\n# SEE ALSO\n**oci-start**(1), **runc**(8)\n"
	p := parsePage(md)
	if !strings.HasPrefix(p.title, "% OCI-X 1 ") {
		t.Errorf("title = %q", p.title)
	}
	if !slices.Equal(p.order, []string{"NAME", "OPTIONS", "EXAMPLES", "SEE ALSO"}) {
		t.Errorf("sections = %q", p.order)
	}
	longs, shorts := pageFlags(p.optionText())
	if !maps.Equal(longs, map[string]bool{"bundle": true, "log": true}) {
		t.Errorf("long flags = %v, want bundle, log", longs)
	}
	if !maps.Equal(shorts, map[string]string{"bundle": "b"}) {
		t.Errorf("short flags = %v, want bundle: b", shorts)
	}
	if refs := ocikitRefs(md); !slices.Equal(refs, []string{"oci-start(1)"}) {
		t.Errorf("references = %q, want oci-start(1)", refs)
	}
}

package tap

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// Directive is the "# SKIP" or "# TODO" mark of a test point.
type Directive int

const (
	// NoDirective marks an ordinary test point.
	NoDirective Directive = iota
	// Skip marks a point the program did not check.
	Skip
	// Todo marks a point that is known not to work yet; its failure does
	// not count.
	Todo
)

// Point is one "ok" or "not ok" line.
type Point struct {
	// Number is the point's number, 0 when the line gives none.
	Number      int
	OK          bool
	Description string
	Directive   Directive
	// Reason is the text after the directive.
	Reason string
	// Diagnostic is the YAML block printed right after the point, if any.
	Diagnostic *Diagnostic
}

// Failed reports whether the point counts as a failure: "not ok" without
// a TODO directive.
func (p Point) Failed() bool { return !p.OK && p.Directive != Todo }

// Plan is a "1..N" line.
type Plan struct {
	Count int
	// Skip is set for "1..0 # SKIP reason": the whole document was skipped.
	Skip   bool
	Reason string
}

// Diagnostic is a YAML block, its lines without the block's indentation and
// without the "---" and "..." markers.
type Diagnostic struct {
	Text string
}

// Message returns the diagnostic's error message: tap-go writes the block
// as a JSON object, and the validation programs put the reason under
// "error". Blocks of another shape give their first non-empty line.
func (d Diagnostic) Message() string {
	var obj map[string]any
	if json.Unmarshal([]byte(d.Text), &obj) == nil {
		if s, ok := obj["error"].(string); ok {
			return s
		}
	}
	first := ""
	for _, line := range strings.Split(d.Text, "\n") {
		line = strings.TrimSpace(line)
		if v, ok := strings.CutPrefix(line, "error:"); ok {
			return strings.TrimSpace(v)
		}
		if first == "" && line != "" {
			first = line
		}
	}
	return first
}

// Result is everything Parse found in one program's output.
type Result struct {
	// Versions counts "TAP version" lines: one per TAP document.
	Versions int
	Plans    []Plan
	Points   []Point
	// Orphans are diagnostic blocks that follow no test point. The
	// validation programs print a failure this way when it happens before
	// their first point, so an orphan is treated as a failure report.
	Orphans []Diagnostic
	// BailOut is set by a "Bail out!" line; BailOutReason is its text.
	BailOut       bool
	BailOutReason string
	// Other counts column-0 lines that are not TAP.
	Other int
}

// Planned returns the sum of the counts of all plans.
func (r Result) Planned() int {
	n := 0
	for _, p := range r.Plans {
		n += p.Count
	}
	return n
}

// Counts returns how many points passed, failed, were skipped and were
// marked TODO. A skipped point is counted as skipped only; a TODO point
// only as TODO, whether it said ok or not.
func (r Result) Counts() (ok, notOK, skip, todo int) {
	for _, p := range r.Points {
		switch {
		case p.Directive == Skip:
			skip++
		case p.Directive == Todo:
			todo++
		case p.OK:
			ok++
		default:
			notOK++
		}
	}
	return ok, notOK, skip, todo
}

// Empty reports whether the output held no TAP at all.
func (r Result) Empty() bool {
	return r.Versions == 0 && len(r.Plans) == 0 && len(r.Points) == 0 && len(r.Orphans) == 0 && !r.BailOut
}

var (
	planRE    = regexp.MustCompile(`^1\.\.(\d+)\s*(?:#\s*(.*))?$`)
	versionRE = regexp.MustCompile(`^TAP version \d+\s*$`)
	// directiveRE finds "# SKIP" or "# TODO" (any case, any suffix such as
	// "SKIPPED") in the text after the point number.
	directiveRE = regexp.MustCompile(`(?i)(?:^|\s)#\s*(skip|todo)\S*(?:\s+(.*))?$`)
)

// Parse reads TAP from r. Its error is only ever a read error; lines that
// are not TAP are counted in Result.Other and otherwise ignored.
func Parse(r io.Reader) (Result, error) {
	var res Result
	br := bufio.NewReader(r)
	// attach is the index of the point a following diagnostic block
	// belongs to, or -1.
	attach := -1
	var block *blockReader
	for {
		line, err := br.ReadString('\n')
		if line != "" {
			line = strings.TrimRight(line, "\r\n")
			if block != nil {
				if block.add(line) {
					if block.closed {
						finishBlock(&res, block, attach)
						block, attach = nil, -1
					}
					continue
				}
				finishBlock(&res, block, attach)
				block, attach = nil, -1
			}
			if indent, ok := blockStart(line); ok {
				block = &blockReader{indent: indent}
				continue
			}
			attach = parseLine(&res, line, attach)
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return res, fmt.Errorf("read tap: %w", err)
		}
	}
	if block != nil {
		finishBlock(&res, block, attach)
	}
	return res, nil
}

// parseLine records one line outside a diagnostic block and returns the
// index of the point a following block would belong to.
func parseLine(res *Result, line string, attach int) int {
	switch {
	case line == "" || strings.TrimSpace(line) == "":
		return attach
	case strings.HasPrefix(line, "#"):
		// Comments (tap-go's "# expect: ..., actual: ...") sit between a
		// point and its block, so they keep the attachment.
		return attach
	case line[0] == ' ' || line[0] == '\t':
		// Indented lines outside a block are embedded output, never the
		// outer program's protocol.
		return attach
	case versionRE.MatchString(line):
		res.Versions++
		return -1
	case strings.HasPrefix(line, "ok") || strings.HasPrefix(line, "not ok"):
		if p, ok := parsePoint(line); ok {
			res.Points = append(res.Points, p)
			return len(res.Points) - 1
		}
	case planRE.MatchString(line):
		m := planRE.FindStringSubmatch(line)
		n, err := strconv.Atoi(m[1])
		if err == nil {
			res.Plans = append(res.Plans, Plan{
				Count:  n,
				Skip:   n == 0 && strings.HasPrefix(strings.ToLower(m[2]), "skip"),
				Reason: strings.TrimSpace(m[2]),
			})
			return -1
		}
	case strings.HasPrefix(line, "Bail out!"):
		res.BailOut = true
		res.BailOutReason = strings.TrimSpace(strings.TrimPrefix(line, "Bail out!"))
		return -1
	}
	res.Other++
	return -1
}

// parsePoint parses "ok", "not ok", with an optional number, description
// and directive.
func parsePoint(line string) (Point, bool) {
	var p Point
	rest, notOK := strings.CutPrefix(line, "not ok")
	if !notOK {
		rest = strings.TrimPrefix(line, "ok")
	}
	// "ok" must be a word of its own: "okay" is not a point.
	if rest != "" && rest[0] != ' ' && rest[0] != '\t' && rest[0] != '#' {
		return Point{}, false
	}
	p.OK = !notOK
	rest = strings.TrimSpace(rest)
	if i := strings.IndexFunc(rest, func(r rune) bool { return r < '0' || r > '9' }); i != 0 {
		if i < 0 {
			i = len(rest)
		}
		p.Number, _ = strconv.Atoi(rest[:i])
		rest = strings.TrimSpace(rest[i:])
	}
	if loc := directiveRE.FindStringSubmatchIndex(rest); loc != nil {
		switch strings.ToLower(rest[loc[2]:loc[3]]) {
		case "skip":
			p.Directive = Skip
		case "todo":
			p.Directive = Todo
		}
		if loc[4] >= 0 {
			p.Reason = strings.TrimSpace(rest[loc[4]:loc[5]])
		}
		rest = rest[:loc[0]]
	}
	rest = strings.TrimSpace(rest)
	rest = strings.TrimSpace(strings.TrimPrefix(rest, "-"))
	p.Description = rest
	return p, true
}

// blockStart reports whether line opens a diagnostic block ("  ---") and
// with what indentation.
func blockStart(line string) (int, bool) {
	trimmed := strings.TrimLeft(line, " \t")
	indent := len(line) - len(trimmed)
	return indent, indent > 0 && strings.TrimRight(trimmed, " \t") == "---"
}

// isBlockEnd reports whether line closes a diagnostic block: an indented
// "...".
func isBlockEnd(line string) bool {
	return strings.TrimSpace(line) == "..." && (line[0] == ' ' || line[0] == '\t')
}

// blockReader collects the lines of one diagnostic block.
type blockReader struct {
	indent int
	lines  []string
	closed bool
}

// add takes line into the block and reports whether it belonged there; it
// sets closed at the block's "..." line. A line that starts in column 0 is
// not taken: it ends a block cut short by a crash.
func (b *blockReader) add(line string) bool {
	if isBlockEnd(line) {
		b.closed = true
		return true
	}
	if line != "" && line[0] != ' ' && line[0] != '\t' {
		return false
	}
	if len(line) >= b.indent && strings.TrimSpace(line[:b.indent]) == "" {
		line = line[b.indent:]
	} else {
		line = strings.TrimLeft(line, " \t")
	}
	b.lines = append(b.lines, line)
	return true
}

func finishBlock(res *Result, b *blockReader, attach int) {
	d := Diagnostic{Text: strings.Join(b.lines, "\n")}
	if attach >= 0 && attach < len(res.Points) && res.Points[attach].Diagnostic == nil {
		res.Points[attach].Diagnostic = &d
		return
	}
	res.Orphans = append(res.Orphans, d)
}

package cli

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// EachID calls fn for every container ID named on the command line or, when
// args is empty or just "-", for every ID read from stdin. Stdin is read
// line by line and each ID is handled as soon as its line arrives, so a
// tool at the end of a pipeline acts without waiting for the writer to
// finish. A line is a bare ID or a JSON object with an "id" field (the
// output of oci-create and oci-state). Blank lines are skipped. Errors from
// fn do not stop the walk; they are joined and returned.
func EachID(args []string, stdin io.Reader, fn func(id string) error) error {
	if len(args) == 0 || (len(args) == 1 && args[0] == "-") {
		return eachStdinID(stdin, fn)
	}
	var errs []error
	for _, id := range args {
		if id == "-" {
			errs = append(errs, eachStdinID(stdin, fn))
			continue
		}
		errs = append(errs, fn(id))
	}
	return errors.Join(errs...)
}

func eachStdinID(stdin io.Reader, fn func(id string) error) error {
	var errs []error
	sc := bufio.NewScanner(stdin)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	for sc.Scan() {
		id, err := ParseIDLine(sc.Text())
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if id == "" {
			continue
		}
		errs = append(errs, fn(id))
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, fmt.Errorf("read IDs from stdin: %w", err))
	}
	return errors.Join(errs...)
}

// ParseIDLine returns the container ID in one line of input: the line
// itself, trimmed, or the "id" field when the line is a JSON object.
func ParseIDLine(line string) (string, error) {
	line = strings.TrimSpace(line)
	if line == "" {
		return "", nil
	}
	if !strings.HasPrefix(line, "{") {
		return line, nil
	}
	var v struct {
		ID *string `json:"id"`
	}
	if err := json.Unmarshal([]byte(line), &v); err != nil {
		return "", fmt.Errorf("read IDs from stdin: line %q is neither an ID nor a JSON object: %w", truncate(line, 60), err)
	}
	if v.ID == nil || *v.ID == "" {
		return "", fmt.Errorf("read IDs from stdin: JSON line has no \"id\": %q", truncate(line, 60))
	}
	return *v.ID, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

package spec

import "fmt"

// Severity says whether a Problem stops a container from being created.
type Severity string

const (
	// SeverityError: the spec is invalid, or this runtime cannot honour
	// it; create refuses it.
	SeverityError Severity = "error"
	// SeverityWarning: the spec is valid but something in it will not
	// have the effect its author may expect (a field this runtime
	// ignores, say).
	SeverityWarning Severity = "warning"
)

// Problem is one finding of the validation, as `oci-spec validate` prints
// it: the JSON path of the field ("linux.namespaces.3.type"; "" for the
// whole document), what is wrong with it, and how much it matters.
type Problem struct {
	Path     string   `json:"path"`
	Message  string   `json:"message"`
	Severity Severity `json:"severity"`
}

// String is the problem as an error line reads it: "PATH: MESSAGE".
func (p Problem) String() string {
	if p.Path == "" {
		return p.Message
	}
	return fmt.Sprintf("%s: %s", p.Path, p.Message)
}

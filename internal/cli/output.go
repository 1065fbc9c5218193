package cli

import (
	"encoding/json"
	"fmt"
	"io"
)

// PrintJSON writes v as one line of JSON, the form every tool's output
// takes so the next tool in a pipeline can read it.
func PrintJSON(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

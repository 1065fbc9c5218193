// Package specedit reads and edits config.json by gjson path, on the JSON
// text rather than on a decoded spec, so the fields this runtime does not
// know survive (a spec of any runtime-spec version from 1.0 to 1.3, or
// with another runtime's extensions, is edited without loss) and the
// untouched parts of a file keep their order and formatting byte for
// byte.
//
// # Why not sjson
//
// The edits splice the text at the offsets gjson reports instead of going
// through sjson, which this project chose first. sjson writes a new
// member of an indented object as `,"b":2}` after its closing line, and
// it silently turns a string into an object for a path through it
// (`set hostname.x 1`) and pads arrays with nulls for an index past the
// end. config.json is a file people read and diff: here new values are
// laid out like their neighbours, and a path through a scalar or past an
// array's end is an error. FuzzEdit checks that every result is one JSON
// object and that what a set stores reads back.
//
// It is apart from package spec so that only oci-spec links gjson: gjson
// registers its modifiers in an init function, which keeps the whole
// library in every binary that imports it, and every lifecycle tool
// imports spec.
//
// # Paths
//
// Keys are separated by dots, array elements named by index
// (process.args.0), -1 appends when setting (process.args.-1), and a
// backslash escapes a dot, a wildcard or a leading digit inside a key
// (annotations.org\.example\.key). Get takes the whole gjson query syntax
// (mounts.#.destination, process.env.#(%"PATH=*"), @pretty); the edits
// take plain paths and refuse query syntax, which names no single place
// to edit.
//
// # Functions on a document's text
//
//   - CheckDoc: the document is one JSON object (not null, not an array,
//     no trailing text).
//   - Get: the value at a path, a string bare and anything else as JSON.
//   - Set, SetAs, SetString, SetRaw: store a value, creating missing
//     objects; a path through a string, number or boolean is an error,
//     never a silent replacement.
//   - Append, AppendRaw: add to an array, making it when missing.
//   - Delete: remove a value; a missing one is an error.
//   - Merge: apply an RFC 7386 JSON merge patch.
//   - RawValue: a command-line VALUE as JSON text (TypeAuto, TypeJSON,
//     TypeString).
//
// Each returns a new text, or an error and no text; none returns a result
// that is not one JSON object. New values are indented like their
// neighbours when the document is indented, compact when it is not.
//
// # Files
//
// EditFile applies an edit, a func([]byte) ([]byte, error) such as those
// SetPairs, SetPairsAs and DeletePaths return, to a file atomically
// (fsutil.WriteFileAtomic, keeping its mode, through a symlink), or from
// stdin to stdout for "-". GetFile prints a value. ReadStdinArg takes a
// command-line value from stdin.
//
// # Fuzzing
//
// FuzzEdit feeds random documents, paths and values to the editor and
// checks that it never panics, that every result is one valid JSON object
// and that a value set reads back with Get:
//
//	go test -fuzz=FuzzEdit -fuzztime=60s ./internal/spec/specedit/
//
// Its seed corpus is in testdata/fuzz/FuzzEdit.
package specedit

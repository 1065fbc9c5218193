// Package report turns the results of a conformance run into what people
// and CI read: the per-program table with totals, the JSON results file,
// the verdict against the list of programs expected to pass, and a
// Markdown table comparing runtimes for the documentation.
package report

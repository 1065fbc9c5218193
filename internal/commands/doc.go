// Package commands holds the command types of the lifecycle tools, each a
// kong flag struct with a Run method. One definition serves two entry
// points: the single tools (oci-create embeds Create, oci-start Start, …)
// and the runc-compatible front, oci-runtime, whose subcommands are these
// same types. Where runc 1.1 prints or reads differently from the toolkit
// (create prints nothing and passes stdio through, state prints one
// indented object, start and delete take IDs only as arguments), Run
// follows cli.Env.Runc.
//
// The commands that need less than the container machinery live in
// sub-packages, so the tools built on them link less and start faster (a
// Go binary's start-up and resident memory grow with its size, and a
// package's init functions run in every binary that imports it): statecmd
// (state, list: the state store only), specgen (spec: package spec
// only), featurescmd (runc features) and speccmd (oci-spec's editing,
// validation and features commands).
package commands

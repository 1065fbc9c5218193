// Package speccmd holds oci-spec's commands: generate (with specgen's
// flags), the edits by path (get, set, delete, append, merge) and by
// meaning (args, edit), validate and features. Each Run only parses and
// calls package spec, spec/specedit or features. The bundle is a flag of
// oci-spec itself (Bundle), which kong hands to every command as a
// BundleDir.
package speccmd

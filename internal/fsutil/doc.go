// Package fsutil holds small filesystem helpers shared by the state store,
// spec editing and bundle creation: atomic writes, so a reader never sees a
// half-written state.json or config.json, and whole-file reads, both on
// bare descriptors, which the lifecycle tools' hot path finds cheaper than
// *os.File.
package fsutil

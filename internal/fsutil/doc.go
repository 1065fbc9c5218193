// Package fsutil holds small filesystem helpers shared by the state store,
// spec editing and bundle creation: chiefly atomic writes, so a reader never
// sees a half-written state.json or config.json.
package fsutil

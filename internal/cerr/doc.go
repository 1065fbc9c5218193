// Package cerr is ocikit's one error convention.
//
// Every error that reaches a user names the container, the operation and
// the path it concerns, so a line such as
//
//	oci-create: container "web": mount "/proc": operation not permitted
//
// is enough to act on without a debug log. Packages below the CLI return
// plain wrapped errors (lowercase, %w); the lifecycle layer wraps them once
// with E so the container and operation are never repeated or lost.
package cerr

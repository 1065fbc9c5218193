// Package initproto is the protocol between the runtime and a container's
// init: the bootstrap message the nsenter constructor reads and its
// replies, the Config the Go init then reads and its Reply, and the
// request on the start socket. It holds no cgo, so every tool can speak
// it; only the tools that create containers link the constructor itself
// (package nsenter).
package initproto

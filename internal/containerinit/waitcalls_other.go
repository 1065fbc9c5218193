//go:build linux && !amd64 && !arm64

package containerinit

// waiterCalls is empty where the waiter's calls have not been listed: a
// filter loaded early then keeps the Go init waiting.
var waiterCalls []sysCall

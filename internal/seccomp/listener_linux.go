package seccomp

// ListenerReply is the message a container process that loaded a
// notifying filter sends the runtime on its init socket, with the
// filter's listener attached as SCM_RIGHTS. It is sent before the
// process's last reply (ready, or the exec), so that the runtime hands
// the listener to linux.seccomp.listenerPath before it reports the
// container created. Its field is disjoint from initproto.Reply's: the
// runtime decodes both from the same stream. The runtime answers with the
// same message once the listener is with its owner; the process waits for
// that answer, so that it runs nothing more (an exec'd program above all)
// unless the hand-over worked, and the runtime kills it otherwise.
type ListenerReply struct {
	SeccompListener bool `json:"seccompListener,omitempty"`
}

package userns

const (
	// RecordFile is the name of the allocation's record in a container's
	// state folder.
	RecordFile = "userns"
	// LockFile is the state root's allocation lock.
	LockFile = "userns.lock"
)

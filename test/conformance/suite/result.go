package suite

// Failure is one failed TAP point.
type Failure struct {
	Number      int    `json:"number"`
	Description string `json:"description"`
}

// TestResult is the outcome of one validation program.
type TestResult struct {
	Name     string  `json:"name"`
	Status   Status  `json:"status"`
	Reason   string  `json:"reason,omitempty"`
	OK       int     `json:"ok"`
	NotOK    int     `json:"not_ok"`
	Skip     int     `json:"skip"`
	Todo     int     `json:"todo"`
	Planned  int     `json:"planned"`
	ExitCode int     `json:"exit_code"`
	Signal   string  `json:"signal,omitempty"`
	Seconds  float64 `json:"seconds"`
	// Failures lists the failed points, at most maxFailures of them.
	Failures []Failure `json:"failures,omitempty"`
	// StderrTail is the end of the program's standard error, kept for
	// verdicts other than Pass.
	StderrTail string `json:"stderr_tail,omitempty"`
	// Leaks lists what cleanup could not remove after the program.
	Leaks []string `json:"leaks,omitempty"`
}

const maxFailures = 20

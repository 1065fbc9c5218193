package hooks

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
)

// maxLine is the longest line passed to the log in one message; a longer
// one is split, so a hook writing without newlines still reaches the log
// as it goes and cannot make the runtime buffer without bound.
const maxLine = 4096

// lineLog is an io.Writer that logs what a hook writes on one stream, a
// message per line.
type lineLog struct {
	log    *slog.Logger
	hook   string
	stream string

	mu   sync.Mutex
	buf  []byte
	last string // the last non-empty line, for the error of a failed hook
}

func newLineLog(log *slog.Logger, hook, stream string) *lineLog {
	return &lineLog{log: log, hook: hook, stream: stream}
}

func (w *lineLog) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			break
		}
		w.emit(string(w.buf[:i]))
		w.buf = w.buf[i+1:]
	}
	for len(w.buf) >= maxLine {
		w.emit(string(w.buf[:maxLine]))
		w.buf = w.buf[maxLine:]
	}
	return len(p), nil
}

// flush logs an unterminated last line.
func (w *lineLog) flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf) > 0 {
		w.emit(string(w.buf))
		w.buf = nil
	}
}

func (w *lineLog) emit(line string) {
	line = strings.TrimSuffix(line, "\r")
	if strings.TrimSpace(line) != "" {
		w.last = line
	}
	w.log.Info("hook output", "hook", w.hook, "stream", w.stream, "line", line)
}

func (w *lineLog) lastLine() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	const max = 256
	if len(w.last) > max {
		return w.last[:max] + "..."
	}
	return w.last
}

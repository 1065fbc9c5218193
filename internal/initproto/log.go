package initproto

import (
	"context"
	"log/slog"
	"sync"
)

// LogRecord is a log message the init hands to the runtime, which logs it
// with its own logger: the init has no log of its own, and its stderr is
// the container's.
type LogRecord struct {
	Level slog.Level `json:"level"`
	Msg   string     `json:"msg"`
	Attrs []LogAttr  `json:"attrs,omitempty"`
}

// LogAttr is one attribute of a LogRecord, its value as text.
type LogAttr struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Replay logs rec with log.
func (rec *LogRecord) Replay(log *slog.Logger) {
	args := make([]any, 0, len(rec.Attrs))
	for _, a := range rec.Attrs {
		args = append(args, slog.String(a.Key, a.Value))
	}
	log.Log(context.Background(), rec.Level, rec.Msg, args...)
}

// NewLogHandler returns a slog.Handler that passes every record to send
// as a Reply holding a LogRecord. Levels are not filtered: the runtime's
// logger does that. A record that cannot be sent is dropped.
func NewLogHandler(send func(*Reply) error) slog.Handler {
	return &logHandler{send: send, mu: &sync.Mutex{}}
}

type logHandler struct {
	send   func(*Reply) error
	mu     *sync.Mutex // hooks log their stdout and stderr from two goroutines
	attrs  []LogAttr
	prefix string // of the open groups, "g1.g2."
}

func (h *logHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *logHandler) Handle(_ context.Context, r slog.Record) error {
	rec := &LogRecord{Level: r.Level, Msg: r.Message, Attrs: append([]LogAttr(nil), h.attrs...)}
	r.Attrs(func(a slog.Attr) bool {
		rec.Attrs = appendAttr(rec.Attrs, h.prefix, a)
		return true
	})
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.send(&Reply{Log: rec})
}

func (h *logHandler) WithAttrs(as []slog.Attr) slog.Handler {
	c := *h
	c.attrs = append([]LogAttr(nil), h.attrs...)
	for _, a := range as {
		c.attrs = appendAttr(c.attrs, h.prefix, a)
	}
	return &c
}

func (h *logHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	c := *h
	c.prefix = h.prefix + name + "."
	return &c
}

// appendAttr flattens a, groups becoming dotted keys.
func appendAttr(out []LogAttr, prefix string, a slog.Attr) []LogAttr {
	v := a.Value.Resolve()
	if v.Kind() == slog.KindGroup {
		p := prefix
		if a.Key != "" {
			p += a.Key + "."
		}
		for _, g := range v.Group() {
			out = appendAttr(out, p, g)
		}
		return out
	}
	if a.Key == "" {
		return out
	}
	return append(out, LogAttr{Key: prefix + a.Key, Value: v.String()})
}

package initproto

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
)

func TestLogRoundTrip(t *testing.T) {
	var wire bytes.Buffer
	enc := json.NewEncoder(&wire)
	log := slog.New(NewLogHandler(func(r *Reply) error { return enc.Encode(r) }))
	log.With("hook", "createContainer[0]").WithGroup("g").Info("hook output", "line", "hello", slog.Group("sub", "n", 3))
	log.Warn("plain")

	var out bytes.Buffer
	runtimeLog := slog.New(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelInfo}))
	dec := json.NewDecoder(&wire)
	for dec.More() {
		var r Reply
		if err := dec.Decode(&r); err != nil {
			t.Fatal(err)
		}
		if r.Log == nil || r.Ready || r.Error != "" {
			t.Fatalf("reply %+v: want a log record only", r)
		}
		r.Log.Replay(runtimeLog)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("replayed %q", out.String())
	}
	for _, want := range []string{"level=INFO", `msg="hook output"`, "hook=createContainer[0]", "g.line=hello", "g.sub.n=3"} {
		if !strings.Contains(lines[0], want) {
			t.Errorf("%q lacks %q", lines[0], want)
		}
	}
	if !strings.Contains(lines[1], "level=WARN") || !strings.Contains(lines[1], "msg=plain") {
		t.Errorf("second record %q", lines[1])
	}
}

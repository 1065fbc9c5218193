package state

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"golang.org/x/sys/unix"
)

func TestValidateID(t *testing.T) {
	good := []string{"a", "web-1", "A_b+c.d", strings.Repeat("x", MaxIDLength), "a..b"}
	bad := []string{"", ".", "..", "../x", "a/b", ".hidden", "a b", "a\x00b", "ü", strings.Repeat("x", MaxIDLength+1)}
	for _, id := range good {
		if err := ValidateID(id); err != nil {
			t.Errorf("ValidateID(%q) = %v, want nil", id, err)
		}
	}
	for _, id := range bad {
		if err := ValidateID(id); err == nil {
			t.Errorf("ValidateID(%q) = nil, want an error", id)
		}
	}
}

func TestCreateGetRemove(t *testing.T) {
	s := &Store{Root: filepath.Join(t.TempDir(), "state")}
	c, err := s.Create("c1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create("c1"); !errors.Is(err, ErrExist) {
		t.Fatalf("second Create = %v, want ErrExist", err)
	}
	r, err := s.Read("c1")
	if err != nil || r.Status() != Creating {
		t.Fatalf("Read before save = %+v, %v; want creating", r, err)
	}
	rec := &Record{ID: "c1", Pid: os.Getpid(), Bundle: "/b"}
	if err := c.Save(rec); err != nil {
		t.Fatal(err)
	}
	if st := mustRead(t, s, "c1").Status(); st != Created {
		t.Fatalf("status = %s, want created", st)
	}
	rec.Started = true
	c.Save(rec)
	if st := mustRead(t, s, "c1").Status(); st != Running {
		t.Fatalf("status = %s, want running", st)
	}
	if err := c.Remove(); err != nil {
		t.Fatal(err)
	}
	c.Close()
	if _, err := s.Get("c1"); !errors.Is(err, ErrNotExist) {
		t.Fatalf("Get after remove = %v, want ErrNotExist", err)
	}
	ids, _ := s.List()
	if len(ids) != 0 {
		t.Fatalf("List = %v, want empty", ids)
	}
}

func mustRead(t *testing.T, s *Store, id string) *Record {
	t.Helper()
	r, err := s.Read(id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// A waiter that gets the lock after the holder removed the container must
// see it gone rather than work on a deleted folder.
func TestGetWaitsAndSeesRemoval(t *testing.T) {
	s := &Store{Root: t.TempDir()}
	c, err := s.Create("c1")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	go func() {
		_, err := s.Get("c1")
		done <- err
	}()
	if err := c.Remove(); err != nil {
		t.Fatal(err)
	}
	c.Close()
	if err := <-done; !errors.Is(err, ErrNotExist) {
		t.Fatalf("waiting Get = %v, want ErrNotExist", err)
	}
}

func TestConcurrentCreateOneWins(t *testing.T) {
	s := &Store{Root: t.TempDir()}
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if c, err := s.Create("same"); err == nil {
				mu.Lock()
				won++
				mu.Unlock()
				c.Close()
			} else if !errors.Is(err, ErrExist) {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if won != 1 {
		t.Fatalf("%d creates won, want 1", won)
	}
}

func TestStoppedAndReusedPid(t *testing.T) {
	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Skip("no sleep binary:", err)
	}
	pid := cmd.Process.Pid
	start, _, err := ProcStartTime(pid)
	if err != nil {
		t.Fatal(err)
	}
	r := &Record{ID: "x", Pid: pid, InitStartTime: start}
	if r.Status() != Created {
		t.Fatalf("status = %s, want created", r.Status())
	}
	r.InitStartTime = start + 1 // the pid now "belongs to another process"
	if r.Status() != Stopped {
		t.Fatalf("status with another start time = %s, want stopped", r.Status())
	}
	r.InitStartTime = start
	cmd.Process.Kill()
	// Wait for the exit without reaping: the child stays a zombie, and a
	// zombie is stopped too.
	var info unix.Siginfo
	if err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT, nil); err != nil {
		t.Fatal(err)
	}
	if r.Status() != Stopped {
		t.Fatalf("status of a zombie = %s, want stopped", r.Status())
	}
	cmd.Wait()
	if r.Status() != Stopped || r.View().Pid != 0 {
		t.Fatalf("status after reap = %s, view pid %d", r.Status(), r.View().Pid)
	}
}

func TestLongIDs(t *testing.T) {
	s := &Store{Root: t.TempDir()}
	long := strings.Repeat("a", MaxIDLength)
	long2 := strings.Repeat("a", MaxIDLength-1) + "b"
	for _, id := range []string{long, long2, "short"} {
		c, err := s.Create(id)
		if err != nil {
			t.Fatalf("Create(%d bytes): %v", len(id), err)
		}
		if err := c.Save(&Record{ID: id}); err != nil {
			t.Fatal(err)
		}
		c.Close()
	}
	if _, err := s.Create(long); !errors.Is(err, ErrExist) {
		t.Fatalf("second Create of a long ID = %v, want ErrExist", err)
	}
	ids, err := s.List()
	if err != nil || len(ids) != 3 || ids[0] != long || ids[1] != long2 || ids[2] != "short" {
		t.Fatalf("List = %d ids, %v", len(ids), err)
	}
	if r, err := s.Read(long2); err != nil || r.ID != long2 {
		t.Fatalf("Read(long2) = %v", err)
	}
	c, err := s.Get(long)
	if err != nil {
		t.Fatal(err)
	}
	c.Remove()
	c.Close()
	if ids, _ := s.List(); len(ids) != 2 {
		t.Fatalf("after remove: %d ids", len(ids))
	}
}

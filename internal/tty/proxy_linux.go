package tty

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// hangupReads is how many reads in a row must fail with EIO before the
// master counts as hung up. When the slave closes right after a large write,
// the kernel can answer EIO while its buffer worker still holds a chunk
// requeued during the read's own flush; that chunk is in the line discipline
// by the next read, so a spurious EIO is always followed by data. Stopping
// at the first EIO lost the tail of the output in about 1 run in 300; two
// in a row is the true end, and a third read costs nothing (a hung-up
// master with nothing pending fails at once).
const hangupReads = 3

// defaultEOF is ^D, the conventional end-of-file character, used when the
// container's terminal has VEOF disabled.
const defaultEOF = 4

// Session is a running terminal proxy between a user's streams and a
// container's pty master; see Attach.
type Session struct {
	master, in, out *os.File
	log             *slog.Logger

	saved      *unix.Termios  // in's attributes before raw mode; nil if in is no terminal
	winch      chan os.Signal // SIGWINCH deliveries; nil if in is no terminal
	stop       chan struct{}  // closed by Close to end resize forwarding
	resizeDone chan struct{}  // closed when resize forwarding has ended

	outDone chan struct{} // closed when the master reached EOF and output is written
	outErr  error         // set before outDone is closed

	closed    atomic.Bool
	closeOnce sync.Once
	closeErr  error
}

// Attach connects the user's streams to the container's terminal master:
// bytes from in go to master and bytes from master go to out. If in is a
// terminal it is put in raw mode, and its window size is copied to master
// now and on every SIGWINCH until Close. The caller must Close the session
// (restoring in's attributes) and may Wait for the container's side to end.
// A nil log discards messages.
func Attach(master, in, out *os.File, log *slog.Logger) (*Session, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Session{
		master:     master,
		in:         in,
		out:        out,
		log:        log,
		stop:       make(chan struct{}),
		resizeDone: make(chan struct{}),
		outDone:    make(chan struct{}),
	}
	if IsTerminal(in) {
		saved, err := makeRaw(in)
		if err != nil {
			return nil, fmt.Errorf("attach terminal: %w", err)
		}
		s.saved = saved
		// Subscribe before the first copy so a resize in between is not lost.
		s.winch = make(chan os.Signal, 1)
		signal.Notify(s.winch, unix.SIGWINCH)
		go s.forwardResize()
		if err := copySize(master, in); err != nil {
			s.Close()
			return nil, fmt.Errorf("attach terminal: %w", err)
		}
	} else {
		close(s.resizeDone)
	}
	go s.copyOutput()
	// A read from in cannot be interrupted portably (a blocking terminal or
	// pipe read holds its thread), so this goroutine is never waited for:
	// Close only makes it drop whatever it reads next.
	go s.copyInput()
	return s, nil
}

// Wait blocks until the container's side of the terminal is closed (reading
// the master then fails with EIO, the normal end) and everything read from
// it has been written to out. It returns the first error reading master or
// writing out; output read after a failed write is discarded so the
// container never blocks on a full terminal.
func (s *Session) Wait() error {
	<-s.outDone
	return s.outErr
}

// Close stops forwarding window size changes and restores in's terminal
// attributes. It does not close any of the files and may be called more
// than once; later calls return the first call's result.
func (s *Session) Close() error {
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		if s.winch != nil {
			signal.Stop(s.winch)
		}
		close(s.stop)
		// Once Close returns nothing touches master on the resize path, so
		// the caller may close it.
		<-s.resizeDone
		if s.saved != nil {
			s.closeErr = setTermios(s.in, s.saved)
		}
	})
	return s.closeErr
}

// copySize gives dst the window size of src.
func copySize(dst, src *os.File) error {
	rows, cols, err := GetSize(src)
	if err != nil {
		return err
	}
	return SetSize(dst, rows, cols)
}

func (s *Session) forwardResize() {
	defer close(s.resizeDone)
	for {
		select {
		case <-s.stop:
			return
		case <-s.winch:
			if err := copySize(s.master, s.in); err != nil {
				s.log.Debug("forward window size", "err", err)
			}
		}
	}
}

func (s *Session) copyOutput() {
	defer close(s.outDone)
	var werr error
	err := readMaster(s.master, func(b []byte) {
		if werr != nil {
			return
		}
		if _, err := s.out.Write(b); err != nil {
			werr = fmt.Errorf("write terminal output to %q: %w", s.out.Name(), err)
			s.log.Warn("terminal output discarded from now on", "err", werr)
		}
	})
	if err == nil {
		err = werr
	}
	s.outErr = err
}

// readMaster passes everything read from master to fn until the slave side
// hangs up, which is the normal end and returns nil.
func readMaster(master *os.File, fn func([]byte)) error {
	buf := make([]byte, 32*1024)
	hangups := 0
	for hangups < hangupReads {
		n, err := master.Read(buf)
		if n > 0 {
			hangups = 0
			fn(buf[:n])
		}
		switch {
		case err == nil:
		case errors.Is(err, unix.EIO) || errors.Is(err, io.EOF):
			// Linux returns EIO once every slave descriptor is closed:
			// the container is done with its terminal.
			hangups++
		default:
			return fmt.Errorf("read terminal %q: %w", master.Name(), err)
		}
	}
	return nil
}

func (s *Session) copyInput() {
	buf := make([]byte, 32*1024)
	last := byte('\n')
	for {
		n, err := s.in.Read(buf)
		if s.closed.Load() {
			return
		}
		if n > 0 {
			if _, err := s.master.Write(buf[:n]); err != nil {
				s.log.Debug("forward terminal input", "err", err)
				return
			}
			last = buf[n-1]
		}
		if err == io.EOF && s.saved == nil {
			s.sendEOF(last)
			return
		}
		if err != nil {
			if err != io.EOF {
				s.log.Debug("read terminal input", "path", s.in.Name(), "err", err)
			}
			return
		}
	}
}

// sendEOF tells the program reading the container's terminal that input
// ended, as script(1) does: by typing the terminal's EOF character. In
// canonical mode that character ends a read with what is pending, so after
// an unterminated last line a second one is needed for the reader to see a
// read of zero bytes.
func (s *Session) sendEOF(last byte) {
	eof := []byte{defaultEOF}
	t, err := getTermios(s.master)
	if err != nil {
		s.log.Debug("send end of input", "err", err)
	} else {
		if c := t.Cc[unix.VEOF]; c != 0 {
			eof[0] = c
		}
		if t.Lflag&unix.ICANON != 0 && last != '\n' {
			eof = append(eof, eof[0])
		}
	}
	if _, err := s.master.Write(eof); err != nil {
		s.log.Debug("send end of input", "err", err)
	}
}

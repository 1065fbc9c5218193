package state

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/ocikit/ocikit/internal/fsutil"
)

// ErrNotExist and ErrExist are returned (wrapped) for a missing container
// and for a create of an ID that is taken.
var (
	ErrNotExist = errors.New("container does not exist")
	ErrExist    = errors.New("container already exists")
)

const stateFile = "state.json"

// Store is a state root directory.
type Store struct {
	Root string
}

// Container is one container's folder, held under an exclusive flock
// until Close.
type Container struct {
	ID  string
	Dir string
	fd  int // the folder, open and flocked; -1 once closed
}

// Create makes the folder of a new container and locks it. The folder's
// mkdir is the point where two creates of one ID are decided.
func (s *Store) Create(id string) (*Container, error) {
	if err := ValidateID(id); err != nil {
		return nil, err
	}
	// 0711 lets other users reach a folder they know the name of (the
	// rootless case shares nothing, but a tool run by root for a user's
	// container must traverse it); the container folders are 0700.
	if err := os.MkdirAll(s.Root, 0o711); err != nil {
		return nil, fmt.Errorf("create state directory %q: %w", s.Root, bare(err, s.Root))
	}
	dir := s.Dir(id)
	if err := os.Mkdir(dir, 0o700); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("%w: %q", ErrExist, dir)
		}
		return nil, fmt.Errorf("create state folder %q: %w", dir, bare(err, dir))
	}
	c, err := s.open(id, dir)
	if err != nil {
		os.Remove(dir)
		return nil, err
	}
	if len(id) > maxDirName {
		if err := os.WriteFile(c.Path(idFile), []byte(id), 0o600); err != nil {
			c.Remove()
			c.Close()
			return nil, fmt.Errorf("create state folder %q: %w", dir, err)
		}
	}
	return c, nil
}

// Path returns the path of a file in a container's folder.
func (s *Store) Path(id, name string) string { return filepath.Join(s.Dir(id), name) }

// Dir returns the folder of a container. An ID too long to be a file name
// (IDs go up to MaxIDLength bytes, file names to 255) gets a folder named
// by its SHA-256; '~' cannot begin an ID, so the two kinds never meet.
func (s *Store) Dir(id string) string {
	if len(id) <= maxDirName {
		return filepath.Join(s.Root, id)
	}
	sum := sha256.Sum256([]byte(id))
	return filepath.Join(s.Root, longPrefix+hex.EncodeToString(sum[:]))
}

const (
	maxDirName = 200
	longPrefix = "~"
	idFile     = "id"
)

// Get opens and locks the folder of an existing container. It waits for a
// concurrent operation on the same container to finish.
func (s *Store) Get(id string) (*Container, error) {
	if err := ValidateID(id); err != nil {
		return nil, err
	}
	return s.open(id, s.Dir(id))
}

func (s *Store) open(id, dir string) (*Container, error) {
	// A bare descriptor: it is only flocked and closed, and an *os.File
	// would cost the tool the Go runtime's poller set-up and five system
	// calls more.
	var fd int
	err := retryEINTR(func() (err error) {
		fd, err = unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		return err
	})
	if err != nil {
		if errors.Is(err, unix.ENOENT) {
			return nil, fmt.Errorf("%w: %q", ErrNotExist, dir)
		}
		return nil, fmt.Errorf("open state folder %q: %w", dir, err)
	}
	if err := retryEINTR(func() error { return unix.Flock(fd, unix.LOCK_EX) }); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("lock state folder %q: %w", dir, err)
	}
	// The holder before us may have deleted the container: a removed
	// directory has no links left.
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil || st.Nlink == 0 {
		unix.Close(fd)
		return nil, fmt.Errorf("%w: %q", ErrNotExist, dir)
	}
	return &Container{ID: id, Dir: dir, fd: fd}, nil
}

func retryEINTR(fn func() error) error {
	for {
		if err := fn(); err != unix.EINTR {
			return err
		}
	}
}

// Close releases the lock.
func (c *Container) Close() error {
	if c.fd < 0 {
		return nil
	}
	err := unix.Close(c.fd)
	c.fd = -1
	if err != nil {
		return fmt.Errorf("close state folder %q: %w", c.Dir, err)
	}
	return nil
}

// Save writes the record atomically.
func (c *Container) Save(r *Record) error {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode state of %q: %w", c.ID, err)
	}
	return fsutil.WriteFileAtomic(filepath.Join(c.Dir, stateFile), b, 0o600, false)
}

// Remove deletes the folder. The lock is held until Close, so a waiter
// sees the folder gone (Nlink 0) once it gets the lock.
func (c *Container) Remove() error {
	if err := os.RemoveAll(c.Dir); err != nil {
		return fmt.Errorf("remove state folder %q: %w", c.Dir, err)
	}
	return nil
}

// Path returns the path of a file in the container's folder.
func (c *Container) Path(name string) string { return filepath.Join(c.Dir, name) }

// Read returns a container's record without taking its lock (state.json
// is replaced atomically). A container still being created gets a record
// with only its ID, whose status is "creating".
func (s *Store) Read(id string) (*Record, error) {
	if err := ValidateID(id); err != nil {
		return nil, err
	}
	dir := s.Dir(id)
	rec, err := readRecord(dir, id)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return rec, err
	}
	// No state.json: a container being created, or none at all. The
	// folder is looked at only now, since the common case needs no
	// second system call.
	if _, err := os.Lstat(dir); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: %q", ErrNotExist, dir)
		}
		return nil, fmt.Errorf("read state folder %q: %w", dir, bare(err, dir))
	}
	return &Record{ID: id}, nil
}

// Load reads the record; a container still being created has none.
func (c *Container) Load() (*Record, error) {
	r, err := readRecord(c.Dir, c.ID)
	if errors.Is(err, fs.ErrNotExist) {
		return &Record{ID: c.ID}, nil
	}
	return r, err
}

// readRecord reads dir's state.json; a missing file is an error that
// wraps fs.ErrNotExist.
func readRecord(dir, id string) (*Record, error) {
	p := filepath.Join(dir, stateFile)
	b, err := fsutil.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("read state %q: %w", p, bare(err, p))
	}
	var r Record
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("decode state %q: %w", p, err)
	}
	if r.ID != id {
		return nil, fmt.Errorf("state %q names container %q", p, r.ID)
	}
	return &r, nil
}

// List returns the IDs of every container in the store, sorted. A missing
// root is an empty store.
func (s *Store) List() ([]string, error) {
	ents, err := os.ReadDir(s.Root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list state directory %q: %w", s.Root, bare(err, s.Root))
	}
	var ids []string
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		name := e.Name()
		if strings.HasPrefix(name, longPrefix) {
			// A long ID's folder: the ID is in its id file, written
			// before the creator released the folder's lock.
			b, err := fsutil.ReadFile(filepath.Join(s.Root, name, idFile))
			if err != nil || s.Dir(string(b)) != filepath.Join(s.Root, name) {
				continue
			}
			name = string(b)
		}
		if ValidateID(name) == nil {
			ids = append(ids, name)
		}
	}
	sort.Strings(ids)
	return ids, nil
}

// bare drops the path an *fs.PathError repeats when the message around it
// names that path already: `create state folder "/x": file name too long`
// rather than `... "/x": mkdir /x: file name too long`.
func bare(err error, path string) error {
	if pe, ok := err.(*fs.PathError); ok && pe.Path == path {
		return pe.Err
	}
	return err
}

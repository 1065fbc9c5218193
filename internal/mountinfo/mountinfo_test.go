package mountinfo

import (
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

// tricky covers spaces, tabs, newlines and backslashes in paths, optional
// fields absent, single and several, a "-" inside and as a whole path,
// an empty source and a last line without its newline.
const tricky = `22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw
23 22 0:21 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw
41 22 0:41 /sub\040dir /var/lib/with\040space rw,relatime shared:7 master:3 - tmpfs my\040tmpfs rw,size=10k
42 22 0:42 / /a-b/- rw master:9 propagate_from:2 unbindable - tmpfs - rw
43 22 0:43 / /tab\011nl\012bs\134 ro - tmpfs  rw
44 22 0:44 /user/a /mnt/x rw,relatime - cgroup cgroup rw,memory`

func TestParse(t *testing.T) {
	es, err := Parse(strings.NewReader(tricky))
	if err != nil {
		t.Fatal(err)
	}
	want := []Entry{
		{ID: 22, Parent: 1, Major: 254, Minor: 0, Root: "/", Mountpoint: "/", Options: "rw,relatime",
			Optional: []string{"shared:1"}, FSType: "ext4", Source: "/dev/vda", SuperOptions: "rw"},
		{ID: 23, Parent: 22, Major: 0, Minor: 21, Root: "/", Mountpoint: "/proc", Options: "rw,nosuid,nodev,noexec,relatime",
			FSType: "proc", Source: "proc", SuperOptions: "rw"},
		{ID: 41, Parent: 22, Major: 0, Minor: 41, Root: "/sub dir", Mountpoint: "/var/lib/with space", Options: "rw,relatime",
			Optional: []string{"shared:7", "master:3"}, FSType: "tmpfs", Source: "my tmpfs", SuperOptions: "rw,size=10k"},
		{ID: 42, Parent: 22, Major: 0, Minor: 42, Root: "/", Mountpoint: "/a-b/-", Options: "rw",
			Optional: []string{"master:9", "propagate_from:2", "unbindable"}, FSType: "tmpfs", Source: "-", SuperOptions: "rw"},
		{ID: 43, Parent: 22, Major: 0, Minor: 43, Root: "/", Mountpoint: "/tab\tnl\nbs\\", Options: "ro",
			FSType: "tmpfs", Source: "", SuperOptions: "rw"},
		{ID: 44, Parent: 22, Major: 0, Minor: 44, Root: "/user/a", Mountpoint: "/mnt/x", Options: "rw,relatime",
			FSType: "cgroup", Source: "cgroup", SuperOptions: "rw,memory"},
	}
	if !reflect.DeepEqual(es, want) {
		t.Fatalf("got\n%+v\nwant\n%+v", es, want)
	}
	// With its newline the table reads the same; so it does read a byte
	// at a time.
	again, err := Parse(iotest.OneByteReader(strings.NewReader(tricky + "\n")))
	if err != nil || !reflect.DeepEqual(again, want) {
		t.Errorf("with trailing newline: %+v, %v", again, err)
	}
}

func TestParseEmpty(t *testing.T) {
	for _, in := range []string{"", "\n"} {
		es, err := Parse(strings.NewReader(in))
		if in == "" && (err != nil || len(es) != 0) {
			t.Errorf("Parse(%q) = %+v, %v; want nothing", in, es, err)
		}
		if in == "\n" && err == nil {
			t.Errorf("Parse(%q): a blank line was accepted", in)
		}
	}
}

func TestParseMalformed(t *testing.T) {
	for _, line := range []string{
		"1 2 3:4 / /x rw",                     // no separator
		"1 2 3:4 / /x - ext4 /dev/sda rw",     // "-" in place of the options
		"1 2 3:4 / /x rw - ext4 /dev/sda",     // too few fields after "-"
		"x 2 3:4 / /x rw - ext4 /dev/sda rw",  // mount ID
		"1 y 3:4 / /x rw - ext4 /dev/sda rw",  // parent ID
		"1 2 34 / /x rw - ext4 /dev/sda rw",   // device without ':'
		"1 2 3:z / /x rw - ext4 /dev/sda rw",  // minor
		"1 2  3:4 / /x rw - ext4 /dev/sda rw", // doubled space among the fixed fields
		"1 2 3:4 / /x rw -  /dev/sda rw",      // empty type
		"",                                    // blank line
	} {
		in := "22 1 254:0 / / rw - ext4 /dev/vda rw\n" + line + "\n23 22 0:21 / /proc rw - proc proc rw\n"
		_, err := Parse(strings.NewReader(in))
		if err == nil || !strings.HasPrefix(err.Error(), "line 2: ") {
			t.Errorf("Parse(%q): error %v, want one about line 2", line, err)
		}
		es, err := ParseLenient(strings.NewReader(in))
		if err != nil || len(es) != 2 || es[0].ID != 22 || es[1].ID != 23 {
			t.Errorf("ParseLenient(%q) = %+v, %v; want the two good lines", line, es, err)
		}
	}
}

func TestParseReadError(t *testing.T) {
	boom := errors.New("boom")
	r := io.MultiReader(strings.NewReader("22 1 254:0 / / rw - ext4 /dev/vda rw\n"), iotest.ErrReader(boom))
	if _, err := ParseLenient(r); !errors.Is(err, boom) {
		t.Errorf("read error: got %v, want %v", err, boom)
	}
}

func TestUnescape(t *testing.T) {
	for in, want := range map[string]string{
		`/a\040b`:        "/a b",
		`/t\011`:         "/t\t",
		`/n\012`:         "/n\n",
		`/back\134slash`: `/back\slash`,
		`/t\011ab\134`:   "/t\tab\\",
		`\040\040`:       "  ",
		`/short\04`:      `/short\04`,
		`/x\9`:           `/x\9`,
		`/big\777`:       `/big\777`,
		`/trail\`:        `/trail\`,
		`/plain`:         "/plain",
		``:               "",
	} {
		if got := Unescape(in); got != want {
			t.Errorf("Unescape(%q) = %q, want %q", in, got, want)
		}
	}
}

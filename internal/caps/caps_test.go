package caps

import "testing"

func TestParse(t *testing.T) {
	for in, want := range map[string]int{"CAP_CHOWN": 0, "cap_sys_admin": 21, "NET_RAW": 13, "CAP_CHECKPOINT_RESTORE": 40} {
		got, err := Parse(in)
		if err != nil || got != want {
			t.Errorf("Parse(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	if _, err := Parse("CAP_BOGUS"); err == nil {
		t.Error("Parse(CAP_BOGUS) succeeded")
	}
	if Name(21) != "CAP_SYS_ADMIN" || Last != 40 {
		t.Errorf("Name(21) = %s, Last = %d", Name(21), Last)
	}
}

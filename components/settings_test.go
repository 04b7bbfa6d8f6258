package components

import "testing"

func TestParseColorMode(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want ColorMode
		ok   bool
	}{
		{"", ColorByKind, true}, {"kind", ColorByKind, true}, {"aggregate", ColorByAggregate, true},
		{"type", ColorByType, true}, {"Type", 0, false}, {"rainbow", 0, false},
	} {
		got, err := ParseColorMode(tc.in)
		if (err == nil) != tc.ok || (tc.ok && got != tc.want) {
			t.Errorf("ParseColorMode(%q) = %v, %v", tc.in, got, err)
		}
		if tc.ok && tc.in != "" && got.String() != tc.in {
			t.Errorf("%v.String() = %q, want %q", got, got.String(), tc.in)
		}
	}
	if ColorByType.Next() != ColorByKind || ColorByKind.Next() != ColorByAggregate {
		t.Error("Next does not cycle kind → aggregate → type → kind")
	}
}

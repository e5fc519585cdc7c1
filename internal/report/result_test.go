package report

import "testing"

// TestCeilingText: a ceiling just under a round threshold gets the digits
// that show it is under; others keep four.
func TestCeilingText(t *testing.T) {
	for _, tc := range []struct {
		c    float64
		want string
	}{
		{0.98996, "0.989960"},
		{0.989996, "0.989996"},
		{0.95, "0.9500"},
		{0.9883, "0.9883"},
		{0.94727, "0.9473"},
	} {
		if got := ceilingText(tc.c); got != tc.want {
			t.Errorf("ceilingText(%v) = %q, want %q", tc.c, got, tc.want)
		}
	}
}

// TestUnreachableIntro: the note that no gate can fail comes only when
// every class looks unreachable, whichever classes are not.
func TestUnreachableIntro(t *testing.T) {
	u := &Unreachable{Kind: UnreachableDead}
	for _, tc := range []struct {
		name    string
		classes []*Unreachable
		all     bool
	}{
		{"none", []*Unreachable{nil, nil}, false},
		{"first not", []*Unreachable{nil, u, u}, false},
		{"last not", []*Unreachable{u, u, nil}, false},
		{"all", []*Unreachable{u, u, u}, true},
		{"no classes", nil, false},
	} {
		res := &Result{}
		for _, c := range tc.classes {
			res.Classes = append(res.Classes, Class{Unreachable: c})
		}
		want := unreachableNote
		if tc.all {
			want += " " + allUnreachableNote
		}
		if got := unreachableIntro(res); got != want {
			t.Errorf("%s: %q, want %q", tc.name, got, want)
		}
	}
}

package report_test

import (
	"math"
	"slices"
	"testing"

	"github.com/fooltest/fooltest/internal/report"
)

func TestByConfidence(t *testing.T) {
	tests := []struct {
		name    string
		classes []report.Class // Label names each entry
		want    string         // labels in order
	}{
		{"highest first", []report.Class{{Index: 0, Confidence: 0.1, Label: "a"}, {Index: 1, Confidence: 0.9, Label: "b"}, {Index: 2, Confidence: 0.5, Label: "c"}}, "bca"},
		{"ties by index", []report.Class{{Index: 5, Confidence: 0.5, Label: "a"}, {Index: 2, Confidence: 0.5, Label: "b"}, {Index: 9, Confidence: 0.5, Label: "c"}}, "bac"},
		{"repeated index by position", []report.Class{{Index: 1, Confidence: 0.5, Label: "a"}, {Index: 1, Confidence: 0.5, Label: "b"}, {Index: 0, Confidence: 0.5, Label: "c"}}, "cab"},
		{"NaN last", []report.Class{{Index: 0, Confidence: math.NaN(), Label: "a"}, {Index: 1, Confidence: 0, Label: "b"}}, "ba"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The same order from any starting order.
			for range 5 {
				res := &report.Result{Classes: slices.Clone(tt.classes)}
				got := ""
				for _, c := range report.ByConfidence(res) {
					got += c.Label
				}
				if got != tt.want {
					t.Fatalf("order %q, want %q", got, tt.want)
				}
				slices.Reverse(tt.classes)
				if tt.name == "repeated index by position" {
					break // position is the tiebreak, so reversing changes the answer
				}
			}
		})
	}
}

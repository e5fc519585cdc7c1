package onnxcheck

import (
	"slices"
	"testing"
)

// TestZipMapOf reads the ZipMap that computes an output, with its class
// labels as strings or as int64s, and nothing else.
func TestZipMapOf(t *testing.T) {
	attr := func(name string, fields ...[]byte) []byte {
		return lenField(5, cat(append([][]byte{strField(1, name)}, fields...)...))
	}
	node := func(domain, op string, attrs ...[]byte) []byte {
		b := cat(strField(1, "p"), strField(2, "out"), strField(4, op))
		if domain != "" {
			b = cat(b, strField(7, domain))
		}
		return lenField(1, cat(append([][]byte{b}, attrs...)...))
	}
	model := func(n []byte) []byte {
		graph := cat(n, strField(2, "g"), lenField(11, valueInfo("p", TypeFloat, "", 1, 3)))
		return cat(varintField(1, 8), lenField(7, graph), lenField(8, strField(1, ""), varintField(2, 13)), lenField(8, strField(1, "ai.onnx.ml"), varintField(2, 1)))
	}
	strs := attr("classlabels_strings", strField(9, "cat"), strField(9, "dog"), strField(9, "eel"))
	ints := attr("classlabels_int64s", varintField(8, 3), varintField(8, 5), varintField(8, 1<<64-1))
	tests := []struct {
		name   string
		node   []byte
		labels []string
		ok     bool
	}{
		{"strings", node("ai.onnx.ml", "ZipMap", strs), []string{"cat", "dog", "eel"}, true},
		{"int64s", node("ai.onnx.ml", "ZipMap", ints), []string{"3", "5", "-1"}, true},
		{"no labels", node("ai.onnx.ml", "ZipMap"), nil, false},
		{"default domain", node("", "ZipMap", strs), nil, false},
		{"another operator", node("ai.onnx.ml", "Normalizer", strs), nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := parseModel(model(tc.node))
			if err != nil {
				t.Fatal(err)
			}
			z, ok := m.ZipMapOf("out")
			if ok != tc.ok || !slices.Equal(z.Labels, tc.labels) || ok && z.Input != "p" {
				t.Fatalf("got %+v, %v; want labels %q, %v, input \"p\"", z, ok, tc.labels, tc.ok)
			}
			if _, ok := m.ZipMapOf("p"); ok {
				t.Fatal("a graph input read as a ZipMap's output")
			}
		})
	}
}

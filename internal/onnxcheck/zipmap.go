package onnxcheck

import "strconv"

// Field number of AttributeProto.strings, which only ZipMap needs.
const attrStrings = 9

// ZipMap describes the ai.onnx.ml ZipMap node that computes a graph output:
// scikit-learn models converted by skl2onnx end in one by default, turning
// their class probabilities, a float tensor [N,K], into a sequence of one
// map from class label to probability per image. The tensor is what a
// classifier reads; the labels name its K columns in order.
type ZipMap struct {
	// Input is the float tensor [N,K] the node reads.
	Input string
	// Labels are the node's class labels (classlabels_strings, or
	// classlabels_int64s written in decimal), one per column.
	Labels []string
}

// ZipMapOf returns the ZipMap node of the main graph that writes output,
// and false when another node (or none) writes it, the node names no
// class labels, as every valid ZipMap does, or it reads a value inside a
// model-local function, which the classifier cannot declare an output.
func (m *Model) ZipMapOf(output string) (ZipMap, bool) {
	for i := range m.nodes {
		n := &m.nodes[i]
		if len(n.Outputs) == 0 || n.Outputs[0] != output {
			continue
		}
		if n.Domain != "ai.onnx.ml" || n.Op != "ZipMap" || len(n.Inputs) != 1 || n.Inputs[0] == "" || m.Inner(n.Inputs[0]) {
			return ZipMap{}, false
		}
		node := Node{Op: n.Op, Inputs: n.Inputs, Outputs: n.Outputs, attrs: n.attrs}
		z := ZipMap{Input: n.Inputs[0]}
		if s, ok := node.strings("classlabels_strings"); ok && len(s) > 0 {
			z.Labels = s
		} else if ints, ok := node.Ints("classlabels_int64s"); ok && len(ints) > 0 {
			z.Labels = make([]string, len(ints))
			for j, v := range ints {
				z.Labels[j] = strconv.FormatInt(v, 10)
			}
		}
		return z, len(z.Labels) > 0
	}
	return ZipMap{}, false
}

// strings returns n's string-list attribute name.
func (n *Node) strings(name string) ([]string, bool) {
	a, ok := n.attr(name)
	if !ok {
		return nil, false
	}
	var out []string
	err := each(a, 0, func(f field) error {
		if f.num != attrStrings || f.wire != wireBytes {
			return nil
		}
		b, err := f.bytes()
		out = append(out, string(b))
		return err
	})
	return out, err == nil
}

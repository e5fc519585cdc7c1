package onnxtest

import (
	"slices"
	"strconv"
)

// FunctionDomain is the domain of the functions InFunction writes.
const FunctionDomain = "local.fn"

// InFunction returns a copy of m whose nodes from to to-1 sit inside a
// model-local function called name, and one node that calls it in their
// place, as PyTorch 2's dynamo exporter writes a model's modules. The
// function's inputs are the values those nodes read and do not write, its
// outputs the values they write that a later node or the graph's outputs
// read; inside it they are named x0, x1, … and y0, y1, …, and every other
// value keeps its name. With constants set, the initializers that only
// those nodes read move into the function as Constant nodes.
func (m Model) InFunction(name string, from, to int, constants bool) Model {
	body := slices.Clone(m.Nodes[from:to])
	rest := append(slices.Clone(m.Nodes[:from]), m.Nodes[to:]...)
	written := map[string]bool{}
	for _, n := range body {
		for _, o := range n.Outputs {
			written[o] = true
		}
	}
	readOutside := map[string]bool{}
	for _, n := range rest {
		for _, in := range n.Inputs {
			readOutside[in] = true
		}
	}
	for _, o := range m.Outputs {
		readOutside[o.Name] = true
	}
	var consts []Node
	inits := slices.Clone(m.Initializers)
	if constants {
		inits = inits[:0]
		for _, t := range m.Initializers {
			if readOutside[t.Name] || !reads(body, t.Name) {
				inits = append(inits, t)
				continue
			}
			value := t
			value.Name = ""
			consts = append(consts, Node{Op: "Constant", Outputs: []string{t.Name}, Tensors: map[string]Tensor{"value": value}})
		}
	}
	body = append(consts, body...)
	formal := map[string]string{}
	var ins, outs, formalIns, formalOuts []string
	for _, n := range body {
		for _, in := range n.Inputs {
			if in == "" || written[in] || slices.Contains(ins, in) || (constants && isConst(consts, in)) {
				continue
			}
			formal[in] = "x" + strconv.Itoa(len(ins))
			ins, formalIns = append(ins, in), append(formalIns, formal[in])
		}
		for _, o := range n.Outputs {
			if readOutside[o] {
				formal[o] = "y" + strconv.Itoa(len(outs))
				outs, formalOuts = append(outs, o), append(formalOuts, formal[o])
			}
		}
	}
	for i, n := range body {
		n.Inputs, n.Outputs = rename(n.Inputs, formal), rename(n.Outputs, formal)
		body[i] = n
	}
	m.Nodes = append(slices.Clone(m.Nodes[:from]), Node{Op: name, Domain: FunctionDomain, Inputs: ins, Outputs: outs})
	m.Nodes = append(m.Nodes, rest[from:]...)
	m.Initializers = inits
	m.Functions = append(slices.Clone(m.Functions), Function{Domain: FunctionDomain, Name: name, Inputs: formalIns, Outputs: formalOuts, Nodes: body})
	imports := map[string]int64{FunctionDomain: 1}
	for k, v := range m.Imports {
		imports[k] = v
	}
	m.Imports = imports
	return m
}

// reads reports whether a node of nodes reads value.
func reads(nodes []Node, value string) bool {
	return slices.ContainsFunc(nodes, func(n Node) bool { return slices.Contains(n.Inputs, value) })
}

// isConst reports whether one of the Constant nodes consts writes value.
func isConst(consts []Node, value string) bool {
	return slices.ContainsFunc(consts, func(n Node) bool { return n.Outputs[0] == value })
}

// rename returns names with those in to replaced.
func rename(names []string, to map[string]string) []string {
	out := slices.Clone(names)
	for i, v := range out {
		if r, ok := to[v]; ok {
			out[i] = r
		}
	}
	return out
}

package onnxcheck

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Model-local functions (ModelProto.functions) hold operators that a node
// calls by the function's domain, name and overload: PyTorch 2's dynamo
// exporter and onnxscript write each module of a model so, and ONNX Runtime
// expands every call into the function's nodes before it runs the model.
// inline does the same, so that the checks that read the graph see the
// operators that run, not an opaque call.

// Limits on inlining. Functions may call functions, so a file of a few
// kilobytes could expand to more nodes than memory holds; real exports nest
// their modules a few dozen levels deep at most and an image classifier
// has some thousands of nodes.
const (
	maxFunctionDepth = 100
	maxInlinedNodes  = 1 << 18
)

// Field number of AttributeProto.ref_attr_name: inside a function, an
// attribute whose value is the calling node's attribute of that name.
const attrRefName = 21

// call is what a node names to call a function, and what a function
// defines.
type call struct{ domain, name, overload string }

// function is a model-local function as inlining needs it: its formal
// inputs and outputs, the defaults of its attributes (attribute_proto) and
// its nodes.
type function struct {
	inputs, outputs []string
	defaults        []msg
	nodes           []opNode
}

// functionError is a model whose function calls fooltest does not expand,
// because ONNX forbids them or they expand past maxInlinedNodes.
type functionError struct {
	// Reason says what is wrong; Fix, what to do.
	Reason, Fix string
}

// Error says what is wrong, on one line.
func (e *functionError) Error() string { return e.Reason }

// fixInline tells how to write a model without local functions; the onnx
// package has had inline_local_functions since 1.15.
const fixInline = "export the model with its functions inlined (in Python, onnx.save(onnx.inliner.inline_local_functions(onnx.load(path)), path))"

// inline returns nodes with each call of one of functions replaced by the
// function's nodes, recursively: the formal inputs and outputs become the
// calling node's actual ones, every other value inside the call gets a
// name that starts with the returned prefix and no other value of the
// model has (names lists the graph's inputs, initializers and outputs),
// and attributes that refer to the function's (ref_attr_name) take the
// calling node's value, else the function's default, else none. A call in
// a standard domain is left alone: ONNX Runtime runs its own operator of
// that name. The prefix is empty when no call was expanded.
func inline(nodes []opNode, functions map[call]*function, names []string) ([]opNode, string, error) {
	if len(functions) == 0 {
		return nodes, "", nil
	}
	in := inliner{functions: functions, prefix: innerPrefix(nodes, names)}
	out := make([]opNode, 0, len(nodes))
	for _, n := range nodes {
		if err := in.node(&out, n); err != nil {
			return nil, "", err
		}
	}
	if in.calls == 0 {
		return nodes, "", nil
	}
	return out, in.prefix, nil
}

// innerPrefix returns a prefix that no name of nodes or names starts
// with: "~K:" for the least K that none does, which is at most the number
// of names, so the prefix stays short whatever names a crafted model
// chooses.
func innerPrefix(nodes []opNode, names []string) string {
	taken := map[int]bool{}
	note := func(s string) {
		rest, ok := strings.CutPrefix(s, "~")
		if !ok {
			return
		}
		digits, _, ok := strings.Cut(rest, ":")
		if k, err := strconv.Atoi(digits); ok && err == nil && k >= 0 {
			taken[k] = true
		}
	}
	for _, n := range nodes {
		for _, v := range n.Inputs {
			note(v)
		}
		for _, v := range n.Outputs {
			note(v)
		}
	}
	for _, v := range names {
		note(v)
	}
	k := 0
	for taken[k] {
		k++
	}
	return "~" + strconv.Itoa(k) + ":"
}

// inliner expands function calls for inline.
type inliner struct {
	functions map[call]*function
	prefix    string
	// calls counts the calls expanded, and numbers the values of each.
	calls int
	// added counts the nodes taken from functions, against
	// maxInlinedNodes.
	added int
	// stack holds the calls being expanded, outermost first.
	stack []call
}

// node appends n to out, or the nodes it stands for when it calls a
// function.
func (in *inliner) node(out *[]opNode, n opNode) error {
	c := call{n.Domain, n.Op, n.Overload}
	fn := in.functions[c]
	if fn == nil || standard(n.Domain) {
		*out = append(*out, n)
		return nil
	}
	if slices.Contains(in.stack, c) {
		return &functionError{
			Reason: fmt.Sprintf("its local function %s calls itself%s, which ONNX does not allow", quote(c.domain+":"+c.name), via(in.stack, c)),
			Fix:    "export the model again",
		}
	}
	if len(in.stack) >= maxFunctionDepth {
		return &functionError{Reason: fmt.Sprintf("its local functions call each other more than %d levels deep", maxFunctionDepth), Fix: fixInline}
	}
	in.calls++
	id := strconv.Itoa(in.calls)
	// The formal names stand for the call's actual values; an input the
	// call omits is omitted inside, and an output it omits stays a value
	// of its own, which nodes inside may still read.
	actual := make(map[string]string, len(fn.inputs)+len(fn.outputs))
	for i, f := range fn.inputs {
		actual[f] = ""
		if i < len(n.Inputs) {
			actual[f] = n.Inputs[i]
		}
	}
	for i, f := range fn.outputs {
		if i < len(n.Outputs) && n.Outputs[i] != "" {
			actual[f] = n.Outputs[i]
		}
	}
	rename := func(vs []string) []string {
		out := make([]string, len(vs))
		for i, v := range vs {
			a, ok := actual[v]
			if !ok && v != "" {
				a = in.prefix + id + "/" + v
				actual[v] = a
			}
			out[i] = a
		}
		return out
	}
	in.stack = append(in.stack, c)
	for _, b := range fn.nodes {
		if in.added >= maxInlinedNodes {
			return &functionError{Reason: fmt.Sprintf("its local functions expand to more than %d nodes, more than fooltest reads", maxInlinedNodes), Fix: fixInline}
		}
		in.added++
		inner := opNode{Name: b.Name, Domain: b.Domain, Op: b.Op, Overload: b.Overload, Inputs: rename(b.Inputs), Outputs: rename(b.Outputs), attrs: resolve(b.attrs, n.attrs, fn.defaults)}
		if err := in.node(out, inner); err != nil {
			return err
		}
	}
	in.stack = in.stack[:len(in.stack)-1]
	return nil
}

// via names the calls from c back to c on stack, for a message: empty
// when c calls itself directly.
func via(stack []call, c call) string {
	i := slices.Index(stack, c)
	if i == len(stack)-1 {
		return ""
	}
	var names []string
	for _, s := range stack[i+1:] {
		names = append(names, quote(s.name))
	}
	return " through " + strings.Join(names, ", ")
}

// resolve returns the attributes of a node inside a function as a call
// gives them: one that refers to an attribute of the function takes the
// value of the calling node's attribute of that name (caller), else the
// function's default (defaults), else is left out, as ONNX Runtime
// leaves an unset optional attribute.
func resolve(attrs, caller, defaults []msg) []msg {
	out := make([]msg, 0, len(attrs))
	for _, a := range attrs {
		ref, isRef := refName(a)
		if !isRef {
			out = append(out, a)
			continue
		}
		v, ok := lastNamed(caller, ref)
		if !ok {
			v, ok = lastNamed(defaults, ref)
		}
		if !ok {
			continue
		}
		name, err := lastString(a, attrName)
		if err != nil {
			continue
		}
		// The value keeps its fields and takes the inner attribute's
		// name: protobuf reads the last of a singular field.
		b := append([]byte(nil), v.data[v.pos:v.end]...)
		b = appendBytes(b, attrName, []byte(name))
		out = append(out, msg{data: b, end: len(b)})
	}
	return out
}

// refName returns attribute a's ref_attr_name, and whether it has one.
func refName(a msg) (string, bool) {
	ref, found := "", false
	_ = each(a, 0, func(f field) error {
		if f.num == attrRefName {
			b, err := f.bytes()
			ref, found = string(b), err == nil
		}
		return nil
	})
	return ref, found
}

// lastNamed returns the last attribute of attrs named name.
func lastNamed(attrs []msg, name string) (msg, bool) {
	n := Node{attrs: attrs}
	return n.attr(name)
}

// lastString returns message m's string field num, the last one written,
// as protobuf reads a singular field; "" when m has none.
func lastString(m msg, num int) (string, error) {
	var s string
	err := each(m, 0, func(f field) error {
		if f.num != num {
			return nil
		}
		b, err := f.bytes()
		s = string(b)
		return err
	})
	return s, err
}

// Package onnxcheck reads an ONNX model before ONNX Runtime does and refuses
// what must never reach the runtime when the model comes from someone the
// pipeline does not trust: external-data locations that lead out of the
// model's folder, and protobuf that is truncated or corrupt. It also lists
// the custom operator domains a model uses, so that a runtime failure on
// them can be explained. For a model whose image input or class scores are
// float16, bfloat16 or double, CastIO writes the copy that the classifier
// runs: the same model with float32 at those two values.
//
// It decodes only the messages that can hold tensors (ModelProto,
// GraphProto, NodeProto, AttributeProto, TensorProto, SparseTensorProto,
// FunctionProto, TrainingInfoProto) and skips everything else by its wire
// length, so its work is linear in the model's size and it allocates nothing
// in proportion to lengths the file declares. The graph it gives the checks
// has every call of a model-local function expanded into the function's
// nodes, as ONNX Runtime runs it, up to a bound on the nodes added.
package onnxcheck

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// maxDepth bounds how deeply messages may nest (a model, its graph, a node,
// an attribute, a subgraph, …): protobuf's own default recursion limit, so
// no model that ONNX Runtime can parse is refused for depth.
const maxDepth = 100

// Field numbers from onnx.proto.
const (
	modelGraph        = 7
	modelOpsetImport  = 8
	modelMetadata     = 14
	modelTrainingInfo = 20
	modelFunctions    = 25

	graphNode              = 1
	graphInitializer       = 5
	graphSparseInitializer = 15
	graphOutput            = 12
	valueInfoName          = 1
	trainingInitialization = 1
	trainingAlgorithm      = 2
	nodeInput              = 1
	nodeOutput             = 2
	nodeOpType             = 4
	nodeAttribute          = 5
	nodeDomain             = 7
	nodeOverload           = 8
	attrTensor             = 5
	attrGraph              = 6
	attrTensors            = 10
	attrGraphs             = 11
	attrSparseTensor       = 22
	attrSparseTensors      = 23
	tensorName             = 8
	tensorExternalData     = 13
	sparseValues           = 1
	sparseIndices          = 2
	functionName           = 1
	functionInput          = 4
	functionOutput         = 5
	functionNode           = 7
	functionAttributeProto = 11
	functionDomain         = 10
	functionOverload       = 13
	entryKey               = 1
	entryValue             = 2
	locationKey            = "location"
)

// standard reports whether every ONNX Runtime build implements operators
// of domain; any other domain needs a custom-op library.
func standard(domain string) bool {
	switch domain {
	case "", "ai.onnx", "ai.onnx.ml", "ai.onnx.preview.training", "com.microsoft":
		return true
	}
	return false
}

// externalRef is one tensor whose data the model keeps in another file.
type externalRef struct {
	// Tensor is the tensor's name; it may be empty.
	Tensor string
	// Location is the file, as the model writes it.
	Location string
}

// Model is what parseModel found in a model.
type Model struct {
	// external lists every external-data location the model names, in
	// file order, including those of tensors in subgraphs, functions and
	// attributes.
	external []externalRef
	// custom holds the sorted operator domains that the model's nodes
	// use, that no ONNX Runtime build implements, and that no model-local
	// function defines.
	custom []string
	// nodes are the main graph's nodes, in file order, for tracing an
	// output back to the operator that computes it, with each call of a
	// model-local function replaced by the function's nodes (see inline).
	nodes []opNode
	// inner starts the names that inlining gave the values inside
	// function calls, and no other name; empty when nothing was inlined.
	inner string
	// inits are the main graph's initializers, undecoded (see Floats).
	inits []msg
	// outputs are the main graph's output names.
	outputs []string
	// metadata is the model's metadata_props (see Metadata).
	metadata map[string]string
}

// Inner reports whether value is a value inside a call of one of the
// model's local functions: a name the model's graph does not have, which
// the checks read but which cannot be bound or declared an output.
func (m *Model) Inner(value string) bool {
	return m.inner != "" && strings.HasPrefix(value, m.inner)
}

// Metadata returns the value of the model's metadata_props entry key, as
// exporters write conventions such as the image metadata of ONNX's
// MetadataProps.md (Image.BitmapPixelFormat, Image.NominalPixelRange);
// false when the model has no such entry.
func (m *Model) Metadata(key string) (string, bool) {
	v, ok := m.metadata[key]
	return v, ok
}

// opNode is one node of a model's main graph or of a model-local
// function: its operator (and overload, which picks among functions of one
// name), the names of the values it reads and writes, and its attributes,
// undecoded.
type opNode struct {
	// Name is the node's name, for messages that point at it; it may
	// be empty.
	Name                 string
	Domain, Op, Overload string
	Inputs, Outputs      []string
	attrs                []msg
}

// passThrough lists operators that move or reshape values without changing
// them, so that the operator before them decides what an output holds.
var passThrough = map[string]bool{
	"Identity": true, "Reshape": true, "Flatten": true, "Squeeze": true,
	"Unsqueeze": true, "Dropout": true, "Cast": true,
	// Quantization keeps what values mean, in steps.
	"QuantizeLinear": true, "DequantizeLinear": true,
}

// OutputOp returns the operator of the main graph that computes the value
// output, looking through operators that only reshape or copy it (Reshape,
// Flatten, Squeeze, Identity, …). It returns "" when no node of the main
// graph writes output (a graph input or initializer) or when the operator
// is outside the default domain.
func (m *Model) OutputOp(output string) string {
	if n := m.OutputNode(output); n != nil {
		return n.Op
	}
	return ""
}

// OutputNode returns the node of the main graph whose operator OutputOp
// names, or nil where OutputOp returns "".
func (m *Model) OutputNode(output string) *Node {
	by := make(map[string]*opNode, len(m.nodes))
	for i := range m.nodes {
		for _, o := range m.nodes[i].Outputs {
			by[o] = &m.nodes[i]
		}
	}
	name := output
	// Each step moves to an earlier node, so len(m.nodes) steps suffice
	// even for a crafted graph whose nodes form a cycle.
	for range len(m.nodes) + 1 {
		n := by[name]
		if n == nil || (n.Domain != "" && n.Domain != "ai.onnx") {
			return nil
		}
		if !passThrough[n.Op] || len(n.Inputs) == 0 {
			return &Node{Name: n.Name, Op: n.Op, Inputs: n.Inputs, Outputs: n.Outputs, attrs: n.attrs}
		}
		name = n.Inputs[0]
	}
	return nil
}

// errNoGraph is returned for a model without a graph or without opset
// imports, as a file cut off before them reads.
var errNoGraph = errors.New("it has no graph or no opset import, so the file may be truncated")

// parseModel decodes data as an ONNX ModelProto. Its errors are a
// *corruptError, errNoGraph or a *functionError.
func parseModel(data []byte) (*Model, error) {
	w := walker{used: map[op]bool{}, defined: map[op]bool{}, functions: map[call]*function{}}
	if err := w.model(msg{data: data, end: len(data)}); err != nil {
		return nil, err
	}
	nodes, inner, err := inline(w.nodes, w.functions, append(w.names, w.outputs...))
	if err != nil {
		return nil, err
	}
	m := &Model{external: w.external, nodes: nodes, inner: inner, inits: w.inits, outputs: w.outputs, metadata: w.metadata}
	seen := map[string]bool{}
	for o := range w.used {
		if !w.defined[o] && !seen[o.domain] {
			seen[o.domain] = true
			m.custom = append(m.custom, o.domain)
		}
	}
	sort.Strings(m.custom)
	return m, nil
}

// op is an operator: a node's (domain, op_type) or a function's
// (domain, name).
type op struct{ domain, name string }

type walker struct {
	external []externalRef
	// main is true while the walk is in the main graph's own fields, not
	// in its nodes' subgraphs; nodes collects the main graph's nodes.
	main  bool
	nodes []opNode
	// collect, where set, is where the node being walked goes: nodes, or
	// the body of the function being walked.
	collect *[]opNode
	// functions are the model-local functions, by what a node that calls
	// one names.
	functions map[call]*function
	// names lists the names of the main graph's inputs and initializers,
	// which inlining must not give a value inside a function.
	names   []string
	inits   []msg
	outputs []string
	// metadata is the model's metadata_props, the last value of a key
	// given twice.
	metadata map[string]string
	// metadataBytes is the length of metadata's values together.
	metadataBytes int
	// used holds the operators in non-standard domains that nodes use;
	// defined, the operators that model-local functions define.
	used, defined map[op]bool
}

// each calls fn for every field of m, after checking that m is not nested
// too deeply.
func each(m msg, depth int, fn func(f field) error) error {
	if depth > maxDepth {
		return m.corrupt(m.pos, "messages nest deeper than %d levels", maxDepth)
	}
	for !m.done() {
		f, err := m.next()
		if err != nil {
			return err
		}
		if err := fn(f); err != nil {
			return err
		}
	}
	return nil
}

// into decodes field f as a message with walk.
func into(f field, depth int, walk func(msg, int) error) error {
	sub, err := f.sub()
	if err != nil {
		return err
	}
	return walk(sub, depth+1)
}

func (w *walker) model(m msg) error {
	var graph, opset bool
	err := each(m, 0, func(f field) error {
		switch f.num {
		case modelGraph:
			graph = true
			// A repeated graph field merges, as protobuf does; the
			// runtime reads the merged graph, so collect every copy's
			// nodes.
			w.main, w.collect = true, &w.nodes
			err := into(f, 0, w.graph)
			w.main, w.collect = false, nil
			return err
		case modelOpsetImport:
			opset = true
			_, err := f.bytes()
			return err
		case modelMetadata:
			return w.entry(f)
		case modelTrainingInfo:
			return into(f, 0, w.trainingInfo)
		case modelFunctions:
			return into(f, 0, w.function)
		}
		return nil
	})
	if err == nil && (!graph || !opset) {
		err = errNoGraph
	}
	return err
}

// maxMetadata bounds the metadata entries kept, the bytes of each key and
// value, and the bytes of all values: the model may be untrusted, and its
// metadata is read for a few keys only, the longest of them an exporter's
// class names (about 20 KB for ImageNet's 1000, 400 KB for 21k).
const (
	maxMetadata           = 256
	maxMetadataKeyBytes   = 4096
	maxMetadataValueBytes = 1 << 20
	maxMetadataTotalBytes = 4 << 20
)

// entry records one metadata_props entry.
func (w *walker) entry(f field) error {
	e, err := f.sub()
	if err != nil {
		return err
	}
	var key, value []byte
	err = each(e, 1, func(f field) error {
		b, err := f.bytes()
		switch f.num {
		case entryKey:
			key = b
		case entryValue:
			value = b
		}
		return err
	})
	if err != nil || len(key) > maxMetadataKeyBytes || len(value) > maxMetadataValueBytes {
		return err
	}
	if w.metadata == nil {
		w.metadata = map[string]string{}
	}
	old, seen := w.metadata[string(key)]
	if (seen || len(w.metadata) < maxMetadata) && w.metadataBytes-len(old)+len(value) <= maxMetadataTotalBytes {
		w.metadata[string(key)] = string(value)
		w.metadataBytes += len(value) - len(old)
	}
	return nil
}

func (w *walker) graph(m msg, depth int) error {
	return each(m, depth, func(f field) error {
		switch f.num {
		case graphNode:
			return into(f, depth, w.node)
		case graphInitializer:
			if w.main {
				sub, err := f.sub()
				if err != nil {
					return err
				}
				w.inits = append(w.inits, sub)
				name, err := lastString(sub, tensorName)
				if err != nil {
					return err
				}
				w.names = append(w.names, name)
			}
			return into(f, depth, w.tensor)
		case graphInput:
			if !w.main {
				return nil
			}
			v, err := f.sub()
			if err != nil {
				return err
			}
			name, err := valueName(v)
			w.names = append(w.names, name)
			return err
		case graphSparseInitializer:
			return into(f, depth, w.sparse)
		case graphOutput:
			if !w.main {
				return nil
			}
			return into(f, depth, func(v msg, depth int) error {
				return each(v, depth, func(f field) error {
					if f.num != valueInfoName {
						return nil
					}
					b, err := f.bytes()
					if err == nil {
						w.outputs = append(w.outputs, string(b))
					}
					return err
				})
			})
		}
		return nil
	})
}

func (w *walker) trainingInfo(m msg, depth int) error {
	return each(m, depth, func(f field) error {
		if f.num == trainingInitialization || f.num == trainingAlgorithm {
			return into(f, depth, w.graph)
		}
		return nil
	})
}

func (w *walker) node(m msg, depth int) error {
	// Singular strings: the last occurrence wins, as in protobuf.
	var domain, opType, overload, name []byte
	var inputs, outputs []string
	var attrs []msg
	main, collect := w.main, w.collect
	keep := collect != nil
	// The node's subgraphs are neither the main graph nor a function body.
	w.main, w.collect = false, nil
	err := each(m, depth, func(f field) (err error) {
		var b []byte
		switch f.num {
		case nodeOpType:
			opType, err = f.bytes()
		case nodeDomain:
			domain, err = f.bytes()
		case nodeOverload:
			overload, err = f.bytes()
		case nodeName:
			name, err = f.bytes()
		case nodeInput:
			if b, err = f.bytes(); keep {
				inputs = append(inputs, string(b))
			}
		case nodeOutput:
			if b, err = f.bytes(); keep {
				outputs = append(outputs, string(b))
			}
		case nodeAttribute:
			if keep {
				var sub msg
				if sub, err = f.sub(); err != nil {
					return err
				}
				attrs = append(attrs, sub)
			}
			err = into(f, depth, w.attribute)
		}
		return err
	})
	w.main, w.collect = main, collect
	if err == nil && !standard(string(domain)) {
		w.used[op{string(domain), string(opType)}] = true
	}
	if err == nil && keep {
		*collect = append(*collect, opNode{Name: string(name), Domain: string(domain), Op: string(opType), Overload: string(overload), Inputs: inputs, Outputs: outputs, attrs: attrs})
	}
	return err
}

func (w *walker) attribute(m msg, depth int) error {
	return each(m, depth, func(f field) error {
		switch f.num {
		case attrTensor, attrTensors:
			return into(f, depth, w.tensor)
		case attrGraph, attrGraphs:
			return into(f, depth, w.graph)
		case attrSparseTensor, attrSparseTensors:
			return into(f, depth, w.sparse)
		}
		return nil
	})
}

func (w *walker) sparse(m msg, depth int) error {
	return each(m, depth, func(f field) error {
		if f.num == sparseValues || f.num == sparseIndices {
			return into(f, depth, w.tensor)
		}
		return nil
	})
}

func (w *walker) function(m msg, depth int) error {
	var domain, name, overload []byte
	fn := &function{}
	err := each(m, depth, func(f field) (err error) {
		var b []byte
		switch f.num {
		case functionName:
			name, err = f.bytes()
		case functionDomain:
			domain, err = f.bytes()
		case functionOverload:
			overload, err = f.bytes()
		case functionInput:
			b, err = f.bytes()
			fn.inputs = append(fn.inputs, string(b))
		case functionOutput:
			b, err = f.bytes()
			fn.outputs = append(fn.outputs, string(b))
		case functionNode:
			w.collect = &fn.nodes
			err = into(f, depth, w.node)
			w.collect = nil
		case functionAttributeProto:
			var sub msg
			if sub, err = f.sub(); err != nil {
				return err
			}
			fn.defaults = append(fn.defaults, sub)
			err = into(f, depth, w.attribute)
		}
		return err
	})
	if err == nil {
		w.defined[op{string(domain), string(name)}] = true
		// ONNX's checker refuses a model that defines a function twice;
		// the last definition is kept.
		w.functions[call{string(domain), string(name), string(overload)}] = fn
	}
	return err
}

// tensor records every location the tensor's external_data names, whatever
// its data_location says: checking a location the runtime would ignore
// costs nothing, and trusting data_location would make the check depend
// on a field a crafted model chooses.
func (w *walker) tensor(m msg, depth int) error {
	var name []byte
	var locations [][]byte
	err := each(m, depth, func(f field) (err error) {
		switch f.num {
		case tensorName:
			name, err = f.bytes()
		case tensorExternalData:
			var key, value []byte
			err = into(f, depth, func(e msg, depth int) error {
				return each(e, depth, func(f field) (err error) {
					switch f.num {
					case entryKey:
						key, err = f.bytes()
					case entryValue:
						value, err = f.bytes()
					}
					return err
				})
			})
			if err == nil && string(key) == locationKey {
				locations = append(locations, value)
			}
		}
		return err
	})
	for _, loc := range locations {
		w.external = append(w.external, externalRef{Tensor: string(name), Location: string(loc)})
	}
	return err
}

// quote bounds a name taken from the model before it goes into a message:
// %q keeps it on one line, the cut keeps the line short.
func quote(s string) string {
	const max = 80
	if len(s) > max {
		return fmt.Sprintf("%q…", s[:max])
	}
	return fmt.Sprintf("%q", s)
}

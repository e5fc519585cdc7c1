#!/usr/bin/python3
"""Writes the float32 network that an int8 ONNX classifier approximates.

fooltest's many-class search is measured on quantized models; this script
turns one into a float model with the same architecture and weights, so
that the search can be measured on a float ImageNet network too. It reads a
QOperator model (QLinearConv, QLinearAdd, ...) or a QDQ model
(QuantizeLinear/DequantizeLinear around float operators) and writes:

  QLinearConv               -> Conv, weights (w - w_zp) * w_scale per output
                               channel, bias bias_int32 * x_scale * w_scale
  QLinearMatMul             -> MatMul, the constant operand dequantized
  QLinearAdd, QLinearMul    -> Add, Mul
  QLinearGlobalAveragePool  -> GlobalAveragePool
  QLinearAveragePool        -> AveragePool
  QLinearConcat             -> Concat
  QLinearLeakyRelu          -> LeakyRelu
  QLinearSigmoid            -> Sigmoid
  DequantizeLinear of a constant  -> the float constant
  QuantizeLinear, DequantizeLinear of activations -> removed
  shape operators (Reshape, Flatten, Transpose, MaxPool, ...) keep working
  on the now float tensors.

QOperator quantizers fuse ReLU and ReLU6 into the operator before them: the
quantized output's range then starts exactly at 0 (zero point = the type's
minimum), and for ReLU6 ends at 6 where the calibration saw more. The float
model gets the activation back: Relu after every such operator, or Clip(0, 6)
where the model's ranges show ReLU6 (any such range ending at 6.0). With
--saturate it instead clips every quantized tensor to the range the int8
type can represent, which imitates the int8 model's saturation without its
rounding; that model is closer to the int8 one and further from the float
network it was quantized from. --fake-quant, a check of the conversion,
keeps the int8 rounding of every activation (QuantizeLinear and
DequantizeLinear around the float operators).

Check a result against its int8 original with internal/tools/comparemodels
(top-1 agreement and softmax differences through ONNX Runtime), and the
runtime's int8 arithmetic itself with scripts/int8-reference.py.

Usage: /usr/bin/python3 scripts/dequantize-model.py INT8.onnx [OUT.onnx]
OUT defaults to ~/.cache/fooltest-models/<name>-float.onnx (or
$FOOLTEST_MODEL_CACHE/<name>-float.onnx). The output is derived from the
input's weights, so it carries the input's licence: keep it out of the
repository. Needs numpy and onnx (Debian: python3-numpy, python3-onnx).
Exit codes: 0 written, 2 unusable input (an operator it cannot convert,
unreadable file), 1 the written model fails onnx.checker.
"""

import argparse
import os
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper

# The integer range of each quantized type, by numpy dtype.
QTYPES = {np.dtype(t): (np.iinfo(t).min, np.iinfo(t).max) for t in (np.uint8, np.int8, np.uint16, np.int16)}

# Operators that only move, select or reshape values: on a quantized tensor
# they give a quantized tensor with the same scale, so in the float model
# they act on the float tensor unchanged.
PASS_THROUGH = {
    "Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze", "MaxPool",
    "Identity", "Slice", "Split", "Gather", "Resize", "DepthToSpace",
    "SpaceToDepth", "Expand", "Tile", "Concat",
}


class Unsupported(Exception):
    """The model uses something this script cannot convert."""


class Converter:
    def __init__(self, model, saturate, fake_quant=False):
        self.model = model
        self.graph = model.graph
        self.saturate = saturate
        self.fake_quant = fake_quant
        self.init = {t.name: t for t in self.graph.initializer}
        self.const = {}  # name -> numpy value of initializers and Constant nodes
        for t in self.graph.initializer:
            self.const[t.name] = numpy_helper.to_array(t)
        for n in self.graph.node:
            if n.op_type == "Constant" and n.domain in ("", "ai.onnx"):
                for a in n.attribute:
                    if a.name == "value":
                        self.const[n.output[0]] = numpy_helper.to_array(a.t)
        # fmap: quantized activation name -> float tensor name.
        self.fmap = {}
        self.nodes = []
        self.new_init = {}
        self.used_names = {v.name for v in self.graph.input} | {v.name for v in self.graph.output}
        for n in self.graph.node:
            self.used_names.update(n.input)
            self.used_names.update(n.output)
        self.used_names.update(self.init)
        self.relu6 = self._looks_relu6()
        self.activations = {"relu": 0, "relu6": 0, "clip": 0}

    def _qparams(self, scale_name, zp_name):
        if scale_name not in self.const:
            raise Unsupported(f"scale {scale_name!r} is not a constant")
        s = self.const[scale_name].astype(np.float64)
        if zp_name and zp_name in self.const:
            zp = self.const[zp_name]
        else:
            zp = np.zeros((), dtype=np.uint8)
        return s, zp

    def _range(self, scale_name, zp_name):
        """(lo, hi, starts_at_zero) of a per-tensor quantized activation."""
        s, zp = self._qparams(scale_name, zp_name)
        if s.size != 1 or zp.size != 1:
            return None
        if zp.dtype not in QTYPES:
            return None
        qmin, qmax = QTYPES[zp.dtype]
        z = int(zp.reshape(()))
        sc = float(s.reshape(()))
        return (qmin - z) * sc, (qmax - z) * sc, z == qmin

    def _looks_relu6(self):
        """Whether some fused activation's range ends at 6: ReLU6 then."""
        for n in self.graph.node:
            y = self._output_qparams(n)
            if y is None:
                continue
            r = self._range(*y)
            if r and r[2] and abs(r[1] - 6.0) < 1e-4:
                return True
        return False

    @staticmethod
    def _output_qparams(n):
        """(scale, zero point) names of a QLinear operator's output."""
        if n.op_type == "QLinearConv":
            return n.input[6], n.input[7]
        if n.op_type in ("QLinearMatMul",):
            return n.input[6], n.input[7]
        if n.op_type in ("QLinearAdd", "QLinearMul"):
            return n.input[6], n.input[7] if len(n.input) > 7 else ""
        if n.op_type in ("QLinearGlobalAveragePool", "QLinearAveragePool"):
            return n.input[3], n.input[4] if len(n.input) > 4 else ""
        if n.op_type in ("QLinearLeakyRelu", "QLinearSigmoid"):
            return n.input[3], n.input[4] if len(n.input) > 4 else ""
        if n.op_type == "QLinearConcat":
            return n.input[0], n.input[1]
        return None

    def fresh(self, base):
        name = base
        i = 1
        while name in self.used_names:
            name = f"{base}_{i}"
            i += 1
        self.used_names.add(name)
        return name

    def float_name(self, qname):
        base = qname[: -len("_quantized")] if qname.endswith("_quantized") else qname + "_float"
        return self.fresh(base)

    def add_const(self, base, value):
        name = self.fresh(base)
        self.new_init[name] = numpy_helper.from_array(np.ascontiguousarray(value), name)
        return name

    def f(self, name):
        """The float tensor standing for name (a quantized activation or not)."""
        return self.fmap.get(name, name)

    def dequant_const(self, q, scale, zp, axis=None):
        """(q - zp) * scale, broadcasting per-channel parameters along axis."""
        q = q.astype(np.float64)
        s = np.asarray(scale, dtype=np.float64)
        z = np.asarray(zp, dtype=np.float64)
        if s.size > 1 or z.size > 1:
            if axis is None:
                raise Unsupported("per-channel parameters without an axis")
            axis = axis % q.ndim
            shape = [1] * q.ndim
            shape[axis] = -1
            s = s.reshape(shape)
            z = z.reshape(shape) if z.size > 1 else z.reshape(())
        return ((q - z) * s).astype(np.float32)

    def emit(self, op, inputs, outputs, name="", **attrs):
        self.nodes.append(helper.make_node(op, inputs, outputs, name=name, **attrs))

    def finish_output(self, n, qout, fout_raw):
        """Maps qout to a float tensor, restoring the fused activation."""
        y = self._output_qparams(n)
        r = self._range(*y) if y else None
        if r is None:
            self.fmap[qout] = fout_raw
            return
        lo, hi, at_zero = r
        if self.fake_quant:
            out = self.fake(fout_raw, *y, qout)
        elif self.saturate:
            out = self.float_name(qout)
            self.emit("Clip", [fout_raw, self.add_const(out + "_lo", np.array(lo, np.float32)),
                               self.add_const(out + "_hi", np.array(hi, np.float32))], [out])
            self.activations["clip"] += 1
        elif at_zero and n.op_type not in ("QLinearSigmoid",):
            out = self.float_name(qout)
            if self.relu6:
                self.emit("Clip", [fout_raw, self.add_const(out + "_lo", np.array(0, np.float32)),
                                   self.add_const(out + "_hi", np.array(6, np.float32))], [out])
                self.activations["relu6"] += 1
            else:
                self.emit("Relu", [fout_raw], [out])
                self.activations["relu"] += 1
        else:
            out = fout_raw
        self.fmap[qout] = out

    def fake(self, x, scale, zp, qname):
        """x rounded to the int8 grid and back, as the int8 model does."""
        q = self.fresh(qname + "_fq")
        out = self.float_name(qname)
        self.emit("QuantizeLinear", [x, scale, zp], [q])
        self.emit("DequantizeLinear", [q, scale, zp], [out])
        self.activations["clip"] += 1
        return out

    def convert(self):
        for n in self.graph.node:
            op = n.op_type
            attrs = {a.name: helper.get_attribute_value(a) for a in n.attribute}
            if op == "Constant" and n.output[0] in self.const:
                self.nodes.append(n)
            elif op == "QuantizeLinear":
                # Activations (and float constants) pass unchanged.
                if self.fake_quant and n.input[0] not in self.const:
                    self.fmap[n.output[0]] = self.fake(self.f(n.input[0]), n.input[1], n.input[2], n.output[0])
                else:
                    self.fmap[n.output[0]] = self.f(n.input[0])
            elif op == "DequantizeLinear":
                x = n.input[0]
                if x in self.const:
                    s, zp = self._qparams(n.input[1], n.input[2] if len(n.input) > 2 else "")
                    v = self.dequant_const(self.const[x], s, zp, attrs.get("axis", 1))
                    self.fmap[n.output[0]] = self.add_const(n.output[0], v)
                else:
                    self.fmap[n.output[0]] = self.f(x)
            elif op == "QLinearConv":
                x, xs, _, w, ws, wz = n.input[:6]
                if w not in self.const:
                    raise Unsupported(f"{n.name or op}: weights are not a constant")
                xsv, _ = self._qparams(xs, "")
                wsv, wzv = self._qparams(ws, wz)
                wf = self.dequant_const(self.const[w], wsv, wzv, axis=0)
                ins = [self.f(x), self.add_const(w + "_float", wf)]
                if len(n.input) > 8 and n.input[8]:
                    b = self.const[n.input[8]].astype(np.float64)
                    bf = (b * float(np.asarray(xsv).reshape(())) * wsv.reshape(-1)).astype(np.float32)
                    ins.append(self.add_const(n.input[8] + "_float", bf))
                raw = self.fresh(n.output[0] + "_conv")
                self.emit("Conv", ins, [raw], name=n.name, **attrs)
                self.finish_output(n, n.output[0], raw)
            elif op == "QLinearMatMul":
                a, as_, az, b, bs, bz = n.input[:6]
                ins = []
                for t, s, z, axis in ((a, as_, az, -2), (b, bs, bz, -1)):
                    if t in self.const:
                        sv, zv = self._qparams(s, z)
                        ins.append(self.add_const(t + "_float", self.dequant_const(self.const[t], sv, zv, axis=axis)))
                    else:
                        ins.append(self.f(t))
                raw = self.fresh(n.output[0] + "_matmul")
                self.emit("MatMul", ins, [raw], name=n.name)
                self.finish_output(n, n.output[0], raw)
            elif op in ("QLinearAdd", "QLinearMul"):
                a, as_, az, b, bs, bz = n.input[:6]
                ins = []
                for t, s, z in ((a, as_, az), (b, bs, bz)):
                    if t in self.const:
                        sv, zv = self._qparams(s, z)
                        ins.append(self.add_const(t + "_float", self.dequant_const(self.const[t], sv, zv)))
                    else:
                        ins.append(self.f(t))
                raw = self.fresh(n.output[0] + "_" + op[7:].lower())
                self.emit(op[7:], ins, [raw], name=n.name)
                self.finish_output(n, n.output[0], raw)
            elif op in ("QLinearGlobalAveragePool", "QLinearAveragePool"):
                if attrs.pop("channels_last", 0):
                    raise Unsupported(f"{op} with channels_last=1")
                raw = self.fresh(n.output[0] + "_pool")
                self.emit(op[7:], [self.f(n.input[0])], [raw], name=n.name, **attrs)
                self.finish_output(n, n.output[0], raw)
            elif op == "QLinearConcat":
                xs = [self.f(t) for t in n.input[2::3]]
                raw = self.fresh(n.output[0] + "_concat")
                self.emit("Concat", xs, [raw], name=n.name, **attrs)
                self.finish_output(n, n.output[0], raw)
            elif op in ("QLinearLeakyRelu", "QLinearSigmoid"):
                raw = self.fresh(n.output[0] + "_act")
                self.emit(op[7:], [self.f(n.input[0])], [raw], name=n.name, **attrs)
                self.finish_output(n, n.output[0], raw)
            elif op.startswith("QLinear") or op in (
                "QGemm", "ConvInteger", "MatMulInteger", "DynamicQuantizeLinear",
                "QAttention", "DynamicQuantizeMatMul", "MatMulIntegerToFloat",
                "QEmbedLayerNormalization", "QuantizeBFP", "DequantizeBFP",
            ):
                raise Unsupported(f"operator {op} ({n.domain or 'ai.onnx'}) of node {n.name or n.output[0]!r}")
            else:
                ins = [self.f(t) if t else t for t in n.input]
                if op in PASS_THROUGH and n.input and n.input[0] in self.fmap:
                    # A quantized tensor in, the same values as float out.
                    outs = []
                    for o in n.output:
                        fo = self.float_name(o)
                        self.fmap[o] = fo
                        outs.append(fo)
                    node = helper.make_node(op, ins, outs, name=n.name, domain=n.domain)
                    node.attribute.extend(n.attribute)
                    self.nodes.append(node)
                elif op == "Pad" and n.input[0] in self.fmap:
                    # The pad value is the zero point, float 0.
                    fo = self.float_name(n.output[0])
                    self.fmap[n.output[0]] = fo
                    node = helper.make_node(op, ins[:2], [fo], name=n.name)
                    node.attribute.extend(a for a in n.attribute if a.name != "value")
                    self.nodes.append(node)
                else:
                    node = helper.make_node(op, ins, list(n.output), name=n.name, domain=n.domain)
                    node.attribute.extend(n.attribute)
                    self.nodes.append(node)
        return self.build()

    def build(self):
        g = self.graph
        for v in g.input:
            if v.type.tensor_type.elem_type != onnx.TensorProto.FLOAT and v.name not in self.const:
                raise Unsupported(f"input {v.name!r} is not float32")
        outputs = []
        for v in g.output:
            src = self.f(v.name)
            if src != v.name:
                self.emit("Identity", [src], [v.name])
            outputs.append(helper.make_tensor_value_info(v.name, onnx.TensorProto.FLOAT, _dims(v)))
        # Keep only what the new nodes read.
        needed = {t for n in self.nodes for t in n.input}
        inits = [t for name, t in self.init.items() if name in needed and name not in self.new_init]
        inits += [t for name, t in self.new_init.items() if name in needed]
        inputs = [v for v in g.input if v.name not in self.init or v.name in needed]
        nodes = _prune(self.nodes, {v.name for v in g.output})
        graph = helper.make_graph(nodes, g.name or "dequantized", inputs, outputs, inits)
        domains = {n.domain for n in nodes}
        opsets = [o for o in self.model.opset_import if o.domain in domains or o.domain in ("", "ai.onnx")]
        for o in opsets:
            if o.domain in ("", "ai.onnx") and o.version < 11:
                o.version = 11  # Clip with min and max as inputs
        out = helper.make_model(graph, opset_imports=opsets, producer_name="fooltest dequantize-model.py")
        out.ir_version = self.model.ir_version
        return out


def _dims(v):
    dims = []
    for d in v.type.tensor_type.shape.dim:
        dims.append(d.dim_param if d.dim_param else (d.dim_value if d.HasField("dim_value") else None))
    return dims


def _prune(nodes, outputs):
    """Drops nodes whose results nothing uses (the removed Q/DQ chains)."""
    live = set(outputs)
    kept = []
    for n in reversed(nodes):
        if any(o in live for o in n.output):
            kept.append(n)
            live.update(t for t in n.input if t)
    return list(reversed(kept))


def default_out(src):
    cache = os.environ.get("FOOLTEST_MODEL_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "fooltest-models")
    stem = os.path.splitext(os.path.basename(src))[0]
    stem = stem[: -len("-int8")] if stem.endswith("-int8") else stem
    return os.path.join(cache, stem + "-float.onnx")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("model", help="int8 ONNX model (QOperator or QDQ)")
    p.add_argument("out", nargs="?", help="where to write the float model (default: the cache folder)")
    p.add_argument("--saturate", action="store_true",
                   help="clip every quantized tensor to its int8 range instead of restoring ReLU/ReLU6")
    p.add_argument("--fake-quant", action="store_true",
                   help="a check of the conversion: keep the int8 model's rounding of every activation "
                        "(QuantizeLinear, DequantizeLinear) around the float operators; its outputs should match the int8 model's")
    args = p.parse_args()
    out = args.out or default_out(args.model)
    if os.path.abspath(out) == os.path.abspath(args.model):
        print(f"dequantize-model: output {out} would overwrite the input; give another OUT", file=sys.stderr)
        return 2
    try:
        model = onnx.load(args.model)
    except Exception as e:  # onnx raises several types for unreadable files
        print(f"dequantize-model: cannot read {args.model}: {e}; give an ONNX model file", file=sys.stderr)
        return 2
    conv = Converter(model, args.saturate, args.fake_quant)
    try:
        fmodel = conv.convert()
    except Unsupported as e:
        print(f"dequantize-model: {e}: not convertible; only the operators listed in the script's help are", file=sys.stderr)
        return 2
    try:
        onnx.checker.check_model(fmodel, full_check=True)
    except onnx.checker.ValidationError as e:
        print(f"dequantize-model: the float model fails onnx.checker: {e}", file=sys.stderr)
        return 1
    leftover = sorted({n.op_type for n in fmodel.graph.node if "Quantize" in n.op_type or n.op_type.startswith("QLinear")})
    if leftover and not args.fake_quant:
        print(f"dequantize-model: quantized operators left: {', '.join(leftover)}", file=sys.stderr)
        return 1
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    tmp = out + ".tmp"
    onnx.save(fmodel, tmp)
    os.replace(tmp, out)  # never a half-written model at OUT
    ops = {}
    for n in fmodel.graph.node:
        ops[n.op_type] = ops.get(n.op_type, 0) + 1
    acts = conv.activations
    print(f"wrote {out}: {len(fmodel.graph.node)} nodes ({', '.join(f'{k} {v}' for k, v in sorted(ops.items()))}); "
          f"restored {acts['relu6']} ReLU6, {acts['relu']} ReLU, {acts['clip']} range clips; onnx.checker passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

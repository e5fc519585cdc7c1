#!/usr/bin/python3
"""Writes the test fixtures of models whose image input and class scores are
not float32, made from testdata/models/mnist-20px-norm.onnx:

- mnist-20px-norm-fp16.onnx: the whole network in float16 (weights, input,
  output), as float16 converters that keep the model's own types at its
  boundary write it;
- mnist-20px-norm-f64io.onnx: the float32 network between a double input
  and a double output (Cast nodes at both ends), so that its confidences
  equal the float32 model's exactly;
- mnist-20px-norm-bf16io.onnx: the float32 network between a bfloat16
  input and a bfloat16 output (its pixels of 0..255 are exact in bfloat16,
  its confidences are rounded to 8 bits);
- fp16-external/model.onnx and model.onnx.data: the float16 network with
  its weights in an external data file;
- mnist-20px-norm-u8.onnx: the float32 network behind a uint8 input (a Cast
  node, as exports of models that take 8-bit pixels and normalise them
  inside the graph have), with float32 scores.

Run with Debian's python3 (python3-onnx, python3-numpy):
    /usr/bin/python3 scripts/float-types.py
"""

import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.join(HERE, "..", "testdata", "models")
SOURCE = os.path.join(MODELS, "mnist-20px-norm.onnx")


def to_float16(model):
    """Converts every float32 tensor and value of the main graph to float16."""
    g = model.graph
    for i, t in enumerate(g.initializer):
        if t.data_type == TensorProto.FLOAT:
            a = numpy_helper.to_array(t).astype(np.float16)
            g.initializer[i].CopyFrom(numpy_helper.from_array(a, t.name))
    for n in g.node:
        for a in n.attribute:
            if a.type == onnx.AttributeProto.TENSOR and a.t.data_type == TensorProto.FLOAT:
                a.t.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(a.t).astype(np.float16), a.t.name))
    for v in list(g.input) + list(g.output) + list(g.value_info):
        if v.type.tensor_type.elem_type == TensorProto.FLOAT:
            v.type.tensor_type.elem_type = TensorProto.FLOAT16
    return model


def typed_io(model, elem, output=True):
    """Puts the float32 graph between an input and (when output is set) an
    output of type elem."""
    g = model.graph
    inp, out = g.input[0], g.output[0]
    inner_in, inner_out = inp.name + "_f32", out.name + "_f32"
    for n in g.node:
        n.input[:] = [inner_in if x == inp.name else x for x in n.input]
        if output:
            n.output[:] = [inner_out if x == out.name else x for x in n.output]
    g.node.insert(0, helper.make_node("Cast", [inp.name], [inner_in], to=TensorProto.FLOAT))
    inp.type.tensor_type.elem_type = elem
    if output:
        g.node.append(helper.make_node("Cast", [inner_out], [out.name], to=elem))
        out.type.tensor_type.elem_type = elem
    return model


def main():
    fp16 = to_float16(onnx.load(SOURCE))
    onnx.checker.check_model(fp16)
    onnx.save(fp16, os.path.join(MODELS, "mnist-20px-norm-fp16.onnx"))

    for elem, name in [(TensorProto.DOUBLE, "f64io"), (TensorProto.BFLOAT16, "bf16io")]:
        m = typed_io(onnx.load(SOURCE), elem)
        onnx.checker.check_model(m)
        onnx.save(m, os.path.join(MODELS, "mnist-20px-norm-%s.onnx" % name))

    u8 = typed_io(onnx.load(SOURCE), TensorProto.UINT8, output=False)
    onnx.checker.check_model(u8)
    onnx.save(u8, os.path.join(MODELS, "mnist-20px-norm-u8.onnx"))

    ext = os.path.join(MODELS, "fp16-external")
    os.makedirs(ext, exist_ok=True)
    onnx.save(to_float16(onnx.load(SOURCE)), os.path.join(ext, "model.onnx"),
              save_as_external_data=True, all_tensors_to_one_file=True,
              location="model.onnx.data", size_threshold=0)
    print("wrote mnist-20px-norm-fp16.onnx, mnist-20px-norm-f64io.onnx, mnist-20px-norm-bf16io.onnx, mnist-20px-norm-u8.onnx, fp16-external/")


if __name__ == "__main__":
    main()

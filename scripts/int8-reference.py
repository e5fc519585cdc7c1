#!/usr/bin/python3
"""Scores one image with an int8 QOperator MobileNetV2 in numpy, exactly.

A reference for scripts/dequantize-model.py's check: it follows the ONNX
operator definitions (integer convolutions accumulated exactly, results
rounded half to even and saturated to uint8), so it tells whether ONNX
Runtime's int8 kernels compute what the model says, and, with "float",
runs the same graph without rounding, with ReLU6 where a fused activation's
range starts at 0, which is the float model dequantize-model.py writes.
It knows only the operators MobileNetV2 int8 uses.

Usage: /usr/bin/python3 scripts/int8-reference.py MODEL.onnx IMAGE.f32 int|float
IMAGE.f32 is a 3x224x224 float32 little-endian image in [0,1], planar RGB
(comparemodels' centre crop); the ImageNet preset is applied here.
Prints the top-5 classes with their softmax confidence.
"""
import sys

import numpy as np
import onnx
from onnx import helper
from onnx import numpy_helper as nh

m = onnx.load(sys.argv[1])
g = m.graph
C = {i.name: nh.to_array(i) for i in g.initializer}
x = np.fromfile(sys.argv[2], dtype="<f4").reshape(1, 3, 224, 224)
mean = np.array([0.485, 0.456, 0.406]).reshape(1, 3, 1, 1)
std = np.array([0.229, 0.224, 0.225]).reshape(1, 3, 1, 1)
x = ((x - mean) / std).astype(np.float32)


def conv(x, w, b, strides, pads, group):
    n, c, h, wd = x.shape
    m_, cg, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])))
    oh = (xp.shape[2] - kh) // strides[0] + 1; ow = (xp.shape[3] - kw) // strides[1] + 1
    mg = m_ // group
    # im2col: patches [n, c, kh, kw, oh, ow]
    cols = np.empty((n, c, kh, kw, oh, ow), dtype=np.float64)
    for i in range(kh):
        for j in range(kw):
            cols[:, :, i, j] = xp[:, :, i:i + strides[0] * oh:strides[0], j:j + strides[1] * ow:strides[1]]
    cols = cols.reshape(n, group, cg, kh, kw, oh, ow)
    wg = w.reshape(group, mg, cg, kh, kw).astype(np.float64)
    out = np.einsum('ngcijhw,gmcij->ngmhw', cols, wg).reshape(n, m_, oh, ow)
    if b is not None:
        out += b.reshape(1, -1, 1, 1)
    return out


def q(v, s, z):
    """Rounds to the uint8 grid (half to even) and saturates."""
    return np.clip(np.rint(v / s) + z, 0, 255)


mode = sys.argv[3]
V = {g.input[0].name: x}
def get(n):
    return V[n] if n in V else C[n]


for n in g.node:
    a = {t.name: helper.get_attribute_value(t) for t in n.attribute}
    op = n.op_type
    if op == 'QuantizeLinear':
        s, z = C[n.input[1]], C[n.input[2]]
        V[n.output[0]] = q(get(n.input[0]), s, int(z)) if mode == 'int' else get(n.input[0]).astype(np.float64) / s + int(z)
        V[n.output[0] + '#'] = (float(s), int(z))
    elif op == 'QLinearConv':
        xq = get(n.input[0]); xs, xz = float(C[n.input[1]]), int(C[n.input[2]])
        w = C[n.input[3]].astype(np.float64); ws = C[n.input[4]].astype(np.float64); wz = C[n.input[5]].astype(np.float64)
        ys, yz = float(C[n.input[6]]), int(C[n.input[7]])
        b = C[n.input[8]].astype(np.float64) if len(n.input) > 8 else None
        acc = conv(xq - xz, w - wz.reshape(-1, 1, 1, 1), b, a['strides'], a['pads'], a.get('group', 1))
        real = acc * (xs * ws).reshape(1, -1, 1, 1)
        if mode == 'int':
            V[n.output[0]] = q(real, ys, yz)
        else:
            if yz == 0: real = np.clip(real, 0, 6)
            V[n.output[0]] = real / ys + yz
    elif op == 'QLinearAdd':
        A = (get(n.input[0]) - int(C[n.input[2]])) * float(C[n.input[1]])
        B = (get(n.input[3]) - int(C[n.input[5]])) * float(C[n.input[4]])
        ys, yz = float(C[n.input[6]]), int(C[n.input[7]])
        r = A + B
        V[n.output[0]] = q(r, ys, yz) if mode == 'int' else r / ys + yz
    elif op == 'QLinearGlobalAveragePool':
        r = (get(n.input[0]) - int(C[n.input[2]])) * float(C[n.input[1]])
        r = r.mean(axis=(2, 3), keepdims=True)
        ys, yz = float(C[n.input[3]]), int(C[n.input[4]])
        V[n.output[0]] = q(r, ys, yz) if mode == 'int' else r / ys + yz
    elif op == 'DequantizeLinear':
        V[n.output[0]] = (get(n.input[0]) - int(C[n.input[2]])) * float(C[n.input[1]])
    elif op == 'Shape':
        V[n.output[0]] = np.array(get(n.input[0]).shape, dtype=np.int64)
    elif op == 'Gather':
        V[n.output[0]] = np.take(get(n.input[0]), get(n.input[1]), axis=a['axis'])
    elif op == 'Unsqueeze':
        V[n.output[0]] = np.expand_dims(get(n.input[0]), a['axes'][0])
    elif op == 'Concat':
        V[n.output[0]] = np.concatenate([np.atleast_1d(get(t)) for t in n.input], axis=a['axis'])
    elif op == 'Reshape':
        V[n.output[0]] = get(n.input[0]).reshape(get(n.input[1]))
    elif op == 'QLinearMatMul':
        A = (get(n.input[0]) - int(C[n.input[2]])) * float(C[n.input[1]])
        B = (C[n.input[3]].astype(np.float64) - C[n.input[5]].astype(np.float64)) * C[n.input[4]].astype(np.float64)
        r = A @ B
        ys, yz = float(C[n.input[6]]), int(C[n.input[7]])
        V[n.output[0]] = q(r, ys, yz) if mode == 'int' else r / ys + yz
    else:
        raise SystemExit('op ' + op)
out = V['output'].reshape(-1)
p = np.exp(out - out.max()); p /= p.sum()
top = np.argsort(-p)[:5]
print(mode, [(int(i), round(float(p[i]), 4)) for i in top], 'logit max', out.max())

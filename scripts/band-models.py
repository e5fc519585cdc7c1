#!/usr/bin/python3
"""Writes the test fixtures of image models whose inputs are not gray or RGB
photos, or whose declared shape alone does not say which axis holds the
channels, under testdata/models/, each a few KB: a 3x3 convolution to 2
maps, a global average pool and a linear layer to 10 logits, with random
weights from a fixed seed. NHWC ones permute their input to NCHW in the
graph (a Transpose), as Keras exports do.

- bands13-nchw.onnx: [N,13,16,16], Sentinel-2's 13 bands (EuroSAT);
- rgbn-nhwc.onnx: [N,16,16,4], RGB and near-infrared, interleaved;
- bands13-nhwc-h3.onnx: [N,3,16,13], 13 bands of a 3-high strip: axis 1
  has the size of an RGB channel axis, and only the graph says otherwise;
- rgb-nhwc-h3.onnx: [N,3,16,3], an RGB strip 3 high and 16 wide, which
  reads as 3x16x3 NCHW by its declared shape alone.

Run with Debian's python3 (python3-torch, python3-onnx, python3-numpy):
    /usr/bin/python3 scripts/band-models.py
"""

import os

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(os.path.dirname(HERE), "testdata", "models")


class Net(nn.Module):
    def __init__(self, channels, nhwc):
        super().__init__()
        self.nhwc = nhwc
        self.conv = nn.Conv2d(channels, 2, 3, padding=1)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(2, 10)

    def forward(self, x):
        if self.nhwc:
            x = x.permute(0, 3, 1, 2)
        return self.fc(self.pool(torch.relu(self.conv(x))).flatten(1))


def export(name, shape, nhwc):
    torch.manual_seed(0)
    channels = shape[3] if nhwc else shape[1]
    net = Net(channels, nhwc).eval()
    torch.onnx.export(
        net, torch.rand(*shape), os.path.join(OUT, name), input_names=["x"],
        output_names=["logits"], dynamic_axes={"x": {0: "N"}, "logits": {0: "N"}},
        opset_version=13)


export("bands13-nchw.onnx", (1, 13, 16, 16), False)
export("rgbn-nhwc.onnx", (1, 16, 16, 4), True)
export("bands13-nhwc-h3.onnx", (1, 3, 16, 13), True)
export("rgb-nhwc-h3.onnx", (1, 3, 16, 3), True)

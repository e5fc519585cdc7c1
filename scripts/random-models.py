#!/usr/bin/python3
"""Writes the test fixtures of models whose scores are not a function of the
image alone, under testdata/models/, each a few KB: a tiny MNIST-shaped
network (a 3x3 convolution with stride 4 to 2 maps, batch norm, dropout and
a linear layer to 10 logits), with random weights from a fixed seed and
the image as its only input [N,1,28,28]:

- mnist-eval-mode.onnx: the network exported in inference mode
  (model.eval()), which fooltest tests;
- mnist-train-mode.onnx: the same network exported with
  training=torch.onnx.TrainingMode.TRAINING (opset 15): its
  BatchNormalization has training_mode set and normalises each batch by
  its own statistics, and its Dropout has training_mode true (ONNX Runtime
  runs that as the identity);
- mnist-train-mode-op13.onnx: the same at opset 13, where a
  BatchNormalization in training mode shows by its running statistics
  among its outputs;
- mnist-noise.onnx: mnist-eval-mode behind Gaussian noise added to the
  image (RandomNormalLike, as a randomized-smoothing defence adds it);
- mnist-coin.onnx: mnist-eval-mode whose logits are shifted when a
  Bernoulli coin, drawn once per run with probability 0.1, comes up: two
  runs mostly agree, so only the graph tells that the model is random;
- mnist-hidden-noise.onnx: mnist-eval-mode whose logits get uniform
  noise inside an If's branch, taken only when the batch holds one image:
  the graph fooltest reads does not show the random operator, and the
  model is random at batch 1 only;
- mnist-temperature.onnx: mnist-eval-mode whose logits are divided by a
  second input, "temperature", that has a default (an initializer of the
  same name), so fooltest feeds the image alone;
- mnist-mask.onnx: mnist-eval-mode whose image is multiplied by a second
  input, "mask", without a default.

Run with Debian's python3 (python3-torch, python3-onnx, python3-numpy):
    /usr/bin/python3 scripts/random-models.py
"""

import os

import numpy as np
import onnx
import torch
import torch.nn as nn
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(os.path.dirname(HERE), "testdata", "models")


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3, stride=4)
        self.bn = nn.BatchNorm2d(2)
        self.drop = nn.Dropout(0.5)
        self.fc = nn.Linear(2 * 7 * 7, 10)

    def forward(self, x):
        x = torch.relu(self.bn(self.conv(x)))
        return self.fc(self.drop(x.flatten(1)))


def export(net, name, training, opset=15):
    path = os.path.join(OUT, name)
    torch.onnx.export(
        net, torch.rand(1, 1, 28, 28), path, input_names=["x"], output_names=["logits"],
        dynamic_axes={"x": {0: "N"}, "logits": {0: "N"}}, opset_version=opset,
        training=torch.onnx.TrainingMode.TRAINING if training else torch.onnx.TrainingMode.EVAL,
        do_constant_folding=not training)
    return path


def edit(src, name, fn):
    """Saves the model at src, changed by fn(graph), as name."""
    m = onnx.load(src)
    fn(m.graph)
    onnx.checker.check_model(m)
    onnx.save(m, os.path.join(OUT, name))


def logits_from(g, value):
    """Renames the value the graph's output "logits" was to value."""
    for n in g.node:
        for i, o in enumerate(n.output):
            if o == "logits":
                n.output[i] = value


def image_to(g, value):
    """Makes every node that read the image read value instead."""
    for n in g.node:
        for i, v in enumerate(n.input):
            if v == "x":
                n.input[i] = value


def noise(g):
    image_to(g, "noisy")
    g.node.insert(0, helper.make_node("RandomNormalLike", ["x"], ["gauss"], name="smoothing_noise", scale=0.25))
    g.node.insert(1, helper.make_node("Add", ["x", "gauss"], ["noisy"], name="add_noise"))


def coin(g):
    logits_from(g, "clean")
    g.initializer.extend([
        numpy_helper.from_array(np.array([0.1], np.float32), "p"),
        numpy_helper.from_array(np.linspace(0, 4, 10, dtype=np.float32), "shift"),
    ])
    g.node.extend([
        helper.make_node("Bernoulli", ["p"], ["flip"], name="coin", dtype=TensorProto.FLOAT),
        helper.make_node("Mul", ["flip", "shift"], ["delta"]),
        helper.make_node("Add", ["clean", "delta"], ["logits"]),
    ])


def hidden_noise(g):
    logits_from(g, "clean")
    g.initializer.extend([
        numpy_helper.from_array(np.array([0], np.int64), "zero"),
        numpy_helper.from_array(np.array([1], np.int64), "one"),
    ])
    noisy = helper.make_graph(
        [helper.make_node("RandomUniformLike", ["clean"], ["u"], low=-1.0, high=1.0),
         helper.make_node("Add", ["clean", "u"], ["noisy"])],
        "noisy", [], [helper.make_tensor_value_info("noisy", TensorProto.FLOAT, None)])
    plain = helper.make_graph(
        [helper.make_node("Identity", ["clean"], ["plain"])],
        "plain", [], [helper.make_tensor_value_info("plain", TensorProto.FLOAT, None)])
    g.node.extend([
        helper.make_node("Shape", ["x"], ["shape"]),
        helper.make_node("Gather", ["shape", "zero"], ["n"]),
        helper.make_node("Equal", ["n", "one"], ["alone"]),
        helper.make_node("Squeeze", ["alone"], ["alone1"]),
        helper.make_node("If", ["alone1"], ["logits"], then_branch=noisy, else_branch=plain),
    ])


def temperature(g):
    logits_from(g, "z")
    g.input.append(helper.make_tensor_value_info("temperature", TensorProto.FLOAT, [1]))
    g.initializer.append(numpy_helper.from_array(np.array([0.5], np.float32), "temperature"))
    g.node.append(helper.make_node("Div", ["z", "temperature"], ["logits"]))


def mask(g):
    image_to(g, "masked")
    g.input.append(helper.make_tensor_value_info("mask", TensorProto.FLOAT, ["N", 1, 28, 28]))
    g.node.insert(0, helper.make_node("Mul", ["x", "mask"], ["masked"]))


def main():
    torch.manual_seed(7)
    net = Net()
    with torch.no_grad():
        # Logits of a few units, as a trained classifier's, so that the
        # output reads as logits without --output-kind.
        net.fc.weight.mul_(30)
        # Running statistics that differ from any one batch's.
        net.bn.running_mean.fill_(0.2)
        net.bn.running_var.fill_(0.5)
    export(net.train(), "mnist-train-mode.onnx", True)
    export(net.train(), "mnist-train-mode-op13.onnx", True, opset=13)
    ev = export(net.eval(), "mnist-eval-mode.onnx", False)
    edit(ev, "mnist-noise.onnx", noise)
    edit(ev, "mnist-coin.onnx", coin)
    edit(ev, "mnist-hidden-noise.onnx", hidden_noise)
    edit(ev, "mnist-temperature.onnx", temperature)
    edit(ev, "mnist-mask.onnx", mask)


if __name__ == "__main__":
    main()

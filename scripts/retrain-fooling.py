#!/usr/bin/python3
"""Retrains the demo LeNet with an extra "fooling images" class (class 10).

This is the experiment of Nguyen, Yosinski & Clune (CVPR 2015), section 3.3
for MNIST: add the fooling images found for a network as an 11th class,
retrain, and search the retrained network again. Classes 0-9 are the MNIST
digits; class 10 holds the images of one or more fooltest dataset/ folders
(written by `fooltest run --export-dataset`).

Run it with Debian's interpreter and python3-torch, like train-lenet.py:

    /usr/bin/python3 scripts/retrain-fooling.py OUT.onnx --dataset DIR [--dataset DIR ...]
    /usr/bin/python3 scripts/retrain-fooling.py --evaluate MODEL.onnx
    /usr/bin/python3 scripts/retrain-fooling.py --pad LENET10.onnx OUT.onnx

The network, the MNIST loader, the optimiser and the schedule are those of
scripts/train-lenet.py (imported from it, so the two cannot drift); only the
last layer has 11 outputs. The exported model has the demo's interface:
float32 "input" [N,1,28,28] with values pixel/255 (fooltest's raw01
preset) and float32 "probabilities" [N,11], a softmax over the 10 digits
and the fooling class.

A dataset/ folder is labels.csv (columns file, target_index, target_label,
confidence) and the PNGs it names. Every image is read as 8-bit gray and
resized to 28x28 (with a box filter, so that an upscaled PNG comes back to
its model-resolution pixels). Identical images are counted once. The
fooling class is balanced against the digits as in the paper: it gets as
many training images as an average MNIST class (6,000 by default) by
repeating the fooling images, each repeat shifted circularly by up to two
pixels in each direction.

--evaluate loads the weights of a LeNet-shaped ONNX model (the demo's
10-class one or one this script wrote) into the torch network and prints
its accuracy on the 10,000 MNIST test digits, without training. --pad
writes an 11-class copy of a 10-class LeNet whose class 10 always has
probability 0 and whose digit probabilities are the original's: fooltest's
--baseline only compares models with the same number of classes, so the
demo LeNet (round 0) is judged against the retrained models in that form.

Everything is seeded and torch runs with deterministic algorithms, so reruns
on the same torch build and CPU give the same weights.
"""

import argparse
import csv
import hashlib
import importlib.util
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))


def _load_train_lenet():
    """Imports scripts/train-lenet.py (its name has a dash, so not by import)."""
    spec = importlib.util.spec_from_file_location("train_lenet", os.path.join(HERE, "train-lenet.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


tl = _load_train_lenet()

FOOLING = 10          # index of the fooling class
CLASSES = 11
MAX_SHIFT = 2         # pixels of circular shift for repeated fooling images
MIN_ACCURACY = 0.985  # on the digits; fewer epochs than train-lenet.py's six


class LeNetK(tl.LeNet):
    """train-lenet.py's LeNet with `classes` outputs instead of 10."""

    def __init__(self, classes):
        super().__init__()
        if classes != self.fc2.out_features:
            self.fc2 = nn.Linear(self.fc2.in_features, classes)


def read_dataset(folder):
    """Returns the images of one fooltest dataset/ folder as a uint8 array
    [n,28,28], in labels.csv order."""
    labels = os.path.join(folder, "labels.csv")
    images = []
    with open(labels, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        if not reader.fieldnames or "file" not in reader.fieldnames:
            sys.exit(f"{labels}: no 'file' column")
        for row in reader:
            name = row["file"]
            if os.path.basename(name) != name or not name.lower().endswith(".png"):
                sys.exit(f"{labels}: refusing file name {name!r}")
            with Image.open(os.path.join(folder, name)) as im:
                im = im.convert("L")
                if im.size != (28, 28):
                    im = im.resize((28, 28), Image.BOX)
                images.append(np.asarray(im, dtype=np.uint8))
    return np.stack(images) if images else np.zeros((0, 28, 28), np.uint8)


def read_fooling(folders):
    """Reads all folders and drops duplicate images. Returns (uint8 [n,28,28],
    number of images read before removing duplicates)."""
    seen, keep, total = set(), [], 0
    for folder in folders:
        for img in read_dataset(folder):
            total += 1
            digest = hashlib.sha256(img.tobytes()).digest()
            if digest not in seen:
                seen.add(digest)
                keep.append(img)
    if not keep:
        sys.exit("no fooling images in the --dataset folders")
    return np.stack(keep), total


def balance(fooling, count, gen):
    """Returns `count` training images of the fooling class, float32
    [count,1,28,28]: every distinct image once, then repeats in a seeded
    order, each repeat circularly shifted by up to MAX_SHIFT pixels."""
    x = torch.from_numpy(fooling.astype(np.float32) / 255.0).unsqueeze(1)
    if len(x) >= count:
        return x
    out = [x]
    need = count - len(x)
    while need > 0:
        order = torch.randperm(len(x), generator=gen)[:need]
        shifts = torch.randint(-MAX_SHIFT, MAX_SHIFT + 1, (len(order), 2), generator=gen)
        for i, (dy, dx) in zip(order.tolist(), shifts.tolist()):
            out.append(torch.roll(x[i:i + 1], shifts=(dy, dx), dims=(2, 3)))
        need -= len(order)
    return torch.cat(out)


def digit_metrics(model, x, y):
    """Accuracy of the 11-way (or 10-way) argmax on digit images, and how
    many of them the model puts in the fooling class."""
    model.eval()
    correct = to_fooling = 0
    with torch.no_grad():
        for i in range(0, len(x), 1000):
            pred = model(x[i:i + 1000]).argmax(1)
            correct += (pred == y[i:i + 1000]).sum().item()
            to_fooling += (pred == FOOLING).sum().item()
    return correct / len(x), to_fooling


def load_onnx_lenet(path):
    """Returns a LeNetK with the weights of a LeNet exported by
    train-lenet.py or by this script."""
    import onnx
    from onnx import numpy_helper
    weights = {}
    for init in onnx.load(path).graph.initializer:
        name = init.name[4:] if init.name.startswith("net.") else init.name
        weights[name] = torch.from_numpy(numpy_helper.to_array(init).copy())
    if "fc2.weight" not in weights:
        sys.exit(f"{path}: not a LeNet exported by train-lenet.py (initializers {sorted(weights)})")
    net = LeNetK(weights["fc2.weight"].shape[0])
    net.load_state_dict(weights)
    return net.eval()


def pad_to_fooling_class(src, dst):
    """Writes an 11-class copy of a 10-class LeNet whose class 10 never
    gets any probability: its fc2 row is zero with bias -1e4, so exp() of
    its logit is 0 in float32 and the 10 digit probabilities are those of
    the original. fooltest's --baseline compares models with the same
    number of classes only, so round 0 (the demo's 10 classes) is judged
    in this form against the 11-class rounds."""
    net = load_onnx_lenet(src)
    if net.fc2.out_features != FOOLING:
        sys.exit(f"{src}: has {net.fc2.out_features} classes, want {FOOLING}")
    old = net.fc2
    net.fc2 = nn.Linear(old.in_features, CLASSES)
    with torch.no_grad():
        net.fc2.weight.zero_()
        net.fc2.weight[:FOOLING] = old.weight
        net.fc2.bias.fill_(-1e4)
        net.fc2.bias[:FOOLING] = old.bias
    export(tl.WithSoftmax(net).eval(), dst)


def export(model, out):
    """Exports with the demo's interface: "input" [N,1,28,28] (raw01) to
    "probabilities" [N,classes]."""
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    torch.onnx.export(
        model, torch.zeros(1, 1, 28, 28), out,
        export_params=True, opset_version=13, do_constant_folding=True,
        training=torch.onnx.TrainingMode.EVAL,
        input_names=["input"], output_names=["probabilities"],
        dynamic_axes={"input": {0: "N"}, "probabilities": {0: "N"}},
    )
    print(f"wrote {out} ({os.path.getsize(out)} bytes)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", nargs="?", help="where to write the 11-class ONNX model")
    ap.add_argument("--dataset", action="append", default=[], metavar="DIR",
                    help="a fooltest dataset/ folder (labels.csv and PNGs); repeatable")
    ap.add_argument("--data-dir", help="folder with the MNIST *.gz idx files (default: the GoMNIST module's)")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1,
                    help="torch threads (1 is fastest on busy shared cores; the weights may depend on it)")
    ap.add_argument("--seed", type=int, default=tl.SEED)
    ap.add_argument("--fooling-count", type=int, default=0,
                    help="training images of the fooling class (default: the mean MNIST class size)")
    ap.add_argument("--metrics", help="also write the measurements as JSON to this file")
    ap.add_argument("--evaluate", metavar="MODEL",
                    help="only print the MNIST test accuracy of this LeNet ONNX model")
    ap.add_argument("--pad", metavar="MODEL",
                    help="only write OUT: MODEL, a 10-class LeNet, with an 11th class of probability 0")
    args = ap.parse_args()
    if args.pad:
        if not args.out:
            ap.error("--pad needs OUT")
        pad_to_fooling_class(args.pad, args.out)
        return
    data_dir = args.data_dir or tl.default_data_dir()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    torch.use_deterministic_algorithms(True)

    x_test, y_test = tl.load(data_dir, "t10k")
    if args.evaluate:
        acc, to_fooling = digit_metrics(load_onnx_lenet(args.evaluate), x_test, y_test)
        result = {"model": args.evaluate, "test_accuracy": acc, "test_digits_put_in_fooling_class": to_fooling}
        print(json.dumps(result))
        if args.metrics:
            with open(args.metrics, "w") as f:
                json.dump(result, f, indent=1)
        return
    if not args.out or not args.dataset:
        ap.error("give OUT and at least one --dataset (or --evaluate MODEL)")

    x_train, y_train = tl.load(data_dir, "train")
    fooling, read = read_fooling(args.dataset)
    count = args.fooling_count or round(len(x_train) / 10)
    gen = torch.Generator().manual_seed(args.seed)
    x_fool = balance(fooling, count, gen)
    x_all = torch.cat([x_train, x_fool])
    y_all = torch.cat([y_train, torch.full((len(x_fool),), FOOLING, dtype=torch.int64)])
    print(f"data: {len(x_train)} MNIST train, {len(fooling)} distinct fooling images "
          f"({read} read from {len(args.dataset)} folders) as {len(x_fool)} class-{FOOLING} "
          f"training images, {len(x_test)} test", flush=True)

    net = LeNetK(CLASSES)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    shuffle = torch.Generator().manual_seed(args.seed)
    start = time.time()
    for epoch in range(args.epochs):
        net.train()
        order = torch.randperm(len(x_all), generator=shuffle)
        total = 0.0
        for i in range(0, len(order), tl.BATCH):
            idx = order[i:i + tl.BATCH]
            opt.zero_grad()
            loss = F.cross_entropy(net(x_all[idx]), y_all[idx])
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        sched.step()
        acc, _ = digit_metrics(net, x_test, y_test)
        print(f"epoch {epoch + 1}/{args.epochs}: loss {total / len(order):.4f}, "
              f"digit test accuracy {acc:.4%}, {time.time() - start:.0f}s", flush=True)

    model = tl.WithSoftmax(net).eval()
    acc, to_fooling = digit_metrics(model, x_test, y_test)
    with torch.no_grad():
        xf = torch.from_numpy(fooling.astype(np.float32) / 255.0).unsqueeze(1)
        fool_recall = (model(xf).argmax(1) == FOOLING).float().mean().item()
    print(f"final: digit test accuracy {acc:.4%} ({to_fooling} test digits put in the fooling class); "
          f"{fool_recall:.2%} of the distinct fooling images classified as fooling", flush=True)
    if acc < MIN_ACCURACY:
        sys.exit(f"accuracy {acc:.4%} is below {MIN_ACCURACY:.1%}; not exporting")

    export(model, args.out)
    if args.metrics:
        with open(args.metrics, "w") as f:
            json.dump({
                "model": args.out, "epochs": args.epochs, "seed": args.seed, "threads": args.threads,
                "test_accuracy": acc, "test_digits_put_in_fooling_class": to_fooling,
                "fooling_images_read": read, "fooling_images_distinct": len(fooling),
                "fooling_class_training_images": len(x_fool),
                "fooling_images_recognised": fool_recall,
                "dataset_folders": len(args.dataset), "train_seconds": time.time() - start,
            }, f, indent=1)


if __name__ == "__main__":
    main()

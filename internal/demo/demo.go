// Package demo embeds a small classifier inside fooltest: Caffe's LeNet
// trained on MNIST, the network whose fooling images Nguyen, Yosinski &
// Clune (CVPR 2015) first showed. It lets users try fooltest without
// supplying a model, and gives tests a real classifier that needs no
// download.
//
// scripts/train-lenet.py made lenet.onnx: conv 20@5×5, maxpool 2,
// conv 50@5×5, maxpool 2, fc 500, relu, fc 10, softmax, trained for six
// epochs of Adam on the 60,000 MNIST training digits (seeded) and exported
// at ONNX opset 13 with constant folding. It classifies 99.36% of the
// 10,000 t10k test digits correctly, measured both in PyTorch and through
// ONNX Runtime 1.29.0 at batch 100. The file is 1,725,873 bytes with sha256
// d10494ec568c98fd5687ef9289bb881358cf77b2b20baf6e4ac1e1a165085351.
//
// The graph takes float32 "input" [N,1,28,28], N dynamic, in [0,1]
// (pixel/255, white digit on black) and returns float32 "probabilities"
// [N,10], rows summing to 1: the softmax is inside the graph.
package demo

import _ "embed" // for go:embed

// Model is the ONNX model, as fooltest loads from a .onnx file. It is
// shared by every caller and must not be modified.
//
//go:embed lenet.onnx
var Model []byte

// Name describes the embedded model in fooltest's output.
const Name = "embedded LeNet (MNIST)"

// Preset names fooltest's input preset for Model: raw01 feeds canonical
// pixels in [0,1] unchanged, which is how the model was trained.
const Preset = "raw01"

// Output names the graph's output tensor, which tests rewire to build
// variants of the model.
const Output = "probabilities"

// Labels returns the class labels, index k naming class k: "0" to "9". It
// returns a new slice on each call so callers cannot alter one another's.
func Labels() []string {
	return []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}
}

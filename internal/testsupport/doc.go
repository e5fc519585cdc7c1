// Package testsupport groups the packages that only tests import: MNIST
// data (mnist), ONNX models built in code (onnxtest), sample results
// (reporttest) and loading the ONNX Runtime library (ortload). No product package may import them; the architecture test
// checks that.
package testsupport

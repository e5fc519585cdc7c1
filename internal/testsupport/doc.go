// Package testsupport groups the packages that only tests import: MNIST
// data (mnist), ONNX models built in code (onnxtest) and sample results
// (reporttest). No product package may import them; the architecture test
// checks that.
package testsupport

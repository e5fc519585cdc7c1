// Package architecture holds no code: its test checks the import arrows
// between fooltest's packages (see CONTRIBUTING.md), so that a library
// never learns the CLI's vocabulary and the search never learns ONNX
// Runtime.
package architecture

//go:build !(goexperiment.simd && amd64)

package attack

// Without GOEXPERIMENT=simd on amd64 there are no vector kernels (see
// simd.go): each stub takes none of the loop.

func affineVec(p []float32, mul, add float32) int { return 0 }

func clampVec(p []float32, a, b float32) int { return 0 }

func unpackVec(dst []float32, pix []uint8, mapped bool, mul, add float32) int { return 0 }

func gridVec(p []float32) int { return 0 }

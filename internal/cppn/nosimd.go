//go:build !(goexperiment.simd && amd64)

package cppn

// Without GOEXPERIMENT=simd on amd64 there are no vector kernels (see
// simd.go): each stub takes none of the loop, and the scalar code does it
// all.

const vectorised = false

func vecLen(n int) int { return 0 }

func unitVec(src, dst []float32) int                         { return 0 }
func hslToRGBVec(hp, lp, sp, red, green, blue []float32) int { return 0 }
func expVec(buf []float32) int                               { return 0 }
func gaussianVec(buf []float32) int                          { return 0 }
func sigmoidVec(buf []float32) int                           { return 0 }
func clipVec(buf []float32) int                              { return 0 }
func sinVec(buf []float32) int                               { return 0 }
func fillVec(dst []float32, c float32) int                   { return 0 }
func axpcVec(dst []float32, c, w float32, s []float32) int   { return 0 }
func axpc2Vec(dst []float32, c, w0 float32, s0 []float32, w1 float32, s1 []float32) int {
	return 0
}
func addVec(dst []float32, w float32, s []float32) int { return 0 }
func add2Vec(dst []float32, w0 float32, s0 []float32, w1 float32, s1 []float32) int {
	return 0
}
func rowVec(d []float32, cy float32, row []float32) int                            { return 0 }
func row1Vec(d []float32, cy float32, row []float32, w0 float32, s0 []float32) int { return 0 }
func row2Vec(d []float32, cy float32, row []float32, w0 float32, s0 []float32, w1 float32, s1 []float32) int {
	return 0
}
func lerpVec(a, b, out []float32, f float32) int                          { return 0 }
func lerp2Vec(a, b, o0, o1 []float32, f0, f1 float32) int                 { return 0 }
func lerp4Vec(a, b, o0, o1, o2, o3 []float32, f0, f1, f2, f3 float32) int { return 0 }

// resampleVec is never called without vector kernels; it resamples with
// the scalar loop all the same.
func (r *Renderer) resampleVec(s, t []float32) { r.resampleRow(s, t) }

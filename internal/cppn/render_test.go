package cppn

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"testing"
)

// refPixel evaluates g at one point the slow, obvious way: recursion with
// memoisation, float64 and the standard library's math. It is the
// specification the Renderer's planes, folding and fast math must match.
func refPixel(g *Genome, x, y float64) []float64 {
	in := [numInputs]float64{x, y, math.Sqrt(x*x+y*y) / math.Sqrt2, 1}
	memo := map[int]float64{}
	var eval func(v int) float64
	eval = func(v int) float64 {
		if v < numInputs {
			return in[v]
		}
		if val, ok := memo[v]; ok {
			return val
		}
		p := 0.0
		for i := range g.numLinks() {
			if from, to := g.link(i); to == v {
				p += g.Weight(i) * eval(from)
			}
		}
		val := g.nodeAct(v).eval(p)
		memo[v] = val
		return val
	}
	out := make([]float64, g.numOutputs())
	for o := range out {
		out[o] = eval(numInputs + o)
	}
	return out
}

// internalSize returns the grid the network is evaluated on before
// upsampling; it equals the output size at full resolution.
func (r *Renderer) internalSize() (w, h int) { return r.lw, r.lh }

// refHSL is the CSS Color 3 hue-to-RGB algorithm, written independently of
// hslToRGB's branch-light form.
func refHSL(h, l, s float64) (r, g, b float64) {
	var m2 float64
	if l <= 0.5 {
		m2 = l * (s + 1)
	} else {
		m2 = l + s - l*s
	}
	m1 := l*2 - m2
	hue := func(h float64) float64 {
		if h < 0 {
			h++
		}
		if h > 1 {
			h--
		}
		switch {
		case h*6 < 1:
			return m1 + (m2-m1)*h*6
		case h*2 < 1:
			return m2
		case h*3 < 2:
			return m1 + (m2-m1)*(2.0/3-h)*6
		}
		return m1
	}
	return hue(h + 1.0/3), hue(h), hue(h - 1.0/3)
}

// refImage renders g at w×h with refPixel, in the Renderer's layout: three
// outputs are hue, lightness and saturation, converted with refHSL.
func refImage(g *Genome, w, h int) []float64 {
	c := g.numOutputs()
	img := make([]float64, c*w*h)
	u := func(v float64) float64 { return min(1, max(0, (v+1)/2)) }
	for py := range h {
		for px := range w {
			x, y := 0.0, 0.0
			if w > 1 {
				x = -1 + 2*float64(px)/float64(w-1)
			}
			if h > 1 {
				y = -1 + 2*float64(py)/float64(h-1)
			}
			v := refPixel(g, x, y)
			i := py*w + px
			if c == 3 {
				r, gr, b := refHSL(u(v[0]), u(v[1]), u(v[2]))
				img[i], img[w*h+i], img[2*w*h+i] = r, gr, b
				continue
			}
			for ch := range c {
				img[ch*w*h+i] = u(v[ch])
			}
		}
	}
	return img
}

// hsl converts one pixel with the renderer's plane conversion, which takes
// node values in [-1, 1].
func hsl(h, l, s float32) (r, g, b float32) {
	out := make([]float32, 3)
	hslToRGB([]float32{2*h - 1}, []float32{2*l - 1}, []float32{2*s - 1}, out[0:1], out[1:2], out[2:3])
	return out[0], out[1], out[2]
}

func TestHSLToRGB(t *testing.T) {
	tests := []struct {
		h, l, s float32
		r, g, b float32
	}{
		{0, 0.5, 1, 1, 0, 0},
		{1.0 / 3, 0.5, 1, 0, 1, 0},
		{2.0 / 3, 0.5, 1, 0, 0, 1},
		{1, 0.5, 1, 1, 0, 0},
		{1.0 / 6, 0.5, 1, 1, 1, 0},
		{0.5, 0.25, 1, 0, 0.5, 0.5},
		{0.3, 0.7, 0, 0.7, 0.7, 0.7},
		{0.9, 0, 1, 0, 0, 0},
		{0.9, 1, 1, 1, 1, 1},
	}
	for _, tc := range tests {
		r, g, b := hsl(tc.h, tc.l, tc.s)
		if d := max(abs32(r-tc.r), abs32(g-tc.g), abs32(b-tc.b)); d > 1e-6 {
			t.Errorf("hsl(%v,%v,%v) = (%v,%v,%v), want (%v,%v,%v)", tc.h, tc.l, tc.s, r, g, b, tc.r, tc.g, tc.b)
		}
	}
	rng := newRNG(20)
	for range 100000 {
		h, l, s := rng.Float32(), rng.Float32(), rng.Float32()
		r, g, b := hsl(h, l, s)
		wr, wg, wb := refHSL(float64(h), float64(l), float64(s))
		if d := max(math.Abs(float64(r)-wr), math.Abs(float64(g)-wg), math.Abs(float64(b)-wb)); d > 1e-5 {
			t.Fatalf("hsl(%v,%v,%v) = (%v,%v,%v), reference (%v,%v,%v)", h, l, s, r, g, b, wr, wg, wb)
		}
	}
}

func abs32(v float32) float32 { return float32(math.Abs(float64(v))) }

func TestRenderMatchesReference(t *testing.T) {
	tests := []struct {
		outputs int
		w, h    int
		seed    uint64
		steps   int
	}{
		{1, 28, 28, 21, 0},
		{1, 28, 28, 22, 50},
		{1, 31, 17, 23, 200},
		{3, 32, 32, 24, 50},
		{3, 32, 32, 25, 50},
		{3, 20, 40, 26, 300},
		{3, 1, 1, 27, 20},
	}
	for _, tc := range tests {
		name := fmt.Sprintf("%dx%dx%d seed %d after %d", tc.w, tc.h, tc.outputs, tc.seed, tc.steps)
		t.Run(name, func(t *testing.T) {
			g := evolved(t, tc.seed, tc.outputs, tc.steps)
			r, err := NewRenderer(tc.w, tc.h, tc.outputs, Options{})
			if err != nil {
				t.Fatal(err)
			}
			got := make([]float32, tc.outputs*tc.w*tc.h)
			if err := r.Render(g, got); err != nil {
				t.Fatal(err)
			}
			want := refImage(g, tc.w, tc.h)
			// float32 sums of weights up to 10 through several layers
			// lose a few digits; 8-bit images resolve only 4e-3.
			worst := 0.0
			for i := range got {
				if got[i] < 0 || got[i] > 1 {
					t.Fatalf("value %d = %v outside [0, 1]", i, got[i])
				}
				worst = max(worst, math.Abs(float64(got[i])-want[i]))
			}
			if worst > 1e-3 {
				t.Errorf("max difference from the reference %.3g (%d hidden nodes)", worst, g.numHidden())
			}
		})
	}
}

func TestRenderLowResolution(t *testing.T) {
	// 221 = 4·55+1: every fourth output pixel lands exactly on one of the
	// 56 internal pixels, where upsampling must reproduce a direct render.
	for _, channels := range []int{1, 3} {
		t.Run(fmt.Sprintf("%d channels", channels), func(t *testing.T) {
			g := evolved(t, 30, channels, 60)
			full, err := NewRenderer(221, 221, channels, Options{})
			if err != nil {
				t.Fatal(err)
			}
			low, err := NewRenderer(221, 221, channels, Options{RenderSize: 56})
			if err != nil {
				t.Fatal(err)
			}
			if w, h := low.internalSize(); w != 56 || h != 56 {
				t.Fatalf("internal size %d×%d, want 56×56", w, h)
			}
			a := make([]float32, channels*221*221)
			b := make([]float32, len(a))
			if err := full.Render(g, a); err != nil {
				t.Fatal(err)
			}
			if err := low.Render(g, b); err != nil {
				t.Fatal(err)
			}
			worst, between := 0.0, 0.0
			for c := range channels {
				for y := range 221 {
					for x := range 221 {
						i := c*221*221 + y*221 + x
						d := math.Abs(float64(a[i] - b[i]))
						if x%4 == 0 && y%4 == 0 {
							worst = max(worst, d)
						} else {
							between = max(between, d)
						}
					}
				}
			}
			// Grid points differ only by rounding of the coordinates.
			if worst > 1e-4 {
				t.Errorf("grid points differ by up to %.3g", worst)
			}
			// Between grid points the images must differ, or the test
			// is not comparing a low-resolution render at all.
			if between == 0 {
				t.Error("low and full resolution agree everywhere")
			}
		})
	}
}

func TestUpsampleIsExactForLinearImages(t *testing.T) {
	// One output, clip activation, |p| < 3: the image is linear in x and y,
	// which bilinear interpolation reproduces everywhere.
	g := &Genome{
		outputs: 1,
		acts:    []activation{actClip},
		links:   []link{{inputX, numInputs}, {inputY, numInputs}, {inputBias, numInputs}},
		weights: []float64{1.2, -0.7, 0.4},
	}
	for _, size := range [][2]int{{224, 224}, {100, 37}} {
		full, err := NewRenderer(size[0], size[1], 1, Options{})
		if err != nil {
			t.Fatal(err)
		}
		low, err := NewRenderer(size[0], size[1], 1, Options{RenderSize: 13})
		if err != nil {
			t.Fatal(err)
		}
		a := make([]float32, size[0]*size[1])
		b := make([]float32, len(a))
		if err := full.Render(g, a); err != nil {
			t.Fatal(err)
		}
		if err := low.Render(g, b); err != nil {
			t.Fatal(err)
		}
		for i := range a {
			if d := math.Abs(float64(a[i] - b[i])); d > 1e-5 {
				t.Fatalf("%v: pixel %d: full %v, upsampled %v", size, i, a[i], b[i])
			}
		}
	}
}

func TestRenderInternalSize(t *testing.T) {
	tests := []struct {
		w, h, size int
		lw, lh     int
	}{
		{224, 224, 0, 224, 224},
		{224, 224, 56, 56, 56},
		{224, 224, 224, 224, 224},
		{224, 224, 500, 224, 224},
		{300, 100, 60, 60, 20},
		{100, 300, 60, 20, 60},
		{28, 28, 1, 1, 1},
	}
	for _, tc := range tests {
		r, err := NewRenderer(tc.w, tc.h, 1, Options{RenderSize: tc.size})
		if err != nil {
			t.Fatal(err)
		}
		if lw, lh := r.internalSize(); lw != tc.lw || lh != tc.lh {
			t.Errorf("%d×%d at %d: internal %d×%d, want %d×%d", tc.w, tc.h, tc.size, lw, lh, tc.lw, tc.lh)
		}
		if c, h, w := r.Shape(); c != 1 || h != tc.h || w != tc.w {
			t.Errorf("Shape() = %d,%d,%d", c, h, w)
		}
		// Every size must render.
		img := make([]float32, tc.w*tc.h)
		if err := r.Render(evolved(t, 31, 1, 30), img); err != nil {
			t.Errorf("%d×%d at %d: %v", tc.w, tc.h, tc.size, err)
		}
	}
}

func TestRenderBareOutputIsConstant(t *testing.T) {
	// An output with no links evaluates its activation at 0: gray 0.5
	// for sin, 1 for gaussian (exp(0) = 1 maps to (1+1)/2).
	tests := []struct {
		act  activation
		want float32
	}{
		{actSin, 0.5},
		{actSigmoid, 0.5},
		{actGaussian, 1},
		{actClip, 0.5},
	}
	for _, tc := range tests {
		g := &Genome{outputs: 1, acts: []activation{tc.act}}
		r, err := NewRenderer(8, 8, 1, Options{})
		if err != nil {
			t.Fatal(err)
		}
		img := make([]float32, 64)
		if err := r.Render(g, img); err != nil {
			t.Fatal(err)
		}
		for i, v := range img {
			if v != tc.want {
				t.Fatalf("%v: pixel %d = %v, want %v", tc.act, i, v, tc.want)
			}
		}
	}
}

func TestRenderErrors(t *testing.T) {
	gray := evolved(t, 32, 1, 10)
	cyclic := evolved(t, 33, 1, 80)
	if cyclic.numHidden() < 2 {
		t.Fatalf("%d hidden nodes; pick another seed", cyclic.numHidden())
	}
	// A cycle through a hidden node that feeds the output.
	h0 := int32(numInputs + 1)
	cyclic.links = append(cyclic.links, link{h0, h0 + 1}, link{h0 + 1, h0}, link{h0, numInputs})
	cyclic.weights = append(cyclic.weights, 1, 1, 1)
	cyclic.links, cyclic.weights = dedupe(cyclic.links, cyclic.weights)

	r, err := NewRenderer(8, 8, 1, Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		g    *Genome
		dst  []float32
		want error
	}{
		{"colour genome", evolved(t, 34, 3, 10), make([]float32, 64), nil},
		{"short dst", gray, make([]float32, 63), nil},
		{"cycle", cyclic, make([]float32, 64), errCycle},
	}
	for _, tc := range tests {
		err := r.Render(tc.g, tc.dst)
		if err == nil {
			t.Errorf("%s: Render succeeded", tc.name)
		}
		if tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("%s: Render = %v, want %v", tc.name, err, tc.want)
		}
	}
	// The renderer must still work after a failed render.
	if err := r.Render(gray, make([]float32, 64)); err != nil {
		t.Errorf("render after errors: %v", err)
	}

	bad := []struct {
		w, h, c int
		opt     Options
	}{
		{0, 8, 1, Options{}},
		{8, -1, 1, Options{}},
		{8, 8, 2, Options{}},
		{8, 8, 1, Options{RenderSize: -1}},
	}
	for _, tc := range bad {
		if _, err := NewRenderer(tc.w, tc.h, tc.c, tc.opt); err == nil {
			t.Errorf("NewRenderer(%d, %d, %d, %+v) succeeded", tc.w, tc.h, tc.c, tc.opt)
		}
	}
}

// dedupe drops repeated links, keeping the first weight.
func dedupe(links []link, weights []float64) ([]link, []float64) {
	seen := map[link]bool{}
	var l []link
	var w []float64
	for i, k := range links {
		if !seen[k] {
			seen[k] = true
			l, w = append(l, k), append(w, weights[i])
		}
	}
	return l, w
}

func TestRenderIsDeterministicAndReusable(t *testing.T) {
	// Rendering a big genome then a small one must not leak state from
	// the first (planes are reused between renders).
	small, big := evolved(t, 35, 3, 5), evolved(t, 36, 3, 300)
	r, err := NewRenderer(40, 40, 3, Options{RenderSize: 20})
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := NewRenderer(40, 40, 3, Options{RenderSize: 20})
	if err != nil {
		t.Fatal(err)
	}
	a := make([]float32, 3*40*40)
	b := make([]float32, len(a))
	for _, g := range []*Genome{big, small, big} {
		if err := r.Render(g, a); err != nil {
			t.Fatal(err)
		}
		if err := fresh.Render(g.Clone(), b); err != nil {
			t.Fatal(err)
		}
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("pixel %d: reused renderer %v, fresh %v", i, a[i], b[i])
			}
		}
	}
}

func TestRenderDoesNotAllocate(t *testing.T) {
	tests := []struct {
		channels, size int
	}{
		{1, 0},
		{1, 14},
		{3, 0},
		{3, 56},
	}
	for _, tc := range tests {
		g := evolved(t, 37, tc.channels, 100)
		r, err := NewRenderer(64, 64, tc.channels, Options{RenderSize: tc.size})
		if err != nil {
			t.Fatal(err)
		}
		dst := make([]float32, tc.channels*64*64)
		allocs := testing.AllocsPerRun(20, func() {
			if err := r.Render(g, dst); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%+v: %v allocations per render", tc, allocs)
		}
	}
}

func TestRenderManyGenomesMatchReference(t *testing.T) {
	// Many small renders of genomes of every age, so that every mix of
	// constant, x-only, y-only and full nodes meets the reference.
	for seed := uint64(100); seed < 160; seed++ {
		outputs := 1 + 2*int(seed%2)
		steps := int(seed%6) * 40
		g := evolved(t, seed, outputs, steps)
		const w, h = 13, 9
		r, err := NewRenderer(w, h, outputs, Options{})
		if err != nil {
			t.Fatal(err)
		}
		got := make([]float32, outputs*w*h)
		if err := r.Render(g, got); err != nil {
			t.Fatal(err)
		}
		want := refImage(g, w, h)
		for i := range got {
			if d := math.Abs(float64(got[i]) - want[i]); d > 1e-3 {
				t.Fatalf("seed %d (%d outputs, %d mutations): value %d differs by %.3g", seed, outputs, steps, i, d)
			}
		}
	}
}

func TestCompileClassifiesDomains(t *testing.T) {
	type want struct {
		dom     map[int32]domain
		dropped []int32
		// planes counts plane steps, mirrors those that unfold a
		// radial quadrant, terms the plane terms (per-pixel reads),
		// vectors the vector steps.
		planes, mirrors, terms, vectors int
	}
	const o0, o1, o2, h1, h2, h3, h4 = numInputs, numInputs + 1, numInputs + 2, numInputs + 3, numInputs + 4, numInputs + 5, numInputs + 6
	tests := []struct {
		name string
		g    *Genome
		want want
	}{
		{
			// o0 <- a(x), b(y); a <- x, bias; b <- y, c; c <- bias;
			// dead <- d. Only o0 is per pixel, and it reads no plane:
			// its inputs arrive as a row and a column vector.
			name: "separable",
			g: &Genome{
				outputs: 1,
				acts:    []activation{actSin, actGaussian, actSigmoid, actSin, actClip},
				links: []link{
					{inputX, o0 + 1}, {inputBias, o0 + 1},
					{inputY, o0 + 2}, {o0 + 3, o0 + 2},
					{inputBias, o0 + 3},
					{o0 + 1, o0}, {o0 + 2, o0},
					{inputD, o0 + 4},
				},
				weights: []float64{2, 0.5, -3, 1.5, 0.7, 1, 1, 4},
			},
			want: want{
				dom:     map[int32]domain{o0: domX | domY, o0 + 1: domX, o0 + 2: domY, o0 + 3: domConst},
				dropped: []int32{o0 + 4},
				planes:  1, terms: 0,
				vectors: 4, // a, b, and o0's row and column
			},
		},
		{
			// h1 <- d; h2 <- h1, bias (radial chain); o0 <- h2 (radial
			// output); o1 <- h2, x, h3 where h3 <- d, y (full); o2 <-
			// bias only (constant output).
			name: "radial",
			g: &Genome{
				outputs: 3,
				acts:    []activation{actSin, actGaussian, actClip, actSin, actSigmoid, actGaussian, actSin},
				links: []link{
					{inputD, h1}, {h1, h2}, {inputBias, h2},
					{h2, o0},
					{h2, o1}, {inputX, o1}, {h3, o1},
					{inputD, h3}, {inputY, h3},
					{inputBias, o2},
					{inputX, h4},
				},
				weights: []float64{6, -4, 1, 1.5, 3, -2, 2, 5, 1.2, 0.3, 1},
			},
			want: want{
				dom:     map[int32]domain{h1: domRadial, h2: domRadial, o0: domRadial, o1: domX | domY | domRadial, h3: domY | domRadial, o2: domConst},
				dropped: []int32{h4},
				// o0 and h2 unfolded, h3, o1, and o2's constant plane.
				planes: 5, mirrors: 2,
				terms: 3, // h3 <- d; o1 <- h2, h3
				// h1, h2 and o0 quadrants, h3's column, o1's row, o2's
				// constant column.
				vectors: 6,
			},
		},
	}
	for _, tc := range tests {
		if err := tc.g.validate(); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		// Odd and even sizes: the quadrant includes the middle row and
		// column only when there is one.
		for _, size := range [][2]int{{20, 10}, {21, 11}, {7, 8}} {
			r, err := NewRenderer(size[0], size[1], tc.g.numOutputs(), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if err := r.compile(tc.g); err != nil {
				t.Fatal(err)
			}
			for v, want := range tc.want.dom {
				if r.dom[v] != want {
					t.Errorf("%s: node %d: domain %03b, want %03b", tc.name, v, r.dom[v], want)
				}
			}
			for _, v := range r.ord {
				if slices.Contains(tc.want.dropped, v) {
					t.Errorf("%s: node %d feeds no output but was compiled", tc.name, v)
				}
			}
			mirrors, terms := 0, 0
			for _, s := range r.planeSteps {
				if s.mirror >= 0 {
					mirrors++
				}
				terms += int(s.t1 - s.t0)
			}
			if len(r.planeSteps) != tc.want.planes || mirrors != tc.want.mirrors || terms != tc.want.terms || len(r.vecSteps) != tc.want.vectors {
				t.Errorf("%s: %d plane steps, %d mirrors, %d plane terms, %d vectors; want %d, %d, %d, %d",
					tc.name, len(r.planeSteps), mirrors, terms, len(r.vecSteps), tc.want.planes, tc.want.mirrors, tc.want.terms, tc.want.vectors)
			}
			img := make([]float32, tc.g.numOutputs()*size[0]*size[1])
			if err := r.Render(tc.g, img); err != nil {
				t.Fatal(err)
			}
			want := refImage(tc.g, size[0], size[1])
			for i := range img {
				if d := math.Abs(float64(img[i]) - want[i]); d > 1e-5 {
					t.Fatalf("%s %v: value %d differs from the reference by %.3g", tc.name, size, i, d)
				}
			}
		}
	}
}

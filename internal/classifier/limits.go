// Limits on what a model may make fooltest allocate.

package classifier

import (
	"fmt"

	"github.com/fooltest/fooltest/internal/fault"
)

// checkSizes refuses, before anything is allocated, a model whose declared
// input or output would need buffers over the limit: a model file of a few
// hundred bytes can declare a 20000×20000 image or a billion classes.
func checkSizes(in inputSpec, out outputSpec, opts Options) error {
	limit := opts.MaxInputBytes
	if limit <= 0 {
		limit = DefaultMaxInputBytes
	}
	if out.k > maxClasses {
		return fault.Invalidf(SettingOutput, "model output %q has %d classes, more than the %d fooltest supports", out.name, out.k, maxClasses)
	}
	// In float64: declared sizes can overflow an int product.
	batch := float64(max(1, in.batch, opts.Batch))
	what := "one image"
	switch {
	case in.batch == 1:
		what = "its fixed batch of one image"
	case in.batch > 1:
		what = fmt.Sprintf("its fixed batch of %d images", in.batch)
	case opts.Batch > 0:
		what = fmt.Sprintf("a batch of %d images", opts.Batch)
	}
	// A fixed batch or a declared size is the model's: neither --batch
	// nor --input-shape changes it, so the fix offered is the limit alone.
	fixed := ""
	if in.batch > 0 && (in.asDeclared || opts.InputShape == nil && !in.sized) {
		fixed = FixedSizes
	}
	image := 4 * float64(in.c) * float64(in.h) * float64(in.w)
	if need := batch * image; need > float64(limit) {
		return fault.Suggest(fault.Invalidf(SettingMaxInputBytes, "model input %q of %d×%d×%d needs %s for %s, over the %s limit",
			in.name, in.c, in.h, in.w, byteSize(need), what, byteSize(float64(limit))), fixed)
	}
	if need := batch * 4 * float64(out.k); need > float64(limit) {
		return fault.Suggest(fault.Invalidf(SettingMaxInputBytes, "model output %q of %d classes needs %s for %s, over the %s limit",
			out.name, out.k, byteSize(need), what, byteSize(float64(limit))), fixed)
	}
	return nil
}

// FixedSizes is the suggestion of an error of SettingMaxInputBytes when the
// model fixes its batch or image size, which no flag makes smaller.
const FixedSizes = "fixed"

// byteSize formats n bytes for messages.
func byteSize(n float64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", n/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", n/(1<<20))
	}
	return fmt.Sprintf("%.0f bytes", n)
}

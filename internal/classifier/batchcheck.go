package classifier

import (
	"errors"
	"fmt"
	"math"

	"github.com/fooltest/fooltest/internal/fault"
	"github.com/fooltest/fooltest/internal/onnxcheck"
)

// Relative tolerances of checkBatch: how far an image's raw scores in a
// batch may lie from its scores alone, times 1 + their size, before the
// model counts as mixing the images of a batch. Kernels that block a batch
// differently round differently, by about 1e-6 of a float32 score; float16
// and bfloat16 keep three and two decimal digits.
const (
	batchTolerance     = 1e-3
	halfBatchTolerance = 2e-2
)

// checkBatch scores the probe images one at a time and together in the
// chosen batch, each image in the company of the others, when the model
// has a dynamic batch and the batch is larger than 1. A model whose scores
// of an image change with its company (a softmax or a normalisation over
// the batch axis, batch-norm exported in training mode, activations
// quantized with one scale for the whole batch) would be searched on
// scores that no image has alone, so a tuned batch falls back to 1 and says
// why (Info.BatchNote), and a batch the user asked for is refused.
func (c *Classifier) checkBatch(requested bool) error {
	b := c.batch
	if c.in.batch > 0 || b.size == 1 {
		return nil
	}
	one, err := c.newBinding(1)
	if err != nil {
		return err
	}
	per, k := c.in.c*c.in.h*c.in.w, c.out.width()
	p := newProbes(c.in.c, c.in.h, c.in.w)
	alone := make([]float32, probeImages*k)
	for i := range probeImages {
		c.fillProbes(one, p, 1)
		if err := c.run(one); err != nil {
			one.destroy()
			if errors.Is(err, ErrAborted) {
				return err
			}
			// A model that runs only in batches (a reshape to the
			// user's --batch inside) has no scores alone to compare.
			return nil
		}
		copy(alone[i*k:(i+1)*k], one.output.GetData()[:k])
	}
	// Each row holds probe image row % probeImages, so a batch of 8 or
	// more holds every probe image and a smaller one the first few.
	c.fillProbes(b, newProbes(c.in.c, c.in.h, c.in.w), min(b.size, probeImages))
	in := b.input.GetData()
	for r := probeImages; r < b.size; r++ {
		i := r % probeImages
		copy(in[r*per:(r+1)*per], in[i*per:(i+1)*per])
	}
	if err := c.run(b); err != nil {
		one.destroy()
		return err
	}
	tol := batchTolerance
	if half(c.in.elem) || half(c.out.elem) {
		tol = halfBatchTolerance
	}
	worst, at := 0.0, 0
	raw := b.output.GetData()
	for r := range b.size {
		if d, _ := scoreGap(raw[r*k:(r+1)*k], alone[(r%probeImages)*k:][:k], tol); d > worst {
			worst, at = d, r
		}
	}
	if worst == 0 {
		one.destroy()
		return nil
	}
	// A random model can repeat its scores on checkRepeat's two runs (a
	// coin drawn once per run, hidden in a subgraph) and differ here: the
	// images scored alone again tell it from a model that mixes a
	// batch's images.
	p = newProbes(c.in.c, c.in.h, c.in.w)
	for i := range probeImages {
		c.fillProbes(one, p, 1)
		if err := c.run(one); err != nil {
			one.destroy()
			return err
		}
		was := alone[i*k : (i+1)*k]
		if d, j := scoreGap(one.output.GetData()[:k], was, tol); d > 0 {
			is := one.output.GetData()[j]
			one.destroy()
			return c.randomError(was[j], is)
		}
	}
	// worst is in the output's own units: logits differ by more than 1.
	what := fmt.Sprintf("its scores of an image change with the other images in its batch (by up to %.3g in its raw output %q at batch %d, image %d, against the image alone)", worst, c.out.name, b.size, at)
	if requested {
		one.destroy()
		return fault.Suggest(fault.Invalidf(SettingBatch, "batch %d: %s", b.size, what), "1")
	}
	b.destroy()
	c.batch, c.info.Batch, c.info.BatchTuned = one, 1, false
	c.info.BatchNote = what + ", so images are scored one at a time"
	return nil
}

// Fixes for a model whose scores are not a function of the image alone:
// an export in inference mode gives the model it is meant to be, and a
// noise layer or randomized defence has to come out for the test (the
// images then fool the model under it).
const (
	evalFix   = "export it in inference mode (PyTorch: model.eval() before torch.onnx.export, or training=torch.onnx.TrainingMode.EVAL)"
	randomFix = evalFix + ", or remove the noise or random layer for testing"
)

// unrepeatable refuses a model whose graph shows that its scores (output)
// are not a function of the image alone, naming the node: one that draws
// random numbers (noise layers, randomized defences) or a batch-norm in
// training mode. The graph decides before any run, because a random choice
// made once per run (a Bernoulli coin, a random padding) may well give the
// same scores on the runs that checkRepeat compares, and a verdict that
// depends on that luck would pass the model on some runs of the gate.
func unrepeatable(m *onnxcheck.Model, output string) error {
	n := m.Unrepeatable(output)
	if n == nil {
		return nil
	}
	node := fmt.Sprintf("node %q (%s)", n.Name, n.Op)
	if n.Name == "" {
		node = "an unnamed " + n.Op + " node"
	}
	if n.Op == "BatchNormalization" {
		return fault.Invalidf(SettingModel, "%s, which the model's output %q depends on, is in training mode: it normalises each batch by the batch's own statistics instead of the learned ones, so an image's scores depend on the images scored with it and are not the trained model's: %s", node, output, evalFix)
	}
	return fault.Invalidf(SettingModel, "%s, which the model's output %q depends on, draws random numbers on every run, so the scores of the same image change from run to run and no image fools the model reliably: %s", node, output, randomFix)
}

// checkRepeat scores the probe images twice at the chosen batch and refuses
// a model whose scores differ between the two runs (by more than
// batchTolerance) where the graph shows no cause (see unrepeatable): a
// random operator inside a subgraph, say. The search would chase its
// noise, and an image that fooled it once would not fool it again.
func (c *Classifier) checkRepeat() error {
	b := c.batch
	k := c.out.width()
	m := min(b.size, probeImages)
	first := make([]float32, m*k)
	for run := range 2 {
		c.fillProbes(b, newProbes(c.in.c, c.in.h, c.in.w), m)
		if err := c.run(b); err != nil {
			return err
		}
		raw := b.output.GetData()[:m*k]
		if run == 0 {
			copy(first, raw)
			continue
		}
		if d, j := scoreGap(raw, first, batchTolerance); d > 0 {
			return c.randomError(first[j], raw[j])
		}
	}
	return nil
}

// randomError is the refusal of a model that scored the same image first
// as was and then as is.
func (c *Classifier) randomError(was, is float32) error {
	return fault.Invalidf(SettingModel, "model output %q changes between two runs on the same images (from %.6g to %.6g): the model is random, with dropout or noise left in training mode or a random operator, so no image fools it reliably: %s",
		c.out.name, was, is, randomFix)
}

// scoreGap compares raw scores got with want: the largest difference over
// tol times 1 + |want| and where it is, +Inf where one is finite and the
// other not, or 0 when they agree.
func scoreGap(got, want []float32, tol float64) (gap float64, at int) {
	for j := range got {
		g, w := float64(got[j]), float64(want[j])
		if math.IsNaN(g) != math.IsNaN(w) || math.IsInf(g, 0) != math.IsInf(w, 0) {
			return math.Inf(1), j
		}
		if d := math.Abs(g - w); d > tol*(1+math.Abs(w)) && d > gap {
			gap, at = d, j
		}
	}
	return gap, at
}

// half reports whether elem is a 16-bit float type.
func half(elem int) bool {
	return elem == onnxcheck.TypeFloat16 || elem == onnxcheck.TypeBFloat16
}

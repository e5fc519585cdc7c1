package classifier

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/fooltest/fooltest/internal/fault"
)

// OutputKind says how a model's raw outputs become confidences.
type OutputKind string

// The output kinds. Auto decides from the operator that computes the output
// and from its values on probe images.
const (
	Auto          OutputKind = "auto"
	Probabilities OutputKind = "probabilities"
	Logits        OutputKind = "logits"
	Sigmoid       OutputKind = "sigmoid"
	// MultiLabelLogits are the logits of independent classes (a
	// multi-label classifier trained with a sigmoid per class): each
	// class's confidence is its own sigmoid, not a softmax over the
	// classes, which would hold it far lower.
	MultiLabelLogits OutputKind = "multilabel-logits"
	// Percentages are probabilities times 100, as models that end in a
	// Softmax and a Mul by 100 give: each class's confidence is its
	// score divided by 100. Read as logits, a softmax over them would
	// put a class scored 60 beside one scored 30 at 1.0.
	Percentages OutputKind = "percentages"
)

// OutputKinds lists the output kinds a user may choose, Auto first.
var OutputKinds = []OutputKind{Auto, Probabilities, Logits, Sigmoid, MultiLabelLogits, Percentages}

// probeImages is how many varied images the output is probed with.
const probeImages = 8

// sumTolerance is how far from 1 a row of probabilities may sum: exporters
// and quantized models leave rows that sum to 1 ± a few thousandths, and a
// probability output read as logits caps every confidence near
// e/(e+K-1), so erring towards probabilities is the safe side.
const sumTolerance = 0.02

// rangeTolerance is how far outside [0,1] rounding may take a probability.
const rangeTolerance = 1e-3

// probeStats summarises the raw outputs on the probe images.
type probeStats struct {
	lo, hi       float32
	sumLo, sumHi float64
	// lseLo and lseHi bound the rows' log-sum-exp: 0 for rows of
	// log-probabilities.
	lseLo, lseHi float64
	// l2Lo and l2Hi bound the Euclidean lengths of the l2Rows rows that
	// are not all 0: 1 for rows of unit vectors, as L2-normalised
	// embeddings are (which keep a zero vector at 0).
	l2Lo, l2Hi     float64
	l2Rows         int
	finite, values int
	// negative counts the finite values below 0 (beyond rounding).
	negative int
	// first is the first probe image's raw output row, and same says
	// that every other row equals it bit for bit.
	first []float32
	same  bool
}

// probeKind runs the probe images, records the output's range and, for
// Auto, decides the output kind. op is the operator that computes the
// output ("" when unknown). A decision it cannot make safely is refused
// with the flag that settles it.
func (c *Classifier) probeKind(op string) error {
	st, err := c.probe()
	if err != nil {
		return err
	}
	c.info.OutputRange = [2]float32{st.lo, st.hi}
	if st.finite == 0 {
		// Nothing to decide from. The search will stop on the same
		// non-finite outputs, and its reports will say so.
		c.info.OutputRange = [2]float32{}
		if c.info.OutputKind == Auto {
			c.info.OutputKind, c.info.KindDetected = Probabilities, true
		}
		c.info.KindEvidence = "no finite output on the probe images"
		return nil
	}
	if st.same {
		if err := c.checkConstant(st.first); err != nil {
			return err
		}
	}
	if st.unitVectors(c.out.width()) {
		// Whatever kind is set or detected, a search would chase one
		// component of a direction: no class a classifier scores.
		return fault.Invalidf(SettingModel, "model output %q gives every probe image a vector of length 1 (%d values in [%.3g, %.3g]), as an L2-normalised embedding does, not class scores: fooltest tests image classifiers; give a classifier, or its output of class scores with --output",
			c.out.name, c.out.width(), st.lo, st.hi)
	}
	if c.info.OutputKind != Auto {
		c.info.KindEvidence = "set by the user"
		return c.checkUserKind(st)
	}
	c.info.KindDetected = true
	if c.out.binary {
		return c.binaryKind(op, st)
	}
	if c.multiLabel != "" {
		return c.multiLabelKind(op, st)
	}
	switch op {
	case "Softmax":
		c.info.OutputKind, c.info.KindEvidence = Probabilities, "computed by a Softmax node"
		return nil
	case "Sigmoid":
		c.info.OutputKind, c.info.KindEvidence = Sigmoid, "computed by a Sigmoid node"
		return nil
	case "LogSoftmax":
		// Softmax of log-probabilities gives the probabilities back.
		c.info.OutputKind, c.info.KindEvidence = Logits, "computed by a LogSoftmax node: log-probabilities, which a softmax turns back into the probabilities"
		return nil
	}
	if st.logProbabilities(c.out.k) {
		c.info.OutputKind = Logits
		c.info.KindEvidence = fmt.Sprintf("values in [%.3g, %.3g] whose exponentials sum to %.4f–%.4f in each row on %d probe images: log-probabilities, which a softmax turns back into the probabilities", st.lo, st.hi, math.Exp(st.lseLo), math.Exp(st.lseHi), probeImages)
		return nil
	}
	nonNegative := st.lo >= -rangeTolerance
	switch {
	case nonNegative && math.Abs(st.sumLo-1) <= sumTolerance && math.Abs(st.sumHi-1) <= sumTolerance:
		c.info.OutputKind = Probabilities
		c.info.KindEvidence = fmt.Sprintf("values in [%.3g, %.3g], rows sum to %.4f–%.4f on %d probe images", st.lo, st.hi, st.sumLo, st.sumHi, probeImages)
	case nonNegative && math.Abs(st.sumLo-100) <= 100*sumTolerance && math.Abs(st.sumHi-100) <= 100*sumTolerance:
		c.info.OutputKind = Percentages
		c.info.KindEvidence = fmt.Sprintf("values in [%.3g, %.3g], rows sum to %.2f–%.2f on %d probe images", st.lo, st.hi, st.sumLo, st.sumHi, probeImages)
	case nonNegative && !st.same && st.sumLo > 1+sumTolerance && st.sumHi-st.sumLo <= st.sumLo*sumTolerance/10:
		// Non-negative rows of one constant sum are probabilities
		// scaled by it; logits never hold their sum fixed over varied
		// images (identical rows say nothing of the kind). Read as
		// logits, their softmax would put nearly every image at 1.0 for
		// its top class: a fail the model never earned.
		if groups := math.Round(st.sumLo); op == "Concat" && groups >= 2 && math.Abs(st.sumLo-groups) <= groups*sumTolerance {
			// Several heads' probabilities joined (a Softmax on each
			// slice of the logits, then a Concat): no one distribution
			// over classes to search.
			return fault.Invalidf(SettingOutput, "cannot read model output %q as one classifier's scores: a Concat computes it and every row sums to %.4g on %d probe images, as %g groups of probabilities joined do (one per head), and fooltest searches the classes of one distribution: export each head's scores as an output of its own",
				c.out.name, st.sumLo, probeImages, groups)
		}
		return fault.Invalidf(SettingOutputKind, "cannot tell how to read model output %q: its values are non-negative and every row sums to %.4g on %d probe images, as probabilities scaled by %.4g are, and fooltest reads probabilities that sum to 1 or percentages that sum to 100: export the scores unscaled",
			c.out.name, st.sumLo, probeImages, st.sumLo)
	case nonNegative && st.hi <= 1+rangeTolerance:
		// Sigmoid scores and small logits look alike here; reading
		// either as the other would make the search chase the wrong
		// thing, and reading scores as logits caps every confidence
		// below the threshold: a false pass.
		// Percentages of values in [0, 1] reach no threshold, and rows
		// summing over 1 are no probabilities: offer what remains.
		kinds := "sigmoid if each value is its class's score, or logits if they are logits"
		if st.sumHi <= 1+sumTolerance {
			kinds = "probabilities if they are some classes' share of one softmax, " + kinds
		}
		return fault.Suggest(fault.Invalidf(SettingOutputKind, "cannot tell how to read model output %q: its values lie in [%.3g, %.3g] but rows sum to %.3g–%.3g on %d probe images, as sigmoid scores (independent, in [0,1]) or small logits (softmax applies) would",
			c.out.name, st.lo, st.hi, st.sumLo, st.sumHi, probeImages), kinds)
	default:
		if top := softmaxBound(st.lo, st.hi, c.out.k); top < minLogitTop(c.out.k) {
			// Read as logits, no probe image gets a class even half way
			// from an even split to certainty, which no classifier's
			// logits measured did. Scores trained to regress one-hot
			// targets (MSE) look like this, and read as logits they cap
			// every confidence far below the threshold: a false pass.
			// So do outputs that hold no class scores at all: an
			// embedding, coordinates, a latent code.
			kinds := "logits if they are logits (and check the preprocessing)"
			if st.couldBeScores() {
				kinds = "sigmoid if each value is its class's score, or " + kinds
			}
			return fault.Suggest(fault.Invalidf(SettingOutputKind, "cannot tell how to read model output %q: its values lie in [%.3g, %.3g] on %d probe images, so close together that, read as logits, their softmax gives no class more than %.2f on any of them; scores trained to match one-hot targets (a regression, with MSE loss) look like this, and so do logits that a wrong preprocessing squeezes together, and outputs that hold no class scores (an embedding, keypoints, a regressed value), which fooltest cannot test: it tests classifiers",
				c.out.name, st.lo, st.hi, probeImages, top), kinds)
		}
		c.info.OutputKind = Logits
		c.info.KindEvidence = fmt.Sprintf("values in [%.3g, %.3g] on %d probe images, outside [0,1]", st.lo, st.hi, probeImages)
	}
	return nil
}

// minLogitTop returns the least top confidence that logits of the probe
// images' range must allow over k classes (see softmaxBound) to be taken for
// logits unasked: half way from an even split (1/k) to certainty. Of the
// 20 public and 2 trained logit classifiers of ten classes or more measured
// (docs/measurements.md, "Scores that are no logits"), the lowest bound was
// 0.82 (mnist-tanh-ls, bounded by a Tanh and trained with label smoothing;
// the lowest public one 0.98), where a public model trained to regress
// one-hot targets gave 0.20. Over two classes any range gives one of them
// half the mass: the two-logit classifiers measured allowed 0.91 to 1, a
// VAE's two-value latent code 0.55.
func minLogitTop(k int) float64 { return (1 + 1/float64(max(k, 1))) / 2 }

// softmaxBound returns the highest softmax confidence over k classes that
// logits within [lo, hi] can give: one class at hi, the others at lo.
func softmaxBound(lo, hi float32, k int) float64 {
	e := math.Exp(min(float64(hi-lo), 700))
	return e / (e + float64(k-1))
}

// checkUserKind refuses an output kind the user set that the probe images'
// values contradict, where reading them so would decide the verdict rather
// than the model: log-probabilities are read as logits (a softmax gives the
// probabilities back), percentages are never negative nor over 100,
// probabilities and sigmoid scores stay near [0, 1], and rows of
// probabilities sum to at most 1 (a little more where rounding allows). Values a little
// outside it are clamped, as a regression's scores overshoot; values far
// outside it would each count as confidence 0 or 1.
func (c *Classifier) checkUserKind(st probeStats) error {
	if st.finite == 0 || c.out.quant != nil {
		return nil
	}
	k := c.info.OutputKind
	if k != Logits && st.logProbabilities(c.out.width()) {
		return fault.Suggest(fault.Invalidf(SettingOutputKind, "model output %q is set to be read as %s, but its values lie in [%.3g, %.3g] and their exponentials sum to 1 in each row on %d probe images: they are log-probabilities, and read so they would hold every confidence far from what the model gives, so the gate could pass a model it never tested; log-probabilities are read as logits, whose softmax gives the probabilities back",
			c.out.name, k.noun(), st.lo, st.hi, probeImages), "logits, or leave it out")
	}
	switch {
	case k == Percentages && (st.lo < -100*rangeTolerance || st.hi > 100+100*rangeTolerance):
		return fault.Suggest(fault.Invalidf(SettingOutputKind, "model output %q is set to be read as percentages, but its values lie in [%.3g, %.3g] on %d probe images, outside [0, 100], so they are no percentages; read so, a hundredth of each would be its confidence, and the gate could pass a model it never tested",
			c.out.name, st.lo, st.hi, probeImages), "logits (or multilabel-logits for independent classes), or leave it out")
	case (k == Probabilities || k == Sigmoid) && (st.lo < -scoreSlack || st.hi > 1+scoreSlack):
		return fault.Suggest(fault.Invalidf(SettingOutputKind, "model output %q is set to be read as %s, but its values lie in [%.3g, %.3g] on %d probe images, far outside [0, 1], so they are no %s; read so, each value under 0 would count as confidence 0 and each over 1 as confidence 1, and the verdict would come from the reading, not the model",
			c.out.name, k.noun(), st.lo, st.hi, probeImages, k.noun()), "logits (or multilabel-logits for independent classes), or leave it out")
	case k == Probabilities && st.sumHi > 1+scoreSlack:
		// Probabilities sum to 1 over all the classes, less over some of
		// them; rows that sum to far more hold many classes near 1 at
		// once, which no softmax gives (a face's landmarks, say).
		return fault.Suggest(fault.Invalidf(SettingOutputKind, "model output %q is set to be read as probabilities, but its rows sum to %.3g–%.3g on %d probe images, where probabilities sum to 1, so they are no probabilities of one distribution over the classes, and if they are no class scores at all (coordinates, an embedding), fooltest cannot test the model: it tests classifiers",
			c.out.name, st.sumLo, st.sumHi, probeImages), "sigmoid if each value is its own class's score, or leave it out")
	}
	return nil
}

// noun names what values of kind k are, for messages.
func (k OutputKind) noun() string {
	switch k {
	case Sigmoid:
		return "sigmoid scores"
	case MultiLabelLogits:
		return "the logits of independent classes"
	}
	return string(k)
}

// scoreSlack is how far outside [0, 1] the probe values of an output read
// as probabilities or sigmoid scores may go: a model trained to regress
// one-hot targets gave values in [-0.36, 0.45], and logits read so reach
// far further (-2.2 to 4.1 on an MXNet MNIST model).
const scoreSlack = 0.5

// maxNegativeShare is the largest share of the probe values below 0 that
// scores read as they are may have. A regression's scores of one-hot
// targets dip below 0 on a few values (the MSE-trained MNIST network: 4 of
// its 80, down to -0.362); logits centred on 0 lie below it about as often
// as above (a two-logit deepfake detector fed its own ImageNet
// normalization: 8 of 16, down to -0.394, each image's two logits
// opposite), and read as sigmoid scores they would hold one class at 0.
const maxNegativeShare = 1.0 / 3

// couldBeScores reports whether the probe values could be scores read as
// they are (sigmoid scores, or a regression's): within scoreSlack of
// [0, 1], and seldom below 0.
func (st probeStats) couldBeScores() bool {
	return st.lo >= -scoreSlack && st.hi <= 1+scoreSlack && float64(st.negative) <= maxNegativeShare*float64(st.finite)
}

// multiLabelKind decides how to read the scores of a model whose
// configuration (c.multiLabel) says its classes are independent: a Softmax
// node overrules it, a Sigmoid node's scores are taken as they are, and so
// are values in [0,1]; other values are logits, each class's confidence
// its sigmoid.
func (c *Classifier) multiLabelKind(op string, st probeStats) error {
	switch {
	case op == "Softmax":
		c.info.OutputKind, c.info.KindEvidence = Probabilities, "computed by a Softmax node, although "+c.multiLabel
	case op == "Sigmoid":
		c.info.OutputKind, c.info.KindEvidence = Sigmoid, "computed by a Sigmoid node; "+c.multiLabel
	case st.lo < -rangeTolerance || st.hi > 1+rangeTolerance:
		c.info.OutputKind = MultiLabelLogits
		c.info.KindEvidence = fmt.Sprintf("%s, and values in [%.3g, %.3g] on %d probe images, outside [0,1]", c.multiLabel, st.lo, st.hi, probeImages)
	default:
		c.info.OutputKind = Sigmoid
		c.info.KindEvidence = fmt.Sprintf("%s, and values in [%.3g, %.3g] on %d probe images", c.multiLabel, st.lo, st.hi, probeImages)
	}
	return nil
}

// binaryKind decides how to read a binary classifier's single score, as
// probeKind does for K scores: a Sigmoid node's output is a probability,
// values outside [0,1] are a logit unless they stay too near 0 for one
// (see minLogitTop), and values inside it could be either.
func (c *Classifier) binaryKind(op string, st probeStats) error {
	switch {
	case op == "Sigmoid":
		c.info.OutputKind, c.info.KindEvidence = Sigmoid, "computed by a Sigmoid node"
	case op == "Softmax" || op == "LogSoftmax":
		// Over one value per image: 1 (or 0) for every image.
		return fault.Invalidf(SettingOutput, "model output %q is a %s over one value per image, which is the same for every image: export the score before the %s", c.out.name, op, op)
	case st.lo < -rangeTolerance || st.hi > 1+rangeTolerance:
		// Read as a logit, the probe image furthest from 0 gives its
		// class the most: the binary case of the K-class bound.
		if top := 1 / (1 + math.Exp(-float64(max(-st.lo, st.hi)))); top < minLogitTop(2) {
			// A logit this near 0 on every probe image is no working
			// binary classifier's, as logits as close together are no
			// K-class one's: the single-logit classifiers at hand
			// reached 2.3 (one fed pixels where it takes spectra) to
			// 12.6 with their own preprocessing, a forgery detector
			// whose model card calls it unusable (ROC-AUC 0.50) 0.87.
			// Read as a logit anyway, the gate would pass it.
			kinds := "logits if it is a logit (and check the preprocessing)"
			if st.couldBeScores() {
				kinds = "sigmoid if it is class 1's score, or " + kinds
			}
			return fault.Suggest(fault.Invalidf(SettingOutputKind, "cannot tell how to read model output %q, one score per image: its values lie in [%.3g, %.3g] on %d probe images, so near 0 that, read as a logit, its sigmoid gives neither class more than %.2f on any of them; a score trained to match 0/1 targets (a regression, with MSE loss) looks like this, and so does a logit that a wrong preprocessing squeezes towards 0, or one of a model that never learned to tell its classes apart, and an output that holds no class score (a regressed value), which fooltest cannot test: it tests classifiers",
				c.out.name, st.lo, st.hi, probeImages, top), kinds)
		}
		c.info.OutputKind = Logits
		c.info.KindEvidence = fmt.Sprintf("values in [%.3g, %.3g] on %d probe images, outside [0,1]: one logit, whose sigmoid is class 1's confidence", st.lo, st.hi, probeImages)
	default:
		return fault.Invalidf(SettingOutputKind, "cannot tell how to read model output %q, one score per image: its values lie in [%.3g, %.3g] on %d probe images, as a probability (sigmoid) or a small logit would",
			c.out.name, st.lo, st.hi, probeImages)
	}
	return nil
}

// Ceiling returns the highest confidence the chosen output kind can give if
// the raw outputs stay within the range seen on the probe images, or 1 when
// that range does not bound it. It matters for logits that lie in [0,1]:
// their softmax over K classes cannot exceed e/(e+K-1), which no
// threshold near 1 is ever reached by.
func (c *Classifier) Ceiling() float64 {
	lo, hi := c.info.OutputRange[0], c.info.OutputRange[1]
	if (c.out.binary && c.info.OutputKind == Logits || c.info.OutputKind == MultiLabelLogits) && lo >= -rangeTolerance && hi <= 1+rangeTolerance {
		// The logits are 0 and the score: class 1 gets at most the
		// sigmoid of hi, class 0 that of -lo (at most 1/2 here).
		return 1 / (1 + math.Exp(-float64(hi)))
	}
	if c.info.OutputKind == Percentages && hi <= 1+rangeTolerance {
		// Values of probabilities read as percentages: a hundredth of
		// them, which no threshold is reached by.
		return float64(max(hi, 0)) / 100
	}
	if c.out.binary || c.info.OutputKind != Logits || lo < -rangeTolerance || hi > 1+rangeTolerance {
		return 1
	}
	spread := math.Exp(float64(hi - lo))
	return spread / (spread + float64(c.out.k-1))
}

// ScoreCap returns the highest confidence the model's 8-bit class scores
// can give when they are read as they are (probabilities or sigmoid
// scores): their top level, dequantized. It is 1 for other models. A
// threshold above it cannot be reached by any image.
func (c *Classifier) ScoreCap() float64 {
	if q := c.out.quant; q != nil {
		switch c.info.OutputKind {
		case Logits:
		case MultiLabelLogits:
			return 1 / (1 + math.Exp(-q.max()))
		case Percentages:
			return min(q.max()/100, 1)
		default:
			return min(q.max(), 1)
		}
	}
	return 1
}

// probe scores the probe images and summarises their raw outputs. The
// images differ in brightness, contrast and structure, so that an output
// whose values depend on the image shows its range.
func (c *Classifier) probe() (probeStats, error) {
	k := c.out.width()
	p := newProbes(c.in.c, c.in.h, c.in.w)
	st := probeStats{lo: float32(math.Inf(1)), hi: float32(math.Inf(-1)), sumLo: math.Inf(1), sumHi: math.Inf(-1), lseLo: math.Inf(1), lseHi: math.Inf(-1), l2Lo: math.Inf(1), l2Hi: math.Inf(-1)}
	b := c.batch
	for off := 0; off < probeImages; off += b.size {
		m := min(b.size, probeImages-off)
		c.fillProbes(b, p, m)
		if err := c.run(b); err != nil {
			return st, err
		}
		raw := b.output.GetData()
		for i := range m {
			row := raw[i*k : (i+1)*k]
			if st.first == nil {
				st.first, st.same = slices.Clone(row), true
			} else if st.same {
				st.same = sameBits(row, st.first)
			}
			var sum float64
			rowFinite := true
			for _, v := range raw[i*k : (i+1)*k] {
				st.values++
				if !finite(v) {
					rowFinite = false
					continue
				}
				st.finite++
				st.lo, st.hi = min(st.lo, v), max(st.hi, v)
				if v < -rangeTolerance {
					st.negative++
				}
				sum += float64(v)
			}
			if rowFinite {
				st.sumLo, st.sumHi = min(st.sumLo, sum), max(st.sumHi, sum)
				lse := logSumExp(row)
				st.lseLo, st.lseHi = min(st.lseLo, lse), max(st.lseHi, lse)
				var sq float64
				for _, v := range row {
					sq += float64(v) * float64(v)
				}
				if sq > 0 {
					st.l2Lo, st.l2Hi, st.l2Rows = min(st.l2Lo, math.Sqrt(sq)), max(st.l2Hi, math.Sqrt(sq)), st.l2Rows+1
				}
			}
		}
	}
	if math.IsInf(st.sumLo, 0) {
		st.sumLo, st.sumHi = math.NaN(), math.NaN()
		st.lseLo, st.lseHi = math.NaN(), math.NaN()
		st.l2Lo, st.l2Hi = math.NaN(), math.NaN()
	}
	return st, nil
}

// logSumExp returns log(Σ exp(v)) over row, computed stably.
func logSumExp(row []float32) float64 {
	m := float64(slices.Max(row))
	var sum float64
	for _, v := range row {
		sum += math.Exp(float64(v) - m)
	}
	return m + math.Log(sum)
}

// logProbabilities reports whether every probe row is a row of
// log-probabilities: values at most 0 whose exponentials sum to 1, as a
// LogSoftmax (or a Log after a Softmax) gives. A row of one class has no
// other value to tell it by.
func (st probeStats) logProbabilities(k int) bool {
	return k > 1 && st.hi <= rangeTolerance && math.Abs(st.lseLo) <= sumTolerance && math.Abs(st.lseHi) <= sumTolerance
}

// unitVectors reports whether every probe row of k > 2 values that is not
// all 0 (at least half of them) is a vector of length 1 that is not a row
// of probabilities (a one-hot row is both):
// an L2-normalised embedding, whose rows no classifier's scores keep at
// one length over varied images.
func (st probeStats) unitVectors(k int) bool {
	probabilities := st.lo >= -rangeTolerance && math.Abs(st.sumLo-1) <= sumTolerance && math.Abs(st.sumHi-1) <= sumTolerance
	return k > 2 && !st.same && !probabilities && st.l2Rows >= probeImages/2 && math.Abs(st.l2Lo-1) <= unitTolerance && math.Abs(st.l2Hi-1) <= unitTolerance
}

// unitTolerance is how far from 1 the length of an L2-normalised row may
// be: float32 rounding over 512 values, and the epsilon that exporters add
// to the norm, leave it within a few millionths.
const unitTolerance = 1e-3

// constantImages is how many more images checkConstant scores.
const constantImages = 32

// checkConstant refuses a model whose raw output was first on every probe
// image and stays so on constantImages images of random blocks: it ignores
// its input, or the preprocessing gives it inputs it cannot tell apart (a
// model that thresholds 0..255 pixels at 128, fed values in [0,1]). No
// image can fool such a model, and a run would pass it untested. Rows of
// exact 0s and 1s are let through: a saturated classifier gives them for
// many images, and the search may still move it; so are 8-bit outputs,
// whose few levels a model that barely responds may repeat.
func (c *Classifier) checkConstant(first []float32) error {
	if c.out.quant != nil || !slices.ContainsFunc(first, func(v float32) bool { return v != 0 && v != 1 }) {
		return nil
	}
	per, k := c.in.c*c.in.h*c.in.w, c.out.width()
	rng := rand.New(rand.NewPCG(3, 4))
	// One image at a time, as the probes: 32 of 3×4096×4096 take 6.4 GB.
	img := make([]float32, per)
	b := c.batch
	for off := 0; off < constantImages; off += b.size {
		m := min(b.size, constantImages-off)
		in := b.input.GetData()
		for n := range m {
			if c.abort.get() != nil {
				// The run fails at once: make no more images for it.
				break
			}
			clear(img)
			for range 1 + rng.IntN(8) {
				y0, x0 := rng.IntN(c.in.h), rng.IntN(c.in.w)
				y1, x1 := y0+1+rng.IntN(c.in.h-y0), x0+1+rng.IntN(c.in.w-x0)
				for cc := range c.in.c {
					v := rng.Float32()
					for y := y0; y < y1; y++ {
						for x := x0; x < x1; x++ {
							img[cc*c.in.h*c.in.w+y*c.in.w+x] = v
						}
					}
				}
			}
			c.fill(in[n*per:(n+1)*per], img, 1)
		}
		if err := c.run(b); err != nil {
			return err
		}
		raw := b.output.GetData()
		for i := range m {
			if !sameBits(raw[i*k:(i+1)*k], first) {
				return nil
			}
		}
	}
	moved, err := c.movesOnWideInputs(first)
	if err != nil {
		return err
	}
	if !moved {
		// No preprocessing could help: telling the user to check it
		// would send them round the presets for nothing.
		lo, hi := -wideSpan, wideSpan
		if c.pixels {
			lo, hi = 0, 255
		}
		return fault.Invalidf(SettingModel, "model output %q is the same, bit for bit, on %d varied images, and on %d more whose input values span %d to %d whatever the preprocessing: the model ignores its input (its weights or its graph leave the output independent of it), so no image could fool it and a run would pass a model it never tested; export the trained model, and check that the output is its class scores",
			c.out.name, probeImages+constantImages, constantImages, lo, hi)
	}
	return fault.Invalidf(SettingPreprocessing, "model output %q is the same, bit for bit, on %d varied images (black, grey, white, noise, patterns, blocks) with this preprocessing (%s): the preprocessing gives the model inputs it cannot tell apart (its output does change for inputs outside that range), and no image could fool it, so a run would pass a model it never tested",
		c.out.name, probeImages+constantImages, c.norm)
}

// wideSpan bounds the input values movesOnWideInputs gives a float input:
// wider than any preset's range (0..255 pixels, or 0..1 after the ImageNet
// statistics, which reach about ±2.6), so that a model whose output stays
// the same there ignores its input, whatever preprocessing it was trained
// with.
const wideSpan = 256

// movesOnWideInputs reports whether the model's raw output differs from
// first on constantImages images of random blocks whose input values are
// drawn from [-wideSpan, wideSpan] (0..255 for an input of pixels), written
// to the input as they are, past the preprocessing.
func (c *Classifier) movesOnWideInputs(first []float32) (bool, error) {
	per, k := c.in.c*c.in.h*c.in.w, c.out.width()
	rng := rand.New(rand.NewPCG(5, 6))
	lo, span := float32(-wideSpan), float32(2*wideSpan)
	if c.pixels {
		lo, span = 0, 255
	}
	b := c.batch
	for off := 0; off < constantImages; off += b.size {
		m := min(b.size, constantImages-off)
		dst := b.input.GetData()
		for n := range m {
			img := dst[n*per : (n+1)*per]
			// Blocks of one value each, as in checkConstant, over a
			// background of another: layouts differ, values span all.
			bg := lo + span*rng.Float32()
			for i := range img {
				img[i] = bg
			}
			for range 1 + rng.IntN(8) {
				v := lo + span*rng.Float32()
				from := rng.IntN(per)
				to := from + 1 + rng.IntN(per-from)
				for i := from; i < to; i++ {
					img[i] = v
				}
			}
		}
		if c.pixels {
			pixelRound(dst[:m*per])
		}
		if err := c.run(b); err != nil {
			return false, err
		}
		raw := b.output.GetData()
		for i := range m {
			if !sameBits(raw[i*k:(i+1)*k], first) {
				return true, nil
			}
		}
	}
	return false, nil
}

// sameBits reports whether a and b hold the same values bit for bit.
func sameBits(a, b []float32) bool {
	for i, v := range a {
		if math.Float32bits(v) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

// probes makes the probe images, probeImages canonical images: black,
// mid-grey, white, uniform noise, low-contrast noise, a checkerboard, a
// gradient and random colour blocks. It makes them one at a time, in order,
// so that a check holds one image rather than all eight: at 3×4096×4096
// they take 1.6 GB, and each check that held them added as much to the
// peak memory of opening.
type probes struct {
	ch, h, w int
	rng      *rand.Rand
	// n is the image next makes.
	n int
	// img holds the image next made last.
	img []float32
}

// newProbes returns the probe images of shape ch×h×w from the first on.
func newProbes(ch, h, w int) *probes {
	return &probes{ch: ch, h: h, w: w, rng: rand.New(rand.NewPCG(1, 2)), img: make([]float32, ch*h*w)}
}

// next returns the next probe image, valid until the next call.
func (p *probes) next() []float32 {
	h, w, hw := p.h, p.w, p.h*p.w
	n, img := p.n, p.img
	p.n++
	for cc := range p.ch {
		colour := p.rng.Float32()
		for y := range h {
			for x := range w {
				var v float32
				switch n {
				case 0:
					v = 0
				case 1:
					v = 0.5
				case 2:
					v = 1
				case 3:
					v = p.rng.Float32()
				case 4:
					v = 0.45 + 0.1*p.rng.Float32()
				case 5:
					v = float32((x/max(1, w/8) + y/max(1, h/8)) % 2)
				case 6:
					v = float32(x) / float32(max(1, w-1))
				default:
					if (x/max(1, w/4)+y/max(1, h/4))%2 == 0 {
						v = colour
					} else {
						v = 1 - colour
					}
				}
				img[cc*hw+y*w+x] = v
			}
		}
	}
	return img
}

// fillProbes fills the first m rows of b's input with the next m images of
// p, through the preprocessing. Once the context given to AbortOn has
// ended it makes none: the run they were for fails at once, and a probe of
// 3×4096×4096 takes a second to make.
func (c *Classifier) fillProbes(b *binding, p *probes, m int) {
	per, in := c.in.c*c.in.h*c.in.w, b.input.GetData()
	for r := range m {
		if c.abort.get() != nil {
			return
		}
		c.fill(in[r*per:(r+1)*per], p.next(), 1)
	}
}

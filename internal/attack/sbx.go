package attack

import (
	"math"
	"math/rand/v2"
)

// The paper's code crosses direct genomes with simulated binary crossover
// (SBX, Deb & Agrawal 1995) in the form of Deb's own code, as the Sferes2
// framework it ran on implements it: a pair of parents is crossed with
// probability sbxRate, every gene with distribution index sbxEta; otherwise
// the children are copies of the parents, in random order. Both children are
// then mutated.
const (
	sbxRate = 0.5
	sbxEta  = 10
)

// sbxGene crosses one gene of values y1 < y2 in [0, 1] for the uniform
// draw u in [0, 1): it returns the child below the parents' midpoint and
// the one above it. Each child's spread factor, its distance from the
// midpoint over half the parents' distance, follows the SBX density with
// index eta, 0.5(eta+1)β^eta for β ≤ 1 and 0.5(eta+1)/β^(eta+2) beyond,
// cut where the child would leave [0, 1] and renormalised (the factor alpha
// below), so children never need clamping except by rounding.
func sbxGene(y1, y2, u, eta float64) (c1, c2 float64) {
	e1 := 1 / (eta + 1)
	d := y2 - y1
	spread := func(bound float64) float64 {
		// bound is the largest spread that keeps the child in
		// range; alpha/2 is the probability mass below it.
		alpha := 2 - math.Pow(bound, -(eta+1))
		if u <= 1/alpha {
			return math.Pow(u*alpha, e1)
		}
		return math.Pow(1/(2-u*alpha), e1)
	}
	c1 = 0.5 * (y1 + y2 - spread(1+2*y1/d)*d)
	c2 = 0.5 * (y1 + y2 + spread(1+2*(1-y2)/d)*d)
	return min(max(c1, 0), 1), min(max(c2, 0), 1)
}

// crossBytes writes the SBX children of byte genomes a and b into x and y,
// gene by gene with one draw each, rounding children to the byte grid and
// giving each child one side of the midpoint at random. Equal genes are
// copied: the spread of two equal parents is zero.
func crossBytes(rng *rand.Rand, a, b, x, y []uint8) {
	b, x, y = b[:len(a)], x[:len(a)], y[:len(a)]
	for i, ga := range a {
		gb := b[i]
		if ga == gb {
			x[i], y[i] = ga, ga
			continue
		}
		v := rng.Uint64()
		// 53 bits make the uniform draw, the lowest the coin.
		u := float64(v>>11) * (1.0 / (1 << 53))
		lo, hi := min(ga, gb), max(ga, gb)
		c1, c2 := sbxGene(byteToUnit64(lo), byteToUnit64(hi), u, sbxEta)
		if v&1 == 0 {
			x[i], y[i] = toByte(c1), toByte(c2)
		} else {
			x[i], y[i] = toByte(c2), toByte(c1)
		}
	}
}

func byteToUnit64(b uint8) float64 { return float64(b) / 255 }

package report

// MaxHistoryPoints bounds each class's history in report.json, which must
// stay small enough to read and diff for 1000 classes.
const MaxHistoryPoints = 100

// ThinHistory returns at most limit points of h (limit below 2 counts as 2):
// the first point, every point that improved on the best confidence so far,
// and the last point. When there are still too many improvements, it keeps
// the first and last and an even spread of the improvements between them.
// h is not modified.
func ThinHistory(h []Point, limit int) []Point {
	limit = max(limit, 2)
	if len(h) == 0 {
		return nil
	}
	// The improvements are what a reader plots; the points in between only
	// repeat the best confidence so far.
	if len(h) == 1 {
		return []Point{h[0]}
	}
	keep := make([]Point, 0, min(len(h), 2*limit))
	keep = append(keep, h[0])
	best := h[0].Confidence
	for _, p := range h[1 : len(h)-1] {
		if p.Confidence > best {
			best = p.Confidence
			keep = append(keep, p)
		}
	}
	keep = append(keep, h[len(h)-1])
	if len(keep) <= limit {
		return keep
	}
	out := make([]Point, 0, limit)
	out = append(out, keep[0])
	inner := keep[1 : len(keep)-1]
	slots := limit - 2
	for i := range slots {
		// Spreading by position keeps the shape of the curve, including the
		// late small gains that matter for a threshold near 1.
		j := (i*len(inner) + len(inner)/2) / slots
		out = append(out, inner[j])
	}
	return append(out, keep[len(keep)-1])
}

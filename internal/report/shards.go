package report

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// maxListedClasses bounds the class indices the note on missing shards
// lists; report.json marks every class not searched.
const maxListedClasses = 20

// ShardList names shards of a run of count shards: "shard 3 of 3",
// "shards 2 and 3 of 3".
func ShardList(shards []int, count int) string {
	s := make([]string, len(shards))
	for i, x := range shards {
		s[i] = strconv.Itoa(x)
	}
	noun := "shards"
	if len(shards) == 1 {
		noun = "shard"
	}
	return fmt.Sprintf("%s %s of %d", noun, joinAnd(s), count)
}

// ShardsMissing says that shards of a run of count shards are missing,
// the verb agreeing with their number: "shard 3 of 3 is missing", "shards 2
// and 3 of 3 are missing".
func ShardsMissing(missing []int, count int) string {
	if len(missing) == 1 {
		return ShardList(missing, count) + " is missing"
	}
	return ShardList(missing, count) + " are missing"
}

// shardRow is the summary row that says a result is a shard's or a
// merge's, whose counts are not those of a whole run; ok is false for a
// whole run. A shard searched its own classes but counts every class it
// fooled, as the merge does; a merge adds up its shards' evaluations.
func shardRow(res *Result) (name, value string, ok bool) {
	sh := res.Shard
	switch {
	case sh == nil:
		return "", "", false
	case sh.Index > 0:
		return "Shard", fmt.Sprintf("%d of %d: searched %d of the %d target classes, and counts every one it fooled; fooltest merge gives the whole run's result",
			sh.Index, sh.Count, len(sh.Searched), res.Targets), true
	}
	return "Merged from", ShardList(sh.Merged, sh.Count) + ": evaluations add up, the time is the longest shard's", true
}

// joinAnd joins items as a list in prose: "1", "1 and 2", "1, 2 and 3".
func joinAnd(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

// missingShards reports whether res is a merged result with shards
// missing, and returns them with the run's shard count.
func missingShards(res *Result) (missing []int, count int, ok bool) {
	if len(res.MissingShards) == 0 {
		return nil, 0, false
	}
	// A report.json read back may lack the shard count; the highest
	// missing shard is then the least it can be.
	count = slices.Max(res.MissingShards)
	if res.Shard != nil {
		count = max(count, res.Shard.Count)
	}
	return res.MissingShards, count, true
}

// missingShardsNote says, for a merged result with shards missing, which
// shards are missing and which target classes were therefore not searched,
// and "" for any other result. It holds no text from the user, so formats
// need not escape it.
func missingShardsNote(res *Result) string {
	missing, count, ok := missingShards(res)
	if !ok {
		return ""
	}
	s := ShardsMissing(missing, count)
	s = strings.ToUpper(s[:1]) + s[1:] + " from this merge"
	var idx []string
	for _, c := range res.Classes {
		if c.NotSearched && len(idx) <= maxListedClasses {
			idx = append(idx, strconv.Itoa(c.Index))
		}
	}
	n := notSearchedCount(res)
	if len(idx) == 0 {
		return s + "."
	}
	verb, noun := "were", "classes"
	if len(idx) == 1 {
		verb, noun = "was", "class"
	}
	if n > maxListedClasses {
		idx = append(idx[:maxListedClasses], fmt.Sprintf("%d more", n-maxListedClasses))
	}
	return fmt.Sprintf("%s, so %d of the %d target classes %s not searched: %s %s. Their confidences are only what the other shards met while searching their own classes, and %s.",
		s, n, len(res.Classes), verb, noun, joinAnd(idx), scoredOnly(res))
}

// scoredOnly says that the score, and the comparison with a baseline,
// count only the classes searched, which the gate takes them from.
func scoredOnly(res *Result) string {
	what := "the score counts"
	if res.Baseline != nil {
		what = "the score and the comparison with the baseline count"
	}
	n := searchedCount(res)
	return fmt.Sprintf("%s only the %d %s searched", what, n, noun(n, "class", "classes"))
}

// searchedCount counts the classes of res that a search tried: all of
// them, or in a merge those of the shards present.
func searchedCount(res *Result) int {
	return len(res.Classes) - notSearchedCount(res)
}

// notSearchedCount counts the classes of res that no shard searched.
func notSearchedCount(res *Result) int {
	n := 0
	for _, c := range res.Classes {
		if c.NotSearched {
			n++
		}
	}
	return n
}

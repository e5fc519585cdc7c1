package report

import (
	"fmt"
	"strconv"
	"strings"
)

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

// joinAnd joins items as a list in prose: "1", "1 and 2", "1, 2 and 3".
func joinAnd(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

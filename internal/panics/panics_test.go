package panics

import (
	"errors"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

//go:noinline
func panicInWorker(v any) { panic(v) }

//go:noinline
func indexPastEnd(s []int, i int) int { return s[i] }

// TestGroup: a panic in one of a Group's goroutines, or in the share the
// caller runs through Do, is raised again by Wait with the original value
// and the stack of the function that panicked, once every other goroutine
// has finished; without a panic Wait returns.
func TestGroup(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name string
		// panicker is the index of the function that panics, -1 for
		// none; index 0 runs in the caller, through Do.
		panicker int
		value    any
		// index makes the panicker index past a slice's end instead.
		index bool
	}{
		{name: "no panic", panicker: -1},
		{name: "panic in a goroutine", panicker: 2, value: "worker 2 broke"},
		{name: "panic with an error", panicker: 3, value: boom},
		{name: "runtime error", panicker: 1, index: true},
		{name: "panic in the caller's share", panicker: 0, value: "caller broke"},
	}
	const n = 4
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var g Group
			var finished atomic.Int32
			panicked := make(chan struct{})
			work := func(i int) {
				if i == tt.panicker {
					defer close(panicked)
					if tt.index {
						indexPastEnd(nil, i)
					}
					panicInWorker(tt.value)
				}
				if tt.panicker >= 0 {
					// The others end after the panic, with
					// work left: Wait must still wait for them.
					<-panicked
					for range 1000 {
						runtime.Gosched()
					}
				}
				finished.Add(1)
			}
			for i := 1; i < n; i++ {
				g.Go(func() { work(i) })
			}
			p := catchWait(&g, func() { work(0) })
			if got, want := finished.Load(), int32(n); tt.panicker >= 0 && got != want-1 || tt.panicker < 0 && got != want {
				t.Fatalf("%d functions finished before Wait returned or panicked", got)
			}
			if tt.panicker < 0 {
				if p != nil {
					t.Fatalf("Wait panicked with %v, want no panic", p)
				}
				return
			}
			if p == nil {
				t.Fatal("Wait did not panic")
			}
			if tt.index {
				var re runtime.Error
				if !errors.As(p, &re) || !strings.Contains(re.Error(), "index out of range") {
					t.Fatalf("value %v, want the runtime's index error", p.Value)
				}
			} else if p.Value != tt.value {
				t.Fatalf("value %v, want %v", p.Value, tt.value)
			}
			fn := "panics.panicInWorker"
			if tt.index {
				fn = "panics.indexPastEnd"
			}
			if !strings.Contains(string(p.Stack), fn) {
				t.Fatalf("stack does not name %s:\n%s", fn, p.Stack)
			}
			if !strings.Contains(p.Error(), string(p.Stack)) {
				t.Errorf("message does not carry the stack:\n%s", p.Error())
			}
		})
	}
}

// catchWait runs share through g.Do, then g.Wait, and returns what Wait
// panicked with.
func catchWait(g *Group, share func()) (p *Panic) {
	defer func() {
		if r := recover(); r != nil {
			p = r.(*Panic)
		}
	}()
	g.Do(share)
	g.Wait()
	return nil
}

// TestNestedGroups: a panic raised again by an inner Group's Wait, inside
// a goroutine of an outer one, keeps the stack of the goroutine where it
// happened.
func TestNestedGroups(t *testing.T) {
	var outer Group
	outer.Go(func() {
		var inner Group
		inner.Go(func() { panicInWorker("deep") })
		inner.Wait()
	})
	p := catchWait(&outer, func() {})
	if p == nil || p.Value != "deep" {
		t.Fatalf("Wait panicked with %v, want the inner goroutine's panic", p)
	}
	if !strings.Contains(string(p.Stack), "panics.panicInWorker") {
		t.Fatalf("stack is not the inner goroutine's:\n%s", p.Stack)
	}
}

// TestCatch: Catch returns nil for a function that returns and the panic
// of one that panics.
func TestCatch(t *testing.T) {
	if p := Catch(func() {}); p != nil {
		t.Fatalf("Catch of a returning function: %v", p)
	}
	p := Catch(func() { panicInWorker(7) })
	if p == nil || p.Value != 7 || !strings.Contains(string(p.Stack), "panics.panicInWorker") {
		t.Fatalf("Catch of a panicking function: %v", p)
	}
}

// TestGroupAllocations: a Group allocates no more per goroutine than the
// sync.WaitGroup it replaces, whose Go the search's workers used; a
// deferred recover costs no allocation. The search starts goroutines for
// every chunk it renders.
func TestGroupAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	var sink atomic.Int64
	work := func() { sink.Add(1) }
	plain := testing.AllocsPerRun(100, func() {
		var wg sync.WaitGroup
		for range 3 {
			wg.Go(work)
		}
		wg.Wait()
	})
	group := testing.AllocsPerRun(100, func() {
		var g Group
		for range 3 {
			g.Go(work)
		}
		g.Do(work)
		g.Wait()
	})
	if group > plain {
		t.Fatalf("a Group of 3 goroutines allocates %v times, a sync.WaitGroup %v", group, plain)
	}
}

// Package panics carries a panic from the goroutine where it happened to
// the goroutine that waits on that goroutine's work, so that one recover at
// the top of a command (cmd/fooltest's guarded) sees every panic of the
// work done for it. Go ends a program whose other goroutine panics at once,
// with exit code 2 and no chance to recover: to a pipeline, that reads as
// invalid input, not as fooltest's bug.
//
// A Panic keeps the panicking goroutine's stack, which a panic raised again
// elsewhere would otherwise lose: the bug report must show where it
// happened, not where it was raised again.
//
// Only panics can be carried: the Go runtime's fatal errors (a thread it
// cannot create, concurrent map writes, running out of memory) end the
// process without running any recover.
package panics

import (
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"
)

// Panic is a panic recovered in one goroutine, to be raised again in the
// goroutine that waits for its work.
type Panic struct {
	// Value is what the goroutine panicked with.
	Value any
	// Stack is the panicking goroutine's stack at the panic, as
	// debug.Stack formats it.
	Stack []byte
}

// Error implements error: the value, then the stack of the goroutine that
// panicked, which Go's own message for an unrecovered panic then shows.
func (p *Panic) Error() string {
	return fmt.Sprintf("%v\n\n[panicked in another goroutine]\n%s", p.Value, p.Stack)
}

// Unwrap returns Value when it is an error (a runtime.Error, say), so that
// errors.As sees what the goroutine panicked with.
func (p *Panic) Unwrap() error {
	err, _ := p.Value.(error)
	return err
}

// From returns the Panic for r, a value recover returned in the deferred
// call of the goroutine that panicked, whose stack it records. A *Panic is
// returned as it is: it was raised again on its way from a deeper
// goroutine, whose stack is the one that tells where it happened.
func From(r any) *Panic {
	if p, ok := r.(*Panic); ok {
		return p
	}
	return &Panic{Value: r, Stack: debug.Stack()}
}

// Catch calls f and returns its panic, or nil when f returns. Where f
// calls runtime.Goexit (t.FailNow in a test), Catch does not return: the
// goroutine ends, and a Group's Do then leaves its caller without Wait.
func Catch(f func()) (p *Panic) {
	defer func() {
		// recover must be called by the deferred function itself.
		if r := recover(); r != nil {
			p = From(r)
		}
	}()
	f()
	return nil
}

// Group runs functions in goroutines, as sync.WaitGroup.Go does, and
// raises the first of their panics again in the goroutine that calls Wait,
// once every one of them has returned. The zero Group is ready to use; a
// Group must not be copied after first use.
type Group struct {
	wg    sync.WaitGroup
	first atomic.Pointer[Panic]
}

// Go calls f in a new goroutine. A panic of f ends f only: the goroutine
// returns, and Wait raises it again.
func (g *Group) Go(f func()) {
	g.wg.Add(1)
	// A method call, not WaitGroup.Go with a closure around Do: one
	// allocation less for every goroutine, as many as sync.WaitGroup.Go
	// makes.
	go g.run(f)
}

// run is the goroutine that Go starts.
func (g *Group) run(f func()) {
	defer g.wg.Done()
	g.Do(f)
}

// Do calls f in the calling goroutine as Go would in another: a panic of f
// is kept for Wait. A caller that does a share of the work itself calls
// it through Do, so that the other goroutines still finish before its
// panic goes on: none of them may write into buffers that the caller's
// callers reuse once they recover.
func (g *Group) Do(f func()) {
	if p := Catch(f); p != nil {
		g.first.CompareAndSwap(nil, p)
	}
}

// Wait waits for every function that Go started, then panics with the
// first *Panic that Go or Do recovered, if any.
func (g *Group) Wait() {
	g.wg.Wait()
	if p := g.first.Load(); p != nil {
		panic(p)
	}
}

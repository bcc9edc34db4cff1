package client

import (
	"context"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"

	bperrors "github.com/botpress-go/sdk/errors"
	"github.com/botpress-go/sdk/internal/transport"
)

// lowRemaining is the fraction of RateLimit-Limit at or below which the
// pacer takes what remains of the window as running low: a tenth.
const lowRemaining = 10

// pacer keeps a Client's requests within the API's rate limit (see
// WithRateLimit). Attempts pass it one at a time, in order; each:
//
//  1. takes a token from a token bucket (golang.org/x/time/rate) of the
//     rate and burst given, waiting for one when there is none;
//  2. then, if the answers said the window runs low, waits for its slot in
//     the plan they gave.
//
// The plan. A bucket at exactly the server's rate is not enough on its own:
// requests do not reach the server at the pace they left, and a window that
// holds its full count refuses the next one. So the pacer reads
// RateLimit-Remaining from every answer, less the attempts still in flight
// (they will count against it too): the budget. When the newest answer
// leaves a budget at or below a tenth of RateLimit-Limit, the pacer spreads
// it over the time until the quota is whole again (RateLimit-Reset;
// Retry-After when there is no Reset): with a budget of b over d, attempts
// start d/(b+1) apart, so a budget of 0 holds them until the end of d. The
// plan ends at the end of d, or when a newer answer leaves a budget above
// the tenth. A d longer than the client's WithMaxRetryAfter (a quota that
// resets in an hour, say) is not waited for: requests go on, and fail with
// the server's 429 rather than hang.
//
// Attempts pass one at a time so that none has reserved a token, or a slot,
// before the newest answer is known: when a plan ends, the attempts that
// were waiting go at the bucket's pace, not all at once. "Newest" is by the
// order in which attempts passed the pacer, which is the order they were
// sent in, so that the answer to an older request, overtaken by a newer
// one, does not undo what the newer one said.
//
// A pacer belongs to a Client and is shared by every call, every goroutine
// and every per-call configuration of it: config copies carry the pointer.
type pacer struct {
	limiter *rate.Limiter
	maxHold time.Duration // the longest d the pacer waits for
	gate    chan struct{} // held by the attempt passing the pacer

	mu       sync.Mutex
	turn     uint64        // given to the last attempt that passed
	seen     uint64        // turn of the newest answer taken in
	inFlight int           // attempts that passed and have no answer yet
	until    time.Time     // end of the plan; none when in the past
	next     time.Time     // when the next attempt may go under the plan
	interval time.Duration // spacing of the attempts under the plan
	changed  chan struct{} // closed when the plan lets attempts go sooner
}

func newPacer(rps float64, burst int, maxHold time.Duration) *pacer {
	return &pacer{
		limiter: rate.NewLimiter(rate.Limit(rps), burst),
		maxHold: maxHold,
		gate:    make(chan struct{}, 1),
	}
}

// Wait blocks until an attempt may start, or ctx ends (its error is then
// returned). It returns the attempt's turn: the attempt must then hand its
// answer to Observe with it, whatever the outcome.
func (p *pacer) Wait(ctx context.Context) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	select {
	case p.gate <- struct{}{}:
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	defer func() { <-p.gate }()
	// Reserve and sleep rather than Limiter.Wait, whose error when the
	// wait would pass ctx's deadline wraps neither of ctx's errors.
	r := p.limiter.Reserve()
	if err := transport.Sleep(ctx, r.Delay()); err != nil {
		r.Cancel() // give the token back
		return 0, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for {
		now := time.Now()
		if !now.Before(p.until) {
			break // no plan, or its end
		}
		if !now.Before(p.next) {
			p.next = now.Add(p.interval)
			break
		}
		wake := p.next
		if wake.After(p.until) {
			wake = p.until
		}
		if p.changed == nil {
			p.changed = make(chan struct{})
		}
		changed := p.changed
		p.mu.Unlock()
		err := sleepOrSignal(ctx, wake.Sub(now), changed)
		p.mu.Lock()
		if err != nil {
			return 0, err
		}
	}
	p.turn++
	p.inFlight++
	return p.turn, nil
}

// Observe takes in the answer to the attempt of the given turn, received
// at now: its header, nil when the attempt got no answer.
func (p *pacer) Observe(turn uint64, h http.Header, now time.Time) {
	rl := bperrors.ParseRateLimit(h)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.inFlight--
	if rl == nil || !rl.HasRemaining || turn < p.seen {
		return // nothing to learn, or older than what is known
	}
	p.seen = turn
	budget := max(rl.Remaining-p.inFlight, 0)
	if budget > 0 && (!rl.HasLimit || budget > rl.Limit/lowRemaining) {
		p.end()
		return
	}
	d, ok := rl.Reset, rl.HasReset
	if !ok {
		d, ok = bperrors.ParseRetryAfter(h, now)
	}
	if !ok || d <= 0 || d > p.maxHold {
		p.end()
		return
	}
	until := now.Add(d)
	p.interval = d / time.Duration(budget+1)
	first := now.Add(p.interval)
	if until.Before(p.until) || first.Before(p.next) {
		p.signal() // the waiting attempt may go sooner
	}
	p.until, p.next = until, first
}

// end ends the plan, letting the waiting attempt go.
func (p *pacer) end() {
	if p.until.IsZero() {
		return
	}
	p.until = time.Time{}
	p.signal()
}

// signal wakes the attempt waiting for its slot, to look at the plan again.
func (p *pacer) signal() {
	if p.changed != nil {
		close(p.changed)
		p.changed = nil
	}
}

// sleepOrSignal waits for d, or until ch is closed, or returns early with
// the context's error.
func sleepOrSignal(ctx context.Context, d time.Duration, ch <-chan struct{}) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

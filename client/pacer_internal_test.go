package client

import (
	"context"
	"net/http"
	"runtime"
	"testing"
	"time"
)

// pacerHeader is an answer's rate-limit headers.
func pacerHeader(limit, remaining, reset string) http.Header {
	h := http.Header{}
	if limit != "" {
		h.Set("RateLimit-Limit", limit)
	}
	if remaining != "" {
		h.Set("RateLimit-Remaining", remaining)
	}
	if reset != "" {
		h.Set("RateLimit-Reset", reset)
	}
	return h
}

// pacerTurns passes n attempts through p and returns their turns.
func pacerTurns(t *testing.T, p *pacer, n int) []uint64 {
	t.Helper()
	turns := make([]uint64, n)
	for i := range turns {
		turn, err := p.Wait(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		turns[i] = turn
	}
	return turns
}

func (p *pacer) planned(now time.Time) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return now.Before(p.until)
}

func TestPacerPlan(t *testing.T) {
	now := time.Now()
	low, plenty := pacerHeader("100", "3", "30"), pacerHeader("100", "60", "30")
	t.Run("the newest answer wins", func(t *testing.T) {
		p := newPacer(1e9, 1000, time.Minute)
		turns := pacerTurns(t, p, 3)
		p.Observe(turns[1], low, now)
		if !p.planned(now) {
			t.Fatal("3 of 100 remaining: no plan")
		}
		p.Observe(turns[0], plenty, now) // older: overtaken
		if !p.planned(now) {
			t.Fatal("an older answer ended the plan")
		}
		p.Observe(turns[2], plenty, now)
		if p.planned(now) {
			t.Fatal("a newer answer with plenty remaining did not end the plan")
		}
	})
	t.Run("attempts in flight count against the budget", func(t *testing.T) {
		p := newPacer(1e9, 1000, time.Minute)
		turns := pacerTurns(t, p, 6)
		// 14 remaining less the 5 still in flight: 9, a tenth or less.
		p.Observe(turns[0], pacerHeader("100", "14", "30"), now)
		if !p.planned(now) {
			t.Fatal("in-flight attempts not counted")
		}
		p.Observe(turns[1], pacerHeader("100", "15", "30"), now) // 15 - 4 = 11
		if p.planned(now) {
			t.Fatal("a budget of 11 of 100 made a plan")
		}
	})
	t.Run("spacing", func(t *testing.T) {
		p := newPacer(1e9, 1000, time.Minute)
		turns := pacerTurns(t, p, 1)
		p.Observe(turns[0], pacerHeader("100", "3", "2"), now)
		if p.interval != 500*time.Millisecond {
			t.Fatalf("3 remaining over 2 s: interval %v, want 500ms", p.interval)
		}
		if !p.until.Equal(now.Add(2 * time.Second)) {
			t.Fatalf("until %v, want now+2s", p.until.Sub(now))
		}
	})
	t.Run("no plan", func(t *testing.T) {
		for name, h := range map[string]http.Header{
			"no headers":                 {},
			"no remaining":               pacerHeader("100", "", "30"),
			"no reset nor retry-after":   pacerHeader("100", "0", ""),
			"reset 0":                    pacerHeader("100", "0", "0"),
			"reset beyond the max":       pacerHeader("100", "0", "61"),
			"remaining above the tenth":  pacerHeader("100", "11", "30"),
			"remaining, limit unknown":   pacerHeader("", "1", "30"),
			"bad remaining":              pacerHeader("100", "none", "30"),
			"bad reset, no retry-after":  pacerHeader("100", "0", "later"),
			"retry-after beyond the max": {"Ratelimit-Remaining": {"0"}, "Retry-After": {"120"}},
		} {
			p := newPacer(1e9, 1000, time.Minute)
			turns := pacerTurns(t, p, 1)
			p.Observe(turns[0], h, now)
			if p.planned(now) {
				t.Errorf("%s: a plan", name)
			}
		}
	})
	t.Run("none remaining, limit unknown", func(t *testing.T) {
		p := newPacer(1e9, 1000, time.Minute)
		turns := pacerTurns(t, p, 1)
		p.Observe(turns[0], pacerHeader("", "0", "30"), now)
		if !p.planned(now) {
			t.Fatal("0 remaining: no plan")
		}
	})
	t.Run("no answer", func(t *testing.T) {
		p := newPacer(1e9, 1000, time.Minute)
		turns := pacerTurns(t, p, 2)
		p.Observe(turns[0], nil, now)
		p.Observe(turns[1], nil, now)
		if p.inFlight != 0 {
			t.Fatalf("in flight %d after every attempt ended", p.inFlight)
		}
	})
}

// TestPacerPlanEndsEarly: a waiting attempt goes as soon as a newer answer
// ends the plan, not at the plan's end.
func TestPacerPlanEndsEarly(t *testing.T) {
	p := newPacer(1e9, 1000, time.Hour)
	turns := pacerTurns(t, p, 2)
	p.Observe(turns[0], pacerHeader("100", "0", "1800"), time.Now())
	done := make(chan error)
	go func() {
		_, err := p.Wait(context.Background())
		done <- err
	}()
	// Wait for the attempt to wait for its slot: it has made the channel
	// it waits on.
	for {
		p.mu.Lock()
		waiting := p.changed != nil
		p.mu.Unlock()
		if waiting {
			break
		}
		runtime.Gosched()
	}
	p.Observe(turns[1], pacerHeader("100", "90", "1"), time.Now())
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

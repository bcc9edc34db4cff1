package bptest

import (
	"net/http"
	"strconv"
	"time"
)

// Fault makes the server misbehave on purpose, so that a test can exercise
// a client's retry and timeout paths. A fault applies to the requests of
// one operation (or of all when Operation is empty) of one API (the main
// API, or the Chat API when Chat is set), each with probability Rate (1
// when zero), at most Times times (unlimited when zero).
type Fault struct {
	// Operation is an operationId of the spec, such as "getUser"; with
	// Chat, of the Chat API's spec, such as "listenConversation".
	Operation string
	// Chat makes the fault apply to the Chat API's requests (see ChatURL)
	// instead of the main API's: the two specs share operation names.
	Chat bool
	// Rate is the probability, from 0 to 1, that a request gets the fault;
	// zero means every request.
	Rate float64
	// Times caps how many requests get the fault; zero means no cap.
	Times int
	// Latency delays the answer.
	Latency time.Duration
	// Status answers with this status (429, 500, 503 ...) in the API's
	// error shape instead of running the operation.
	Status int
	// RetryAfter, with Status, sets the Retry-After header (whole seconds).
	RetryAfter time.Duration
	// ErrorIn200, with Status, sends the error body (whose code is Status)
	// with the HTTP status 200, as the Chat API sometimes answers: a client
	// must read such a body as the error.
	ErrorIn200 bool
	// Drop closes the connection without answering.
	Drop bool
	// DropStreamAfter, on a listenConversation request of the Chat API,
	// lets the stream open and then drops its connection, as a network
	// failure would, after it has carried that many signals (keep-alives
	// do not count); 0 means the stream is not dropped.
	DropStreamAfter int
	// Indexing, IndexingCompleted or IndexingFailed, decides how the
	// indexing of the file made by the upsertFile request it hits ends,
	// whatever its content (see WithIndexingDelay for the steps before):
	// "failed" gives indexing_failed with a failedStatusReason naming the
	// fault, "completed" indexing_completed. A fault with Indexing hits
	// only upsertFile requests, and lets them run.
	Indexing string
}

type faultEntry struct {
	Fault
	hits int
}

// InjectFault adds a fault; the returned function removes it.
func (s *Server) InjectFault(f Fault) (remove func()) {
	e := &faultEntry{Fault: f}
	s.mu.Lock()
	s.faults = append(s.faults, e)
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		for i, x := range s.faults {
			if x == e {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
				return
			}
		}
	}
}

// FaultHits returns how many requests the faults have hit so far.
func (s *Server) FaultHits() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, f := range s.faults {
		n += f.hits
	}
	return n
}

// applyFaults runs the faults that hit this request, a request of the Chat
// API when chat is set, whose operation opName names; it reports whether
// one of them answered (or dropped) it, the smallest DropStreamAfter of
// those that hit it (0 for none), and the indexing outcome one forces on
// the file an upsertFile makes ("" for none).
func (s *Server) applyFaults(w http.ResponseWriter, r *http.Request, chat bool, opName func() string) (done bool, dropStreamAfter int, indexing string) {
	s.mu.Lock()
	if len(s.faults) == 0 {
		s.mu.Unlock()
		return false, 0, ""
	}
	op := opName()
	var hit []Fault
	for _, f := range s.faults {
		if f.Chat != chat || (f.Operation != "" && f.Operation != op) {
			continue
		}
		if f.Indexing != "" && (chat || op != "upsertFile") {
			continue
		}
		if f.Times > 0 && f.hits >= f.Times {
			continue
		}
		if f.Rate > 0 && s.rng.Float64() >= f.Rate {
			continue
		}
		f.hits++
		hit = append(hit, f.Fault)
	}
	s.mu.Unlock()
	for _, f := range hit {
		if f.Indexing != "" {
			indexing = f.Indexing
		}
		if f.DropStreamAfter > 0 && (dropStreamAfter == 0 || f.DropStreamAfter < dropStreamAfter) {
			dropStreamAfter = f.DropStreamAfter
		}
		if f.Latency > 0 {
			select {
			case <-time.After(f.Latency):
			case <-r.Context().Done():
				return true, 0, ""
			}
		}
		if f.Drop {
			dropConnection(w)
			return true, 0, ""
		}
		if f.Status != 0 {
			if f.RetryAfter > 0 {
				// Retry-After counts whole seconds; retry-after-ms keeps
				// shorter waits exact for clients that read it.
				w.Header().Set("Retry-After", strconv.Itoa(int((f.RetryAfter+time.Second-1)/time.Second)))
				w.Header().Set("Retry-After-Ms", strconv.FormatInt(f.RetryAfter.Milliseconds(), 10))
			}
			e := errorf(f.Status, faultType(f.Status), "fault injected by bptest")
			if f.ErrorIn200 {
				writeErrorWithStatus(w, http.StatusOK, e)
			} else {
				writeError(w, e)
			}
			return true, 0, ""
		}
	}
	return false, dropStreamAfter, indexing
}

// dropConnection closes the connection of a request without (finishing
// its) answer, as a network failure would.
func dropConnection(w http.ResponseWriter) {
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		conn.Close()
		return
	}
	panic(http.ErrAbortHandler) // no hijacking on HTTP/2: abort the stream
}

// faultType is the error type of a fault's status, as the API would name it.
func faultType(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "InvalidPayload"
	case http.StatusUnauthorized:
		return "Unauthorized"
	case http.StatusForbidden:
		return "Forbidden"
	case http.StatusNotFound:
		return "ResourceNotFound"
	case http.StatusConflict:
		return "AlreadyExists"
	case http.StatusTooManyRequests:
		return "RateLimited"
	}
	return "Internal"
}

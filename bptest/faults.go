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
	// Deltas, on a listenConversation request of the Chat API, changes the
	// message_stream_delta signals (the pieces of streamed replies) its
	// stream carries: DeltasDrop, DeltasReorder or DeltasRepeat. The other
	// signals go through as they are.
	Deltas DeltaFault
	// DropStreamAfterDeltas, on a listenConversation request of the Chat
	// API, drops its stream's connection right after it has carried that
	// many message_stream_delta signals (those that Deltas drops count):
	// the stream is cut mid-reply, as a network failure would cut it; 0
	// means never.
	DropStreamAfterDeltas int
	// Indexing, IndexingCompleted or IndexingFailed, decides how the
	// indexing of the file made by the upsertFile request it hits ends,
	// whatever its content (see WithIndexingDelay for the steps before):
	// "failed" gives indexing_failed with a failedStatusReason naming the
	// fault, "completed" indexing_completed. A fault with Indexing hits
	// only upsertFile requests, and lets them run.
	Indexing string
}

// DeltaFault is how a fault changes the pieces of streamed replies a
// listenConversation stream carries (Fault.Deltas). The pieces are counted
// per stream, across replies.
type DeltaFault string

// The delta faults.
const (
	// DeltasDrop sends every second piece (the 2nd, the 4th ...) never.
	DeltasDrop DeltaFault = "drop"
	// DeltasReorder sends each pair of pieces (the 1st and 2nd, the 3rd and
	// 4th ...) in the reverse order; a piece waiting for its pair goes out
	// before any other signal, and when the stream ends.
	DeltasReorder DeltaFault = "reorder"
	// DeltasRepeat sends every piece twice.
	DeltasRepeat DeltaFault = "repeat"
)

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
// one of them answered (or dropped) it, what they do to a stream (the
// smallest DropStreamAfter and DropStreamAfterDeltas of those that hit it,
// 0 for none, and the last Deltas), and the indexing outcome one forces on
// the file an upsertFile makes ("" for none).
func (s *Server) applyFaults(w http.ResponseWriter, r *http.Request, chat bool, opName func() string) (done bool, sf streamFaults, indexing string) {
	s.mu.Lock()
	if len(s.faults) == 0 {
		s.mu.Unlock()
		return false, sf, ""
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
		if f.DropStreamAfter > 0 && (sf.dropAfter == 0 || f.DropStreamAfter < sf.dropAfter) {
			sf.dropAfter = f.DropStreamAfter
		}
		if f.DropStreamAfterDeltas > 0 && (sf.dropAfterDeltas == 0 || f.DropStreamAfterDeltas < sf.dropAfterDeltas) {
			sf.dropAfterDeltas = f.DropStreamAfterDeltas
		}
		if f.Deltas != "" {
			sf.deltas = f.Deltas
		}
		if f.Latency > 0 {
			select {
			case <-time.After(f.Latency):
			case <-r.Context().Done():
				return true, streamFaults{}, ""
			}
		}
		if f.Drop {
			dropConnection(w)
			return true, streamFaults{}, ""
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
			return true, streamFaults{}, ""
		}
	}
	return false, sf, indexing
}

// streamFaults is what the faults that hit a listenConversation request do
// to its stream.
type streamFaults struct {
	dropAfter       int // Fault.DropStreamAfter
	dropAfterDeltas int // Fault.DropStreamAfterDeltas
	deltas          DeltaFault
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

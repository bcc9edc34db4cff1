package bptest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// listenConversation: a stream of server-sent events, as the Chat API sends
// them. Each signal is one event
//
//	event: message
//	data: {"type":"message_created","data":{...}}
//
// and after every stretch of silence as long as the keep-alive interval
// (WithChatKeepAlive, 30 s by default) the server sends
//
//	event: message
//	data: ping
//
// A stream carries the signals of its conversation, to every listener:
// message_created (the users' messages, and the bot's with isBot true),
// event_created, participant_added, participant_removed, message_deleted.
// It ends when its user is removed from the conversation (the user does not
// get that signal), and, in bptest, when the conversation or the user is
// deleted and when the server closes. Each signal is checked against the
// spec's Signal schema.
//
// The scripted bot's streamed replies (StreamedReply) come as
// message_stream_delta signals, then message_stream_complete and the final
// message's message_created, or message_stream_abort.
//
// Faults: the usual faults of the listenConversation operation (Fault.Chat)
// apply before the stream opens; Fault.DropStreamAfter drops its connection
// after so many signals, Fault.DropStreamAfterDeltas after so many pieces
// of streamed replies (mid-reply), Fault.Deltas drops, reorders or repeats
// those pieces, and DropChatStreams drops every open stream.

// chatStreamBuffer is how many signals a stream holds for a slow reader
// before the server drops it, as a proxy would.
const chatStreamBuffer = 256

// chatHub holds the open streams. Its lock is taken under the server's, to
// publish a signal in the order the state changed, never the other way.
type chatHub struct {
	srv     *Server
	mu      sync.Mutex
	streams map[*chatStream]struct{}
	closed  bool
}

// chatStream is one open listenConversation stream.
type chatStream struct {
	conv, user string // runtime IDs
	signals    chan []byte
	stop       chan struct{} // closed to end the stream
	dropped    bool          // with stop: drop the connection instead of ending it; set under the hub's lock
}

func newChatHub(s *Server) *chatHub {
	return &chatHub{srv: s, streams: map[*chatStream]struct{}{}}
}

// subscribe opens a stream of a conversation for a user.
func (h *chatHub) subscribe(conv, user string) *chatStream {
	st := &chatStream{conv: conv, user: user, signals: make(chan []byte, chatStreamBuffer), stop: make(chan struct{})}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		close(st.stop)
		return st
	}
	h.streams[st] = struct{}{}
	return st
}

// unsubscribe forgets a stream whose handler has returned.
func (h *chatHub) unsubscribe(st *chatStream) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.streams[st]; ok {
		delete(h.streams, st)
		close(st.stop)
	}
}

// stopLocked stops a stream; the hub's lock is held.
func (h *chatHub) stopLocked(st *chatStream, drop bool) {
	if _, ok := h.streams[st]; !ok {
		return
	}
	delete(h.streams, st)
	st.dropped = drop
	close(st.stop)
}

// publish sends a signal to the streams of a runtime conversation, and
// queues it for webhook delivery (chat_webhook.go).
func (h *chatHub) publish(conv string, signal any) {
	data, err := json.Marshal(signal)
	if err != nil {
		h.srv.recordViolation(fmt.Sprintf("signal of conversation %s: encoding: %v", conv, err))
		return
	}
	h.srv.checkSignal(data)
	h.srv.chatWebhook.deliver(conv, data)
	h.mu.Lock()
	defer h.mu.Unlock()
	for st := range h.streams {
		if st.conv != conv {
			continue
		}
		select {
		case st.signals <- data:
		default:
			h.stopLocked(st, true) // too slow a reader
		}
	}
}

// end ends the streams match accepts, after the signals they hold.
func (h *chatHub) end(match func(*chatStream) bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for st := range h.streams {
		if match(st) {
			h.stopLocked(st, false)
		}
	}
}

// dropAll drops the connection of every open stream.
func (h *chatHub) dropAll() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := len(h.streams)
	for st := range h.streams {
		h.stopLocked(st, true)
	}
	return n
}

// close ends every stream and refuses new ones.
func (h *chatHub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for st := range h.streams {
		h.stopLocked(st, false)
	}
}

// count returns how many streams are open.
func (h *chatHub) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.streams)
}

// DropChatStreams drops the connection of every open listenConversation
// stream, as a network failure would, and returns how many it dropped. A
// client should see its stream fail and reconnect.
func (s *Server) DropChatStreams() int { return s.chatHub.dropAll() }

// ChatStreams returns how many listenConversation streams are open.
func (s *Server) ChatStreams() int { return s.chatHub.count() }

// checkSignal checks one signal against the spec's Signal schema, and
// records a violation.
func (s *Server) checkSignal(data []byte) {
	if !s.settings.validate {
		return
	}
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		s.recordViolation(fmt.Sprintf("signal %s: %v", data, err))
		return
	}
	if err := s.chatSpec.signal.VisitJSON(v); err != nil {
		s.recordViolation(fmt.Sprintf("signal %s: %v", data, err))
	}
}

// recordViolation records an answer that broke the spec.
func (s *Server) recordViolation(v string) {
	s.vmu.Lock()
	defer s.vmu.Unlock()
	s.violations = append(s.violations, v)
}

// chatListen serves listenConversation: it checks the caller, opens the
// stream, and writes its signals and keep-alives until it ends.
func (s *Server) chatListen(ctx context.Context, c *chatCall) (int, any, error) {
	s.chatListening.Add(1)
	defer s.chatListening.Add(-1)
	tx, unlock, err := s.chatLock()
	if err != nil {
		return 0, nil, err
	}
	u, conv, err := tx.asParticipant(c.user, c.params["id"], "this")
	if err != nil {
		unlock()
		return 0, nil, err
	}
	// Subscribed under the lock: no signal between the check and the stream is lost.
	st := s.chatHub.subscribe(conv.ID, u.ID)
	unlock()
	defer s.chatHub.unsubscribe(st)
	if isChatWebSocket(c.r) {
		s.chatListenWebSocket(c, st) // chat_ws.go
		return 0, nil, nil
	}

	w := c.w
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	rc := http.NewResponseController(w)
	// A stream lasts longer than the server's read and write timeouts: it
	// is not read from, and each of its writes has a deadline of its own
	// (Timeouts.StreamWrite), so that a client that stops reading is cut
	// at its first write that cannot go out, not held for ever.
	_ = rc.SetReadDeadline(time.Time{})
	writeTimeout := s.settings.timeouts.StreamWrite
	deadline := func() {
		if writeTimeout > 0 {
			_ = rc.SetWriteDeadline(time.Now().Add(writeTimeout))
		} else {
			_ = rc.SetWriteDeadline(time.Time{})
		}
	}
	deadline()
	w.WriteHeader(http.StatusOK)
	if err := rc.Flush(); err != nil {
		return 0, nil, nil
	}
	send := func(data []byte) bool {
		deadline()
		if _, err := fmt.Fprintf(w, "event: message\ndata: %s\n\n", data); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	if s.pumpChatStream(c, st, send, ctx.Done()) == streamDropped {
		dropConnection(w)
	}
	return 0, nil, nil
}

// streamEnd is how pumpChatStream ended.
type streamEnd int

const (
	streamGone    streamEnd = iota // a write failed, or the client went away
	streamDropped                  // cut by a fault, or dropped (DropChatStreams)
	streamEnded                    // ended, the signals sent before it written
)

// pumpChatStream writes the signals of st with send, shaped by its delta
// faults, and a keep-alive ("ping") after each quiet chatKeepAlive, until
// the stream is cut (Fault.DropStreamAfter, DropStreamAfterDeltas: it is
// unsubscribed first, so that ChatStreams no longer counts it once its
// client sees the drop), dropped, ended (the signals sent before still go
// out), a write fails or gone is closed. The SSE and WebSocket transports
// share it; each ends its connection as the result says.
func (s *Server) pumpChatStream(c *chatCall, st *chatStream, send func([]byte) bool, gone <-chan struct{}) streamEnd {
	keepAlive := s.settings.chatKeepAlive
	idle := time.NewTimer(keepAlive)
	defer idle.Stop()
	sent := 0
	shaper := &deltaShaper{faults: c.stream}
	for {
		select {
		case data := <-st.signals:
			out, cut := shaper.shape(data)
			for _, data := range out {
				if !send(data) {
					return streamGone
				}
				sent++
				if c.dropStreamAfter > 0 && sent >= c.dropStreamAfter {
					cut = true
					break
				}
			}
			if cut {
				s.chatHub.unsubscribe(st)
				return streamDropped
			}
			idle.Reset(keepAlive)
		case <-idle.C:
			if !send([]byte("ping")) {
				return streamGone
			}
			idle.Reset(keepAlive)
		case <-st.stop:
			s.chatHub.mu.Lock()
			dropped := st.dropped
			s.chatHub.mu.Unlock()
			if dropped {
				return streamDropped
			}
			for {
				select {
				case data := <-st.signals:
					out, _ := shaper.shape(data)
					for _, data := range out {
						if !send(data) {
							return streamGone
						}
					}
				default:
					if held := shaper.flush(); held != nil {
						send(held)
					}
					return streamEnded
				}
			}
		case <-gone:
			return streamGone
		}
	}
}

// deltaShaper applies a stream's delta faults (Fault.Deltas,
// Fault.DropStreamAfterDeltas) to the signals it carries, and those of
// webhook delivery (ChatWebhook.Deltas, ChatWebhook.DropAfterDeltas) to the
// signals of a conversation (hookShaping, chat_webhook.go).
type deltaShaper struct {
	faults streamFaults
	deltas int    // message_stream_delta signals come so far
	held   []byte // DeltasReorder: a piece waiting for its pair
}

// shape returns the signals to write for one signal, in order, and whether
// to cut the stream after them.
func (d *deltaShaper) shape(data []byte) (out [][]byte, cut bool) {
	if d.faults.deltas == "" && d.faults.dropAfterDeltas == 0 {
		return [][]byte{data}, false
	}
	var head struct {
		Type string `json:"type"`
	}
	if json.Unmarshal(data, &head) != nil || head.Type != "message_stream_delta" {
		if held := d.flush(); held != nil {
			out = append(out, held)
		}
		return append(out, data), false
	}
	d.deltas++
	switch d.faults.deltas {
	case DeltasDrop:
		if d.deltas%2 == 1 {
			out = append(out, data)
		}
	case DeltasReorder:
		if d.held == nil {
			d.held = data
		} else {
			out = append(out, data, d.flush())
		}
	case DeltasRepeat:
		out = append(out, data, data)
	default:
		out = append(out, data)
	}
	return out, d.faults.dropAfterDeltas > 0 && d.deltas >= d.faults.dropAfterDeltas
}

// flush returns the piece held for reordering, if any, and forgets it.
func (d *deltaShaper) flush() []byte {
	held := d.held
	d.held = nil
	return held
}

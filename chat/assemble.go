package chat

import (
	"iter"
	"strings"
	"sync"

	"github.com/botpress-go/sdk/chat/chatgen"
	"github.com/botpress-go/sdk/internal/transport"
)

// Bounds of an Assembler (see Assemble).
const (
	// DefaultMaxStreams is how many streamed replies an Assembler follows at
	// once; past it, the one that grew last the longest ago is forgotten.
	DefaultMaxStreams = 64
	// DefaultMaxStreamBytes bounds the text of one streamed reply, pieces
	// held out of order included.
	DefaultMaxStreamBytes = 1 << 20
	// DefaultMaxPending is how many pieces of one streamed reply an
	// Assembler holds past a missing one before it gives the missing one up.
	DefaultMaxPending = 32
	// DefaultAssembleMemory is how many ended streams and streamed messages
	// an Assembler remembers, to deliver each final message once and to
	// ignore the pieces that come after their stream ended.
	DefaultAssembleMemory = 1024
)

// StreamText is the text of a streamed bot reply so far, as Assemble yields
// it each time the text grows. It is not a signal of the API: Assemble makes
// it from the message_stream_delta signals.
type StreamText struct {
	// StreamID identifies the streamed reply: the final message's
	// MessageCreated carries the same StreamID.
	StreamID string
	// ConversationID and UserID are the conversation and the bot's user, as
	// the pieces give them.
	ConversationID, UserID string
	// Text is the whole text so far: the pieces joined in the order of
	// their sequence numbers, with none missing (but those given up, see
	// Skipped).
	Text string
	// Delta is what this StreamText adds to the previous one of the same
	// stream: Text ends with it.
	Delta string
	// Sequence is the sequence number of the last piece in Text.
	Sequence int64
	// Skipped counts the pieces given up so far: missing while
	// WithMaxPending pieces after them had come. Text lacks them.
	Skipped int64
	// Truncated is true once the text reached WithMaxStreamBytes: it grows
	// no more, and the final message comes as usual.
	Truncated bool
}

// Type returns "stream_text", a type of this package, not of the API.
func (*StreamText) Type() string { return TypeStreamText }

func (*StreamText) signal() {}

// TypeStreamText is the type of a StreamText.
const TypeStreamText = "stream_text"

// AssembleOption configures an Assembler (NewAssembler, Assemble).
type AssembleOption func(*assembleOptions)

type assembleOptions struct {
	maxStreams, maxBytes, maxPending, memory int
	err                                      error
}

// WithMaxStreams sets how many streamed replies an Assembler follows at
// once. Past it, the stream that grew last the longest ago is forgotten: its
// pieces no longer make text, and its final message still comes once.
// Default: DefaultMaxStreams.
func WithMaxStreams(n int) AssembleOption {
	return func(o *assembleOptions) {
		if n < 1 {
			o.err = transport.Errorf("botpress: assemble: invalid stream count %d: must be positive", n)
			return
		}
		o.maxStreams = n
	}
}

// WithMaxStreamBytes bounds, in bytes, the text of one streamed reply and
// the pieces held out of order with it. A piece that would pass it is
// dropped and the text grows no more (StreamText.Truncated); the final
// message still comes. Default: DefaultMaxStreamBytes (1 MiB).
func WithMaxStreamBytes(n int) AssembleOption {
	return func(o *assembleOptions) {
		if n < 1 {
			o.err = transport.Errorf("botpress: assemble: invalid stream size %d: must be positive", n)
			return
		}
		o.maxBytes = n
	}
}

// WithMaxPending sets how many pieces of one streamed reply an Assembler
// holds while one before them is missing (it came out of order, or was
// lost). When that many are held, the missing pieces are given up
// (StreamText.Skipped) and the text goes on: a lost piece holds the text
// back for at most n pieces. Default: DefaultMaxPending.
func WithMaxPending(n int) AssembleOption {
	return func(o *assembleOptions) {
		if n < 1 {
			o.err = transport.Errorf("botpress: assemble: invalid pending count %d: must be positive", n)
			return
		}
		o.maxPending = n
	}
}

// WithAssembleMemory sets how many ended streams and streamed messages an
// Assembler remembers (each a few dozen bytes): a final message seen again
// after that many others, or a piece of a stream that ended that many
// streams ago, is taken for new. Default: DefaultAssembleMemory.
func WithAssembleMemory(n int) AssembleOption {
	return func(o *assembleOptions) {
		if n < 1 {
			o.err = transport.Errorf("botpress: assemble: invalid memory %d: must be positive", n)
			return
		}
		o.memory = n
	}
}

// Assembler turns the signals of streamed bot replies into what an app
// shows: the growing text of each reply, in order, then its final message,
// once. Feed it signals with Add; Assemble does it for an iterator such as
// Listen's. It works on signals from any source (Listen, a webhook
// handler ...), of one conversation or of many, and is safe for concurrent
// use. The zero Assembler is ready, with the default bounds.
//
// What Add gives back, for each signal:
//
//   - *MessageStreamDelta: a *StreamText each time the reply's text grows.
//     The pieces are joined in the order of their sequence numbers, which
//     count up by one from 0 or 1: a piece that comes early is held until
//     those before it came (at most WithMaxPending pieces, then the missing
//     ones are given up), a piece that comes again is ignored, and so is a
//     piece of a stream that has ended. The text starts at the first piece
//     of sequence 0 or 1 to come (a piece 0 that comes after piece 1 is left
//     out of the text; the final message has it), or, when neither comes,
//     at the lowest held once WithMaxPending are.
//   - *MessageStreamComplete: a *MessageCreated of the final message, IsBot
//     set and StreamID the stream's. The stream ends.
//   - *MessageCreated of a streamed message (its metadata has streamId,
//     which StreamID then holds): itself, unless the final message was
//     delivered already (by message_stream_complete, which the server sends
//     first, or by an earlier copy): then nothing. The stream ends. So the
//     final message comes once whichever way it comes: announced by
//     message_stream_complete, or only as message_created (the complete
//     signal lost, as when the stream was cut mid-reply and Listen
//     recovered the message with listMessages).
//   - *MessageStreamAbort: itself; the stream ends, no final message comes.
//   - any other signal, and errors: as they are.
//
// A reply whose pieces were all lost still ends with its final message.
//
// Its memory is bounded: WithMaxStreams streams followed at once, each with
// at most WithMaxStreamBytes of text and WithMaxPending pieces held, and
// WithAssembleMemory IDs remembered.
type Assembler struct {
	mu      sync.Mutex
	opts    assembleOptions
	init    bool
	streams map[string]*assembly
	tick    uint64
	ended   memory // stream IDs
	final   memory // IDs of streamed messages delivered
}

// assembly is one streamed reply being assembled.
type assembly struct {
	id, conv, user string
	started        bool
	next           int64 // sequence of the next piece to append, once started
	text           strings.Builder
	pending        map[int64]string
	size           int // text and pending bytes
	skipped        int64
	truncated      bool
	touched        uint64
}

// NewAssembler returns an Assembler with the given bounds, or an error for
// an invalid one.
func NewAssembler(opts ...AssembleOption) (*Assembler, error) {
	a := &Assembler{}
	transport.Apply(&a.opts, opts)
	if a.opts.err != nil {
		return nil, a.opts.err
	}
	return a, nil
}

// Assemble yields the signals of seq as an Assembler turns them (see
// Assembler): the growing text of each streamed reply as *StreamText, its
// final message once as *MessageCreated, an abort as *MessageStreamAbort,
// and every other signal and error as it is. An invalid option is yielded
// as an error, and nothing else.
//
//	for s, err := range chat.Assemble(c.Listen(ctx, convID)) {
//		...
//	}
func Assemble(seq iter.Seq2[Signal, error], opts ...AssembleOption) iter.Seq2[Signal, error] {
	return func(yield func(Signal, error) bool) {
		a, err := NewAssembler(opts...)
		if err != nil {
			yield(nil, err)
			return
		}
		for s, err := range seq {
			if err != nil || s == nil {
				if !yield(s, err) {
					return
				}
				continue
			}
			for _, out := range a.Add(s) {
				if !yield(out, nil) {
					return
				}
			}
		}
	}
}

func (a *Assembler) setup() {
	if a.init {
		return
	}
	a.init = true
	o := &a.opts
	if o.maxStreams == 0 {
		o.maxStreams = DefaultMaxStreams
	}
	if o.maxBytes == 0 {
		o.maxBytes = DefaultMaxStreamBytes
	}
	if o.maxPending == 0 {
		o.maxPending = DefaultMaxPending
	}
	if o.memory == 0 {
		o.memory = DefaultAssembleMemory
	}
	a.streams = map[string]*assembly{}
	a.ended = newMemory(o.memory)
	a.final = newMemory(o.memory)
}

// Add takes one signal and returns what to deliver for it, in order: none,
// one or more signals (see Assembler). A nil signal gives nothing.
func (a *Assembler) Add(s Signal) []Signal {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.setup()
	switch s := s.(type) {
	case nil:
		return nil
	case *MessageStreamDelta:
		return a.delta(s)
	case *MessageStreamComplete:
		return a.finish(s.StreamID, &MessageCreated{Message: s.Message, IsBot: true, StreamID: s.StreamID})
	case *MessageCreated:
		id := StreamIDOf(s.Message)
		if id == "" {
			return []Signal{s}
		}
		if s.StreamID == "" {
			c := *s
			c.StreamID = id
			s = &c
		}
		return a.finish(id, s)
	case *MessageStreamAbort:
		a.end(s.StreamID)
		return []Signal{s}
	}
	return []Signal{s}
}

// StreamIDOf returns the ID of the stream that made m, from its metadata
// (streamId), or "" for a message that was not streamed.
func StreamIDOf(m chatgen.Message) string {
	if m.Metadata == nil {
		return ""
	}
	id, _ := (*m.Metadata)["streamId"].(string)
	return id
}

// finish ends a stream with its final message m, delivered unless it was.
func (a *Assembler) finish(streamID string, m *MessageCreated) []Signal {
	a.end(streamID)
	if a.final.has(m.Message.ID) {
		return nil
	}
	a.final.add(m.Message.ID)
	return []Signal{m}
}

// end forgets a stream and remembers that it ended.
func (a *Assembler) end(streamID string) {
	delete(a.streams, streamID)
	a.ended.add(streamID)
}

// delta adds a piece to its stream.
func (a *Assembler) delta(d *MessageStreamDelta) []Signal {
	if a.ended.has(d.StreamID) {
		return nil
	}
	st := a.streams[d.StreamID]
	if st == nil {
		if len(a.streams) >= a.opts.maxStreams {
			a.evict()
		}
		st = &assembly{id: d.StreamID, conv: d.ConversationID, user: d.UserID, pending: map[int64]string{}}
		a.streams[d.StreamID] = st
	}
	a.tick++
	st.touched = a.tick
	seq := d.Sequence
	if !st.started && seq <= 1 {
		st.started, st.next = true, seq
		// Pieces held before the start that it makes useless.
		for p, text := range st.pending {
			if p < seq {
				delete(st.pending, p)
				st.size -= len(text)
			}
		}
	}
	if st.truncated || (st.started && seq < st.next) {
		return nil // after the end of the text, or already in it
	}
	if _, ok := st.pending[seq]; ok {
		return nil
	}
	if st.size+len(d.Delta) > a.opts.maxBytes {
		st.truncated = true
		clear(st.pending)
		st.size = st.text.Len()
		return []Signal{st.snapshot("")}
	}
	st.pending[seq] = d.Delta
	st.size += len(d.Delta)
	if !st.started {
		if len(st.pending) < a.opts.maxPending {
			return nil
		}
		st.started, st.next = true, st.lowest()
	}
	var added strings.Builder
	st.drain(&added)
	for len(st.pending) >= a.opts.maxPending {
		// Too many held past a missing piece: give the missing ones up.
		low := st.lowest()
		st.skipped += low - st.next
		st.next = low
		st.drain(&added)
	}
	if added.Len() == 0 {
		return nil
	}
	return []Signal{st.snapshot(added.String())}
}

// lowest returns the lowest sequence held; some are.
func (st *assembly) lowest() int64 {
	low, first := int64(0), true
	for p := range st.pending {
		if first || p < low {
			low, first = p, false
		}
	}
	return low
}

// drain appends the pieces held that follow the text, and adds them to added.
func (st *assembly) drain(added *strings.Builder) {
	for {
		piece, ok := st.pending[st.next]
		if !ok {
			return
		}
		delete(st.pending, st.next)
		st.text.WriteString(piece)
		added.WriteString(piece)
		st.next++
	}
}

// evict forgets the stream that grew last the longest ago.
func (a *Assembler) evict() {
	var old *assembly
	for _, st := range a.streams {
		if old == nil || st.touched < old.touched {
			old = st
		}
	}
	if old != nil {
		delete(a.streams, old.id)
	}
}

func (st *assembly) snapshot(delta string) *StreamText {
	return &StreamText{
		StreamID: st.id, ConversationID: st.conv, UserID: st.user,
		Text: st.text.String(), Delta: delta, Sequence: st.next - 1,
		Skipped: st.skipped, Truncated: st.truncated,
	}
}

// memory remembers the last max IDs added.
type memory struct {
	ids  map[string]struct{}
	ring []string
	at   int
	max  int
}

func newMemory(n int) memory {
	return memory{ids: map[string]struct{}{}, max: n}
}

func (m *memory) has(id string) bool {
	_, ok := m.ids[id]
	return ok
}

func (m *memory) add(id string) {
	if m.has(id) {
		return
	}
	if len(m.ring) < m.max {
		m.ring = append(m.ring, id)
	} else {
		delete(m.ids, m.ring[m.at])
		m.ring[m.at] = id
		m.at = (m.at + 1) % m.max
	}
	m.ids[id] = struct{}{}
}

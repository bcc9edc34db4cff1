package chat_test

import (
	"errors"
	"fmt"
	"iter"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/chat"
	"github.com/botpress-go/sdk/chat/chatgen"
	"github.com/botpress-go/sdk/internal/testutil"
	"github.com/botpress-go/sdk/message"
)

func piece(stream string, seq int64, text string) *chat.MessageStreamDelta {
	d := &chat.MessageStreamDelta{}
	d.StreamID, d.ConversationID, d.UserID, d.Sequence, d.Delta = stream, "conv_1", "bot", seq, text
	d.CreatedAt = "2026-12-07T10:00:00.000Z"
	return d
}

func streamedMessage(id, stream, text string) chatgen.Message {
	md := chatgen.MessageMetadata{"streamId": stream}
	return chatgen.Message{
		ID: id, ConversationID: "conv_1", UserID: "bot", CreatedAt: time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC),
		Payload: message.Text(text), Metadata: &md,
	}
}

func complete(id, stream, text string) *chat.MessageStreamComplete {
	return &chat.MessageStreamComplete{StreamID: stream, Message: streamedMessage(id, stream, text)}
}

func created(id, stream, text string) *chat.MessageCreated {
	return &chat.MessageCreated{Message: streamedMessage(id, stream, text), IsBot: true}
}

// feed adds the signals and returns, in order, a line per signal out:
// "text: ..." for a StreamText, "message: ID" for a MessageCreated,
// "abort: stream" for an abort, the type otherwise.
func feed(t *testing.T, a *chat.Assembler, in ...chat.Signal) []string {
	t.Helper()
	var out []string
	for _, s := range in {
		for _, o := range a.Add(s) {
			out = append(out, describe(o))
		}
	}
	return out
}

func describe(s chat.Signal) string {
	switch s := s.(type) {
	case *chat.StreamText:
		d := fmt.Sprintf("text %s: %q", s.StreamID, s.Text)
		if s.Skipped > 0 {
			d += fmt.Sprintf(" skipped %d", s.Skipped)
		}
		if s.Truncated {
			d += " truncated"
		}
		return d
	case *chat.MessageCreated:
		return fmt.Sprintf("message %s (stream %q)", s.Message.ID, s.StreamID)
	case *chat.MessageStreamAbort:
		return "abort " + s.StreamID
	}
	return s.Type()
}

// In order: the text grows piece by piece, the final message comes once
// (complete, then message_created of the same ID).
func TestAssembleInOrder(t *testing.T) {
	var a chat.Assembler
	out := feed(t, &a,
		piece("s1", 1, "Hel"), piece("s1", 2, "lo, "), piece("s1", 3, "world"),
		complete("m1", "s1", "Hello, world"), created("m1", "s1", "Hello, world"))
	assert.Equal(t, []string{
		`text s1: "Hel"`, `text s1: "Hello, "`, `text s1: "Hello, world"`, `message m1 (stream "s1")`,
	}, out)
}

// Each StreamText says what it adds, and the message carries the payload.
func TestAssembleDeltaAndMessage(t *testing.T) {
	var a chat.Assembler
	out := a.Add(piece("s1", 0, "a"))
	require.Len(t, out, 1)
	st := out[0].(*chat.StreamText)
	assert.Equal(t, "a", st.Delta)
	assert.Equal(t, int64(0), st.Sequence, "sequences may count from 0")
	out = a.Add(piece("s1", 2, "c"))
	assert.Empty(t, out, "held until 1 comes")
	out = a.Add(piece("s1", 1, "b"))
	require.Len(t, out, 1)
	st = out[0].(*chat.StreamText)
	assert.Equal(t, "abc", st.Text)
	assert.Equal(t, "bc", st.Delta)
	assert.Equal(t, int64(2), st.Sequence)
	assert.Equal(t, "conv_1", st.ConversationID)
	assert.Equal(t, chat.TypeStreamText, st.Type())
	out = a.Add(complete("m1", "s1", "abc"))
	require.Len(t, out, 1)
	m := out[0].(*chat.MessageCreated)
	assert.True(t, m.IsBot)
	assert.Equal(t, "s1", m.StreamID)
	assert.Equal(t, message.Text("abc"), m.Message.Payload)
}

// Out of order, the first piece included; repeated; the final message
// once whatever copies come.
func TestAssembleReorderedRepeated(t *testing.T) {
	var a chat.Assembler
	out := feed(t, &a,
		piece("s1", 2, "b"), piece("s1", 1, "a"), piece("s1", 1, "a"), piece("s1", 2, "b"),
		piece("s1", 4, "d"), piece("s1", 4, "d"), piece("s1", 3, "c"), piece("s1", 3, "c"),
		complete("m1", "s1", "abcd"), complete("m1", "s1", "abcd"), created("m1", "s1", "abcd"),
		piece("s1", 5, "late"), created("m1", "s1", "abcd"))
	assert.Equal(t, []string{
		`text s1: "ab"`, `text s1: "abcd"`, `message m1 (stream "s1")`,
	}, out)
}

// Lost pieces: the text waits for a missing piece while fewer than
// WithMaxPending come after it, then gives it up; the final message comes
// anyway. A reply whose pieces are all lost still ends with its message.
func TestAssembleLost(t *testing.T) {
	a, err := chat.NewAssembler(chat.WithMaxPending(2))
	require.NoError(t, err)
	out := feed(t, a,
		piece("s1", 1, "a"), piece("s1", 3, "c"), piece("s1", 4, "d"), piece("s1", 5, "e"),
		piece("s1", 2, "b"), // too late: given up
		complete("m1", "s1", "abcde"), created("m1", "s1", "abcde"),
		complete("m2", "s2", "all lost"), created("m2", "s2", "all lost"))
	assert.Equal(t, []string{
		`text s1: "a"`, `text s1: "acd" skipped 1`, `text s1: "acde" skipped 1`,
		`message m1 (stream "s1")`, `message m2 (stream "s2")`,
	}, out)

	// The first piece lost: the text starts at the lowest held once
	// WithMaxPending are.
	out = feed(t, a, piece("s3", 2, "b"), piece("s3", 3, "c"), piece("s3", 4, "d"))
	assert.Equal(t, []string{`text s3: "bc"`, `text s3: "bcd"`}, out)
}

// The stream cut mid-reply: message_stream_complete never comes, the
// message comes back as a recovered message_created, once; a copy that
// comes after a complete is dropped too.
func TestAssembleRecovered(t *testing.T) {
	var a chat.Assembler
	rec := created("m1", "s1", "ab")
	rec.Recovered = true
	out := feed(t, &a, piece("s1", 1, "a"), rec, piece("s1", 2, "b"), created("m1", "s1", "ab"))
	assert.Equal(t, []string{`text s1: "a"`, `message m1 (stream "s1")`}, out)

	rec = created("m2", "s2", "x")
	rec.Recovered = true
	out = feed(t, &a, complete("m2", "s2", "x"), rec)
	assert.Equal(t, []string{`message m2 (stream "s2")`}, out)
}

// An abort comes as it is, ends the stream, and no message follows.
func TestAssembleAbort(t *testing.T) {
	var a chat.Assembler
	abort := &chat.MessageStreamAbort{}
	abort.StreamID, abort.ConversationID = "s1", "conv_1"
	out := feed(t, &a, piece("s1", 1, "a"), abort, piece("s1", 2, "b"))
	assert.Equal(t, []string{`text s1: "a"`, "abort s1"}, out)
}

// Other signals and messages not streamed pass as they are; streams of
// one conversation or more are told apart by their IDs.
func TestAssembleOthers(t *testing.T) {
	var a chat.Assembler
	plain := &chat.MessageCreated{Message: chatgen.Message{ID: "u1", Payload: message.Text("hi")}}
	ev := &chat.EventCreated{}
	unknown := &chat.UnknownSignal{SignalType: "new_thing"}
	out := a.Add(plain)
	require.Len(t, out, 1)
	assert.Same(t, plain, out[0])
	assert.Equal(t, []chat.Signal{ev}, a.Add(ev))
	assert.Equal(t, []chat.Signal{unknown}, a.Add(unknown))
	assert.Empty(t, a.Add(nil))
	assert.Equal(t, []string{`text s1: "a"`, `text s2: "x"`, `text s1: "ab"`, `text s2: "xy"`},
		feed(t, &a, piece("s1", 1, "a"), piece("s2", 1, "x"), piece("s1", 2, "b"), piece("s2", 2, "y")))
}

// Bounds: a stream's text stops at WithMaxStreamBytes (the message still
// comes); past WithMaxStreams, the stream that grew last the longest ago is
// forgotten; a hostile stream of pieces never ending holds bounded memory.
func TestAssembleBounds(t *testing.T) {
	a, err := chat.NewAssembler(chat.WithMaxStreamBytes(4))
	require.NoError(t, err)
	out := feed(t, a, piece("s1", 1, "abc"), piece("s1", 2, "de"), piece("s1", 3, "f"),
		complete("m1", "s1", "abcdef"))
	assert.Equal(t, []string{`text s1: "abc"`, `text s1: "abc" truncated`, `message m1 (stream "s1")`}, out)

	a, err = chat.NewAssembler(chat.WithMaxStreams(2))
	require.NoError(t, err)
	out = feed(t, a, piece("s1", 1, "a"), piece("s2", 1, "x"), piece("s1", 2, "b"),
		piece("s3", 1, "p"), // forgets s2
		piece("s2", 2, "y"), // s2 anew, held, waiting for its start; forgets s1
		piece("s3", 2, "q"),
		piece("s1", 3, "c"), // s1 anew: held
		complete("m1", "s1", "abc"))
	assert.Equal(t, []string{`text s1: "a"`, `text s2: "x"`, `text s1: "ab"`, `text s3: "p"`, `text s3: "pq"`,
		`message m1 (stream "s1")`}, out)

	// Endless pieces, out of order, of endless streams: memory stays
	// bounded (the pending pieces of one stream by WithMaxPending, the
	// streams by WithMaxStreams, the IDs remembered by WithAssembleMemory).
	a, err = chat.NewAssembler(chat.WithMaxStreams(4), chat.WithMaxPending(8), chat.WithAssembleMemory(16), chat.WithMaxStreamBytes(1<<10))
	require.NoError(t, err)
	for i := range 20_000 {
		stream := fmt.Sprintf("s%d", i%50)
		a.Add(piece(stream, int64(1000+i), strings.Repeat("x", 10)))
		if i%7 == 0 {
			a.Add(complete(fmt.Sprintf("m%d", i), fmt.Sprintf("e%d", i), "x"))
		}
	}
	assert.LessOrEqual(t, chat.AssemblerSize(a), 4*(1<<10)+2*16)
}

// Bad bounds are errors; Assemble yields the error.
func TestAssembleOptionErrors(t *testing.T) {
	for _, o := range []chat.AssembleOption{chat.WithMaxStreams(0), chat.WithMaxStreamBytes(-1), chat.WithMaxPending(0), chat.WithAssembleMemory(0)} {
		_, err := chat.NewAssembler(o)
		require.Error(t, err)
		var n int
		for s, err := range chat.Assemble(func(yield func(chat.Signal, error) bool) { yield(piece("s", 1, "a"), nil) }, o) {
			assert.Nil(t, s)
			assert.ErrorContains(t, err, "assemble")
			n++
		}
		assert.Equal(t, 1, n)
	}
}

// Assemble over an iterator: errors pass, the loop may stop early.
func TestAssembleIterator(t *testing.T) {
	boom := errors.New("boom")
	src := func(yield func(chat.Signal, error) bool) {
		_ = yield(piece("s1", 1, "a"), nil) && yield(nil, boom) && yield(piece("s1", 2, "b"), nil) &&
			yield(complete("m1", "s1", "ab"), nil) && yield(created("m1", "s1", "ab"), nil)
	}
	var got []string
	for s, err := range chat.Assemble(iter.Seq2[chat.Signal, error](src)) {
		if err != nil {
			got = append(got, "error "+err.Error())
			continue
		}
		got = append(got, describe(s))
	}
	assert.Equal(t, []string{`text s1: "a"`, "error boom", `text s1: "ab"`, `message m1 (stream "s1")`}, got)
	n := 0
	for range chat.Assemble(iter.Seq2[chat.Signal, error](src)) {
		n++
		break
	}
	assert.Equal(t, 1, n)
}

// An Assembler is safe for concurrent use (a webhook handler's requests).
func TestAssemblerConcurrent(t *testing.T) {
	var a chat.Assembler
	var wg sync.WaitGroup
	var mu sync.Mutex
	messages := 0
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				stream := fmt.Sprintf("s%d", i%10)
				a.Add(piece(stream, int64(i/10+1), "x"))
				for _, o := range a.Add(complete(fmt.Sprintf("m%d", i%10), stream, "x")) {
					if _, ok := o.(*chat.MessageCreated); ok {
						mu.Lock()
						messages++
						mu.Unlock()
					}
				}
				_ = g
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, 10, messages, "each final message once")
}

// A hostile server streams pieces without end: to a few streams in order
// (their text grows to the bound), and to ever new streams out of order
// (held, then evicted). Listen through Assemble holds a bounded heap.
func TestAssembleHostileServer(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 6,000 signals")
	}
	ctx := guard(t)
	f := newFakeChat(t)
	delta := strings.Repeat("x", 256)
	f.listen = func(w http.ResponseWriter, r *http.Request) {
		fkStreamHeader(w)
		<-f.listed // the first look
		<-f.listed // the recovery
		for i := 0; ; i++ {
			stream, seq := fmt.Sprintf("fixed-%d", i%4), int64(i/8+1)
			if i%2 == 1 {
				stream, seq = fmt.Sprintf("new-%d", i), int64(i%97+2)
			}
			ev := fmt.Sprintf(`{"type":"message_stream_delta","data":{"streamId":%q,"conversationId":"conv_1",`+
				`"userId":"bot_user","createdAt":"2026-08-01T10:00:00.000Z","sequence":%d,"delta":%q}}`, stream, seq, delta)
			if !fkWrite(w, "data: "+ev+"\n\n") {
				return
			}
		}
	}
	c := f.client(t)
	const n = 6_000
	base := testutil.HeapInUse()
	var peak uint64
	consumed := 0
	source := func(yield func(chat.Signal, error) bool) {
		for s, err := range c.Listen(ctx, fkConv, fast()...) {
			if consumed++; consumed == n {
				peak = testutil.HeapInUse() // the assembler holds what it holds
				return
			}
			if !yield(s, err) {
				return
			}
		}
	}
	longest, texts := 0, 0
	for s, err := range chat.Assemble(source, chat.WithMaxStreams(8), chat.WithMaxStreamBytes(4<<10)) {
		require.NoError(t, err)
		if st, ok := s.(*chat.StreamText); ok {
			texts++
			longest = max(longest, len(st.Text))
		}
	}
	require.Equal(t, n, consumed)
	assert.Equal(t, 4<<10, longest, "the fixed streams' text stops at the bound")
	assert.Positive(t, texts)
	grew := int64(peak) - int64(base)
	t.Logf("heap: %d KiB before, %+d KiB after %d signals", base>>10, grew>>10, n)
	assert.Less(t, grew, int64(4<<20), "heap growth")
	noReaderLeft(t)
}

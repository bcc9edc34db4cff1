package chat

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// parseAll returns the events of stream, read through r (as given by
// wrap), and the error that ended it.
func parseAll(stream string, max int, wrap func(io.Reader) io.Reader) ([]string, *sseParser, error) {
	p := newSSEParser(wrap(strings.NewReader(stream)), max)
	var out []string
	for {
		ev, err := p.next()
		if err != nil {
			return out, p, err
		}
		out = append(out, ev.name+"|"+string(ev.data))
	}
}

func TestSSEParser(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []string
		lastID   string
		retry    time.Duration
	}{
		{"one event", "data: hi\n\n", []string{"message|hi"}, "", 0},
		{"multi-line data", "data: a\ndata: b\ndata\ndata:  c\n\n", []string{"message|a\nb\n\n c"}, "", 0},
		{"comments and unknown fields", ": hello\nfoo: bar\ndata: x\n:\n\n", []string{"message|x"}, "", 0},
		{"event name, reset after dispatch", "event: ping\ndata: 1\n\ndata: 2\n\n", []string{"ping|1", "message|2"}, "", 0},
		{"no data: no event", "event: x\n\nid: 3\n\ndata: y\n\n", []string{"message|y"}, "3", 0},
		{"CRLF", "data: a\r\ndata: b\r\n\r\n", []string{"message|a\nb"}, "", 0},
		{"CR", "data: a\rdata: b\r\r", []string{"message|a\nb"}, "", 0},
		{"mixed", "data: a\r\n\ndata: b\r\rdata: c\n\r\n", []string{"message|a", "message|b", "message|c"}, "", 0},
		{"byte-order mark", "\xEF\xBB\xBFdata: a\n\n", []string{"message|a"}, "", 0},
		{"colon in value, no space", "data:{\"a\":1}\n\n", []string{`message|{"a":1}`}, "", 0},
		{"id and retry", "id: 42\nretry: 1500\nretry: soon\nretry: -1\ndata: x\n\n", []string{"message|x"}, "42", 1500 * time.Millisecond},
		{"id with NUL ignored", "id: a\x00b\ndata: x\n\n", []string{"message|x"}, "", 0},
		{"cut short: dropped", "data: a\n\ndata: b\n", []string{"message|a"}, "", 0},
		{"empty", "", nil, "", 0},
	} {
		for _, wrap := range []struct {
			name string
			f    func(io.Reader) io.Reader
		}{{"whole", func(r io.Reader) io.Reader { return r }}, {"byte by byte", iotest.OneByteReader}, {"half", iotest.HalfReader}} {
			t.Run(tc.name+"/"+wrap.name, func(t *testing.T) {
				got, p, err := parseAll(tc.in, 1<<10, wrap.f)
				assert.ErrorIs(t, err, io.EOF)
				assert.Equal(t, tc.want, got)
				assert.Equal(t, tc.lastID, p.lastID)
				assert.Equal(t, tc.retry, p.retry)
			})
		}
	}
}

// A line or an event's data past the bound ends the stream, whatever the
// reads; memory stays bounded.
func TestSSEParserBounds(t *testing.T) {
	for _, in := range []string{
		"data: " + strings.Repeat("x", 200) + "\n\n",
		strings.Repeat("data: xxxxxxxxxx\n", 20) + "\n",
		": " + strings.Repeat("c", 500) + "\n\n",
		strings.Repeat("y", 10_000),
	} {
		_, _, err := parseAll(in, 100, iotest.OneByteReader)
		assert.ErrorIs(t, err, ErrSignalTooLarge)
		_, _, err = parseAll(in, 100, func(r io.Reader) io.Reader { return r })
		assert.ErrorIs(t, err, ErrSignalTooLarge)
	}
	got, _, err := parseAll(strings.Repeat("data: 0123456789\n", 5)+"\n", 100, iotest.OneByteReader)
	assert.ErrorIs(t, err, io.EOF)
	assert.Len(t, got, 1)
}

// A data buffer grown for one large event is let go once it is
// dispatched; a small one is kept for the next events.
func TestSSEParserForgetsLargeBuffers(t *testing.T) {
	big := strings.Repeat("x", 4*sseKeep)
	p := newSSEParser(strings.NewReader("data: "+big+"\n\ndata: small\n\n"), 8*sseKeep)
	ev, err := p.next()
	require.NoError(t, err)
	assert.Len(t, ev.data, len(big))
	assert.Zero(t, cap(p.data), "the large buffer is let go")
	ev, err = p.next()
	require.NoError(t, err)
	assert.Equal(t, "small", string(ev.data))
	assert.NotZero(t, cap(p.data), "a small one is kept")
}

// A read error other than EOF is returned as it is.
func TestSSEParserReadError(t *testing.T) {
	boom := errors.New("boom")
	p := newSSEParser(io.MultiReader(strings.NewReader("data: a\n\ndata: b"), iotest.ErrReader(boom)), 100)
	ev, err := p.next()
	require.NoError(t, err)
	assert.Equal(t, "a", string(ev.data))
	_, err = p.next()
	assert.ErrorIs(t, err, boom)
}

// The parser never panics, never returns an event larger than allowed, and
// reads the same events whatever the reads.
func FuzzSSEParser(f *testing.F) {
	for _, s := range []string{"data: hi\n\n", "event: x\r\ndata: a\rdata: b\r\n\r\n", "\xEF\xBB\xBF:c\nid: 1\nretry: 5\n\n", "data"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		whole, _, errWhole := parseAll(in, 64, func(r io.Reader) io.Reader { return r })
		bytes, _, errBytes := parseAll(in, 64, iotest.OneByteReader)
		assert.Equal(t, whole, bytes)
		assert.Equal(t, errors.Is(errWhole, ErrSignalTooLarge), errors.Is(errBytes, ErrSignalTooLarge))
		for _, ev := range whole {
			_, data, _ := strings.Cut(ev, "|")
			assert.LessOrEqual(t, len(data), 64)
		}
	})
}

// decodeSignal never panics on what a stream may carry.
func FuzzDecodeSignal(f *testing.F) {
	for _, s := range []string{
		`{"type":"message_created","data":{"id":"m","createdAt":"2026-01-01T00:00:00Z","payload":{"type":"text","text":"x"},"userId":"u","conversationId":"c","isBot":true}}`,
		`{"type":"message_created","data":{"id":"m","payload":{"type":"bloc","items":[{"type":"image"}]}}}`,
		`{"type":"event_created","data":{"id":null,"conversationId":"c","payload":{}}}`,
		`{"type":"participant_added","data":{"participantId":"u"}}`,
		`{"type":"x","data":1}`, `ping`, `null`, `{}`, `[]`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		s, err := decodeSignal([]byte(data))
		if err == nil {
			assert.NotNil(t, s)
			assert.NotEmpty(t, s.Type())
		} else {
			assert.ErrorIs(t, err, errMalformedSignal)
		}
	})
}

func TestSeenSet(t *testing.T) {
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := seenSet{ids: map[string]struct{}{}, window: time.Minute, max: 100}
	for i := range 300 {
		at := base.Add(time.Duration(i) * time.Second)
		s.add(fmt.Sprint(i), at)
		s.prune(at)
		assert.LessOrEqual(t, len(s.ids), 100)
		assert.LessOrEqual(t, len(s.queue), 2*100+64, "the queue is compacted")
	}
	// The last minute is kept, what is older is gone.
	assert.True(t, s.has("299"))
	assert.True(t, s.has("239"))
	assert.False(t, s.has("238"))
	assert.Len(t, s.ids, 61)

	// The count bound: the oldest added go first.
	s = seenSet{ids: map[string]struct{}{}, window: time.Hour, max: 10}
	for i := range 25 {
		s.add(fmt.Sprint(i), base)
	}
	s.prune(base)
	assert.Len(t, s.ids, 10)
	assert.True(t, s.has("24"))
	assert.False(t, s.has("14"))
}

func TestStatusInBody(t *testing.T) {
	for body, want := range map[string]int{
		`{"code":404,"message":"x"}`: 404,
		`{"code":599}`:               599,
		`{"code":404.0}`:             404,
		`{"code":"404"}`:             0,
		`{"code":200}`:               0,
		`{"code":600}`:               0,
		`{"user":{"code":404}}`:      0,
		`[{"code":404}]`:             0,
		`not json "code"`:            0,
		`{}`:                         0,
	} {
		assert.Equal(t, want, statusInBody([]byte(body)), body)
	}
}

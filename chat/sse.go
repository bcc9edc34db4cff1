package chat

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"
)

// ErrSignalTooLarge is wrapped by the error that ends a stream when a line
// of it, or the data of one of its events, is longer than WithMaxSignalSize
// allows (default DefaultMaxSignalSize): the stream is dropped, having held
// no more than that. ListenConversation yields it; Listen reconnects (the
// backoff goes on growing: such a stream does not count as one that got
// through) and recovers the messages the stream would have carried.
var ErrSignalTooLarge = errors.New("server-sent event larger than allowed")

// sseEvent is one event of a text/event-stream, as the parser dispatches it.
type sseEvent struct {
	name string // the event field; "message" when none was given
	data []byte // the data lines joined by "\n"
}

// sseParser reads a text/event-stream as the HTML standard describes it:
// lines end with CRLF, LF or CR; a line starting with a colon is a comment;
// a field is "name: value" (one space after the colon dropped) or a bare
// name; data lines accumulate, joined by LF; a blank line dispatches the
// event, unless it has no data; id sets the last event ID (unless it holds
// NUL); retry, all digits, sets the reconnection time; other fields are
// ignored; a byte-order mark at the start is skipped; an event cut short by
// the end of the stream is dropped.
//
// It reads as the bytes come (one Read at a time, never waiting for more
// than it needs) and holds at most max bytes of a line or of an event's
// data, plus its read buffer.
type sseParser struct {
	r          io.Reader
	buf        []byte
	start, end int
	skipLF     bool // the last line ended with CR: a LF next is part of it
	started    bool // past the byte-order mark, if any
	max        int

	name    []byte
	data    []byte
	hasData bool

	// lastID is the last event ID seen; retry the last reconnection time
	// the stream asked for (0: none).
	lastID string
	retry  time.Duration
}

// sseReadSize is the parser's read buffer: small, since a listener holds
// one for as long as it listens and the HTTP transport buffers the
// connection already. A longer line is gathered over several reads.
const sseReadSize = 1024

// sseKeep is the largest data buffer the parser keeps between events; a
// larger one, grown for one large event, is let go once it is dispatched.
const sseKeep = 16 << 10

func newSSEParser(r io.Reader, max int) *sseParser {
	return &sseParser{r: r, buf: make([]byte, sseReadSize), max: max}
}

// next returns the next event, or the error that ended the stream (io.EOF
// when it ended cleanly).
func (p *sseParser) next() (sseEvent, error) {
	for {
		line, err := p.line()
		if err != nil {
			return sseEvent{}, err
		}
		if len(line) == 0 {
			if !p.hasData {
				p.name = p.name[:0]
				continue
			}
			ev := sseEvent{name: "message", data: bytes.Clone(bytes.TrimSuffix(p.data, []byte("\n")))}
			if len(p.name) > 0 {
				ev.name = string(p.name)
			}
			p.name, p.data, p.hasData = p.name[:0], p.data[:0], false
			if cap(p.data) > sseKeep {
				p.data = nil // a large event: not kept for the connection's life
			}
			return ev, nil
		}
		if line[0] == ':' {
			continue // a comment
		}
		field, value := line, []byte(nil)
		if i := bytes.IndexByte(line, ':'); i >= 0 {
			field, value = line[:i], line[i+1:]
			value = bytes.TrimPrefix(value, []byte(" "))
		}
		switch string(field) {
		case "event":
			p.name = append(p.name[:0], value...)
		case "data":
			if len(p.data)+len(value)+1 > p.max {
				return sseEvent{}, fmt.Errorf("%w: data over %d bytes (chat.WithMaxSignalSize)", ErrSignalTooLarge, p.max)
			}
			p.data = append(append(p.data, value...), '\n')
			p.hasData = true
		case "id":
			if bytes.IndexByte(value, 0) < 0 {
				p.lastID = string(value)
			}
		case "retry":
			// ParseUint takes digits only: no sign, no space.
			if ms, err := strconv.ParseUint(string(value), 10, 32); err == nil {
				p.retry = time.Duration(ms) * time.Millisecond
			}
		}
	}
}

// line returns the next line without its end. The slice is valid until the
// next call.
func (p *sseParser) line() ([]byte, error) {
	var long []byte // a line that spans reads
	for {
		if p.start < p.end {
			chunk := p.buf[p.start:p.end]
			if !p.started {
				if len(chunk) < 3 && bytes.HasPrefix([]byte("\xEF\xBB\xBF"), chunk) {
					// Perhaps the start of a byte-order mark: read more.
					if err := p.fill(); err != nil {
						return nil, err
					}
					continue
				}
				p.started = true
				if bytes.HasPrefix(chunk, []byte("\xEF\xBB\xBF")) {
					p.start += 3
					continue
				}
			}
			if p.skipLF {
				p.skipLF = false
				if chunk[0] == '\n' {
					p.start++
					continue
				}
			}
			if i := bytes.IndexAny(chunk, "\r\n"); i >= 0 {
				if len(long)+i > p.max {
					return nil, fmt.Errorf("%w: a line over %d bytes (chat.WithMaxSignalSize)", ErrSignalTooLarge, p.max)
				}
				p.skipLF = chunk[i] == '\r'
				p.start += i + 1
				if long != nil {
					return append(long, chunk[:i]...), nil
				}
				return chunk[:i], nil
			}
			if len(long)+len(chunk) > p.max {
				return nil, fmt.Errorf("%w: a line over %d bytes (chat.WithMaxSignalSize)", ErrSignalTooLarge, p.max)
			}
			long = append(long, chunk...)
			p.start = p.end
		}
		if err := p.fill(); err != nil {
			return nil, err
		}
	}
}

// fill reads once more, keeping what is left unread. It returns the read's
// error once nothing was read.
func (p *sseParser) fill() error {
	if p.start > 0 {
		p.end = copy(p.buf, p.buf[p.start:p.end])
		p.start = 0
	}
	if p.end == len(p.buf) {
		p.buf = append(p.buf, make([]byte, len(p.buf))...) // only for a split byte-order mark
	}
	for {
		n, err := p.r.Read(p.buf[p.end:])
		p.end += n
		if n > 0 {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

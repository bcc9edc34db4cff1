package bptest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Limits are the sizes Botpress Cloud documents for what a request carries.
// A request over a body limit gets 413 PayloadTooLarge, in the API's error
// shape, naming the limit; so does a message whose payload is over
// MessagePayload. A table row over TableRow is refused as the other row
// errors are: createTableRows, updateTableRows and upsertTableRows answer
// 200 with the rows that fit and one line in "errors" for each that does
// not, and an import fails, naming the rows.
//
// Botpress writes the limits in MB and KB; bptest counts them in binary
// units (1 MB = 1,048,576 bytes), as the JSON body parsers of Node
// servers do. A zero field keeps its default (DefaultLimits); a negative
// one turns that limit off. Whatever the limits, WithMaxBodySize stays the
// outer cap of every body, and the content of a file (the PUT to a file's
// uploadUrl, which is not a JSON body) is bounded by it alone.
type Limits struct {
	// RuntimeBody bounds the JSON bodies of the runtime operations
	// (/v1/chat/...), of the Files operations (/v1/files/...) and of the
	// Chat API. Default: 1 MB.
	RuntimeBody int64
	// AdminBody bounds the JSON bodies of the admin operations
	// (/v1/admin/...), and of billing and usage (/v2/...). Default: 50 MB.
	AdminBody int64
	// TablesBody bounds the JSON bodies of the tables operations
	// (/v1/tables/...). Default: 40 MB.
	TablesBody int64
	// MessagePayload bounds the payload of a message, as JSON: the
	// payload field of createMessage, updateMessage and getOrCreateMessage,
	// and of the Chat API's createMessage. Default: 128 KB.
	MessagePayload int64
	// TableRow bounds a table row as it would be stored, its columns as
	// JSON. Default: 4 KB.
	TableRow int64
}

// DefaultLimits are Botpress Cloud's documented limits.
var DefaultLimits = Limits{
	RuntimeBody:    1 << 20,
	AdminBody:      50 << 20,
	TablesBody:     40 << 20,
	MessagePayload: 128 << 10,
	TableRow:       4 << 10,
}

// WithLimits sets the size limits; zero fields keep their defaults, and a
// negative field turns its limit off (see Limits).
func WithLimits(l Limits) Option { return func(s *settings) { s.limits = l } }

// WithoutLimits turns off every size limit of Limits: bodies are then
// bounded by WithMaxBodySize alone, and payloads and table rows not at all.
func WithoutLimits() Option {
	return WithLimits(Limits{RuntimeBody: -1, AdminBody: -1, TablesBody: -1, MessagePayload: -1, TableRow: -1})
}

// resolved returns the limits with defaults in place of zeros.
func (l Limits) resolved() Limits {
	pick := func(v, def int64) int64 {
		if v == 0 {
			return def
		}
		return v
	}
	d := DefaultLimits
	return Limits{
		RuntimeBody:    pick(l.RuntimeBody, d.RuntimeBody),
		AdminBody:      pick(l.AdminBody, d.AdminBody),
		TablesBody:     pick(l.TablesBody, d.TablesBody),
		MessagePayload: pick(l.MessagePayload, d.MessagePayload),
		TableRow:       pick(l.TableRow, d.TableRow),
	}
}

// bodyLimit is the largest body a request may carry, and what the limit is
// called in the error that refuses a larger one.
type bodyLimit struct {
	n    int64
	name string
}

// bodyLimitOf says how large the JSON body of a request at path may be:
// the limit of the operation's area, within WithMaxBodySize. chat is true
// for the Chat API. This is the one place that maps areas to limits.
func (s *Server) bodyLimitOf(path string, chat bool) bodyLimit {
	l := s.settings.limits
	area := bodyLimit{-1, ""}
	switch {
	case chat:
		area = bodyLimit{l.RuntimeBody, "Chat API body limit"}
	case strings.HasPrefix(path, "/v1/chat/"):
		area = bodyLimit{l.RuntimeBody, "runtime body limit"}
	case strings.HasPrefix(path, "/v1/files"):
		area = bodyLimit{l.RuntimeBody, "Files body limit"}
	case strings.HasPrefix(path, "/v1/tables"):
		area = bodyLimit{l.TablesBody, "tables body limit"}
	case strings.HasPrefix(path, "/v1/admin/"), strings.HasPrefix(path, "/v2/"):
		area = bodyLimit{l.AdminBody, "admin body limit"}
	}
	if area.n < 0 || area.n > s.settings.maxBody {
		return bodyLimit{s.settings.maxBody, "server's body limit (WithMaxBodySize)"}
	}
	return area
}

// tooLarge is the 413 of a body, payload or row over a limit.
func tooLarge(what string, size int64, l bodyLimit) *apiError {
	if size < 0 {
		return errorf(http.StatusRequestEntityTooLarge, "PayloadTooLarge", "%s is larger than the %s of %d bytes", what, l.name, l.n)
	}
	return errorf(http.StatusRequestEntityTooLarge, "PayloadTooLarge", "%s of %d bytes is larger than the %s of %d bytes", what, size, l.name, l.n)
}

// messagePayloadOps are the operations whose body's payload field is a
// message's payload.
var messagePayloadOps = map[string]bool{"createMessage": true, "updateMessage": true, "getOrCreateMessage": true}

// checkMessagePayload refuses, with 413, a body of op whose payload is
// over the MessagePayload limit.
func (s *Server) checkMessagePayload(op string, body []byte) *apiError {
	n := s.settings.limits.MessagePayload
	if n < 0 || !messagePayloadOps[op] || int64(len(body)) <= n {
		return nil
	}
	var b struct {
		Payload json.RawMessage `json:"payload"`
	}
	if json.Unmarshal(body, &b) != nil {
		return nil // the spec's validation says why
	}
	if size := int64(len(compactJSON(b.Payload))); size > n {
		return tooLarge("the message payload", size, bodyLimit{n, "message payload limit"})
	}
	return nil
}

// compactJSON is raw without insignificant spaces: a payload's size does not
// depend on how it was indented.
func compactJSON(raw []byte) []byte {
	var buf bytes.Buffer
	if json.Compact(&buf, raw) != nil {
		return raw
	}
	return buf.Bytes()
}

// rowTooLarge says why a row, as it would be stored (its user columns as
// JSON), is over a table row limit of n bytes (negative: none), or nil.
func rowTooLarge(cols map[string]any, n int64) error {
	if n < 0 {
		return nil
	}
	data, err := json.Marshal(cols)
	if err != nil {
		return nil
	}
	if int64(len(data)) > n {
		return fmt.Errorf("row of %d bytes is larger than the table row limit of %d bytes", len(data), n)
	}
	return nil
}

// Large bodies are admitted a few at a time. Reading, validating and
// decoding a body costs a few times its size while its request runs (the
// bytes, the value decoded to validate it, the generated handler's own
// decoding, which buffers the bytes again); ten 50 MB admin bodies handled
// at once would hold gigabytes. A request whose body is over
// largeBodyThreshold therefore waits, before a byte of it is read, until
// the large bodies being handled hold less than largeBodyBudget bytes
// between them (a body larger than the budget waits to be alone). Bodies
// of the runtime, Files and Chat API limits are under the threshold and
// never wait. A body of unknown length (chunked) counts as its limit.
const (
	largeBodyThreshold = 1 << 20
	largeBodyBudget    = 64 << 20
)

// admitBody waits until a body of n bytes (or of unknown length, bounded
// by limit) may be read, and returns the function that releases it once
// the request is done; the wait ends early if the client leaves. After a
// wait, the connection's read and write deadlines start again, so that
// the time spent waiting does not count against the body's reading.
func (s *Server) admitBody(w http.ResponseWriter, r *http.Request, limit int64) (func(), *apiError) {
	n := r.ContentLength
	if n < 0 {
		n = limit
	}
	if n <= largeBodyThreshold || n > limit {
		return func() {}, nil // small, or refused unread
	}
	n = min(n, largeBodyBudget)
	if s.largeBodies.TryAcquire(n) {
		return func() { s.largeBodies.Release(n) }, nil
	}
	s.largeWaiting.Add(1)
	err := s.largeBodies.Acquire(r.Context(), n)
	s.largeWaiting.Add(-1)
	if err != nil {
		return nil, errorf(http.StatusRequestTimeout, "OperationTimeout", "the request ended while waiting to be read: %v", err)
	}
	rc := http.NewResponseController(w)
	if d := s.settings.timeouts.Read; d > 0 {
		_ = rc.SetReadDeadline(time.Now().Add(d))
	}
	if d := s.settings.timeouts.Write; d > 0 {
		_ = rc.SetWriteDeadline(time.Now().Add(d))
	}
	return func() { s.largeBodies.Release(n) }, nil
}

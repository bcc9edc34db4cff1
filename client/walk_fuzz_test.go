package client_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/botpress-go/sdk/client"
	bperrors "github.com/botpress-go/sdk/errors"
	"github.com/botpress-go/sdk/gen"
)

// The walk fuzzer turns its input into a script of pages that a server
// on 127.0.0.1 plays, request after request (cycling when the script is
// shorter than the walk), and walks it with AllMessages. A reference model
// of the paging protocol, run on the same script, says what the walk must
// yield; the fuzzer checks the walk against it and against the walker's
// promises: no panic, a bounded number of requests, an error at most once
// and only as the last element.

// fzwMaxPages bounds the script: more pages add nothing but time.
const fzwMaxPages = 24

// fzwPage is one answer of the script.
type fzwPage struct {
	// raw, when set, is written on the hijacked connection instead of an
	// HTTP answer, which is then closed: a garbled or truncated answer.
	raw    []byte
	status int
	body   []byte
}

func (p fzwPage) String() string {
	if p.raw != nil {
		return fmt.Sprintf("raw %.60q", p.raw)
	}
	return fmt.Sprintf("%d %.80q", p.status, p.body)
}

// fzwReader reads the fuzz input a byte or a chunk at a time; past the end
// it reads zeros.
type fzwReader struct{ data []byte }

func (r *fzwReader) byte() byte {
	if len(r.data) == 0 {
		return 0
	}
	b := r.data[0]
	r.data = r.data[1:]
	return b
}

// chunk reads a length byte, then up to that many bytes (at most 40).
func (r *fzwReader) chunk() []byte {
	n := min(int(r.byte())%41, len(r.data))
	c := r.data[:n]
	r.data = r.data[n:]
	return c
}

// fzwTokens are the tokens a valid page may hand out: "" ends the walk, and
// the few others repeat often.
var fzwTokens = []string{"", "t1", "t2", "t3", "t4"}

// token reads a next page token: one of fzwTokens, or an arbitrary one.
func (r *fzwReader) token() string {
	b := r.byte()
	if int(b)%8 < len(fzwTokens) {
		return fzwTokens[int(b)%8]
	}
	return string(r.chunk())
}

const fzwStamps = `"createdAt":"2026-01-02T03:04:05Z","updatedAt":"2026-01-02T03:04:05Z"`

// fzwMessages returns n valid messages as a JSON array's elements.
func fzwMessages(n int, page int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"msg_%d_%d","type":"text","payload":{"text":"hi"},"direction":"incoming","userId":"user_1","conversationId":"conv_1","tags":{},%s}`, page, i, fzwStamps)
	}
	return b.String()
}

func fzwQuote(s string) string {
	b, _ := json.Marshal(s) // invalid UTF-8 becomes U+FFFD, as any JSON encoder does
	return string(b)
}

// fzwScript decodes the fuzz input into pages.
func fzwScript(data []byte) []fzwPage {
	r := &fzwReader{data: data}
	var pages []fzwPage
	for len(r.data) > 0 && len(pages) < fzwMaxPages {
		kind := r.byte() % 10
		i := len(pages)
		var p fzwPage
		switch kind {
		case 0, 1: // a valid page
			n := int(r.byte()) % 4
			tok := r.token()
			meta := `{"nextToken":` + fzwQuote(tok) + `}`
			if tok == "" && kind == 1 {
				meta = `{}` // the last page may leave nextToken out
			}
			p = fzwPage{status: 200, body: []byte(`{"messages":[` + fzwMessages(n, i) + `],"meta":` + meta + `}`)}
		case 2: // a valid page whose nextToken is of any JSON type
			vals := []string{`null`, `0`, `""`, `[]`, `{}`, `true`, `"t1"`, `"t1\u0000"`}
			p = fzwPage{status: 200, body: []byte(`{"messages":[],"meta":{"nextToken":` + vals[int(r.byte())%len(vals)] + `}}`)}
		case 3: // an error in the API's shape, with any status from 300
			status := 300 + int(r.byte())%300
			p = fzwPage{status: status, body: []byte(`{"id":"err_1","code":` + fmt.Sprint(status) + `,"type":"Internal","message":` + fzwQuote(string(r.chunk())) + `}`)}
		case 4: // any status from 200, any body
			p = fzwPage{status: 200 + int(r.byte())%400, body: r.chunk()}
		case 5: // a success with any body
			p = fzwPage{status: 200, body: r.chunk()}
		case 6: // any JSON-ish item list
			p = fzwPage{status: 200, body: []byte(`{"messages":[` + string(r.chunk()) + `],"meta":{"nextToken":` + fzwQuote(r.token()) + `}}`)}
		case 7: // any meta
			p = fzwPage{status: 200, body: []byte(`{"messages":[],"meta":` + string(r.chunk()) + `}`)}
		// A connection closed without a byte is not in the script:
		// net/http replays a GET that meets one on a reused connection,
		// which would shift the script by a page. These two answers
		// have started, so they are never replayed.
		case 8: // a garbled answer: not HTTP, then the connection closes
			p = fzwPage{raw: append([]byte("garbage\r\n"), r.chunk()...)}
		case 9: // a truncated answer: the body stops short of its length
			body := `{"messages":[` + fzwMessages(1, i) + `],"meta":{}}`
			cut := int(r.byte()) % len(body)
			p = fzwPage{raw: []byte(fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body), body[:cut]))}
		}
		pages = append(pages, p)
	}
	if len(pages) == 0 {
		pages = append(pages, fzwPage{status: 200, body: []byte(`{"messages":[],"meta":{}}`)})
	}
	return pages
}

// fzwOutcome is how a walk ends, as the model predicts it.
type fzwOutcome int

const (
	fzwDone      fzwOutcome = iota // no error
	fzwAPI                         // an *errors.APIError
	fzwMalformed                   // client.ErrMalformedResponse
	fzwRepeated                    // client.ErrRepeatedToken
	fzwTransport                   // a transport error
	fzwEmpty                       // client.ErrEmptyPages
)

var fzwOutcomeNames = []string{"done", "API error", "malformed", "repeated token", "transport error", "too many empty pages"}

// fzwWant is what the walk of a script must give.
type fzwWant struct {
	requests int
	tokens   []*string // the nextToken each request carries; nil for none
	items    int
	outcome  fzwOutcome
	status   int // of the API error
}

// fzwModel plays the paging protocol on the script: fetch a page, yield
// its items, follow its nextToken; stop on the last page, on any failure,
// or on a token given before.
func fzwModel(pages []fzwPage) fzwWant {
	var w fzwWant
	var token *string
	seen := map[string]bool{}
	empty := 0 // empty pages in a row, each with a next token
	for i := 0; ; i++ {
		p := pages[i%len(pages)]
		w.requests++
		w.tokens = append(w.tokens, token)
		if p.raw != nil {
			w.outcome = fzwTransport
			return w
		}
		body := p.body
		if p.status == http.StatusNoContent || p.status == http.StatusNotModified {
			body = nil // no body goes out with these
		}
		if p.status < 200 || p.status > 299 {
			w.outcome, w.status = fzwAPI, p.status
			return w
		}
		// A success must carry a JSON object of the promised shape.
		var page gen.ListMessagesResponse
		trimmed := bytes.TrimSpace(body)
		if len(trimmed) == 0 || trimmed[0] != '{' || json.Unmarshal(trimmed, &page) != nil {
			w.outcome = fzwMalformed
			return w
		}
		if page.Messages == nil {
			// messages, required, is missing or null.
			w.outcome = fzwMalformed
			return w
		}
		w.items += len(page.Messages)
		next := ""
		if page.Meta.NextToken != nil {
			next = *page.Meta.NextToken
		}
		if next == "" {
			return w
		}
		if seen[next] {
			w.outcome = fzwRepeated
			return w
		}
		seen[next] = true
		if len(page.Messages) == 0 {
			empty++
		} else {
			empty = 0
		}
		if empty >= client.DefaultMaxEmptyPages {
			w.outcome = fzwEmpty
			return w
		}
		token = &next
	}
}

// fzwDistinctTokens counts the different non-empty tokens the script can
// hand out: the walk makes at most one request more than that.
func fzwDistinctTokens(pages []fzwPage) int {
	seen := map[string]bool{}
	for _, p := range pages {
		var page gen.ListMessagesResponse
		if p.raw == nil && json.Unmarshal(p.body, &page) == nil && page.Meta.NextToken != nil && *page.Meta.NextToken != "" {
			seen[*page.Meta.NextToken] = true
		}
	}
	return len(seen)
}

// fzwRun is the state of one fuzz iteration, shared with the server.
type fzwRun struct {
	mu      sync.Mutex
	pages   []fzwPage
	limit   int // requests beyond this cancel the walk
	cancel  context.CancelFunc
	tokens  []*string
	serverE []string
}

// fzwServer plays the current run's script.
type fzwServer struct {
	mu  sync.Mutex
	run *fzwRun
}

func (s *fzwServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	run := s.run
	s.mu.Unlock()
	if run == nil {
		http.Error(w, "no run", http.StatusTeapot)
		return
	}
	run.mu.Lock()
	n := len(run.tokens)
	var tok *string
	if q := r.URL.Query(); q.Has("nextToken") {
		v := q.Get("nextToken")
		tok = &v
	}
	run.tokens = append(run.tokens, tok)
	if r.URL.Path != "/v1/chat/messages" || r.Method != http.MethodGet {
		run.serverE = append(run.serverE, fmt.Sprintf("request %d: %s %s", n, r.Method, r.URL.Path))
	}
	if n >= run.limit {
		run.serverE = append(run.serverE, fmt.Sprintf("request %d: more requests than the %d the walk may make", n+1, run.limit))
		run.cancel()
	}
	p := run.pages[n%len(run.pages)]
	run.mu.Unlock()

	if p.raw != nil {
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			panic(err)
		}
		_, _ = buf.Write(p.raw)
		_ = buf.Flush()
		_ = conn.Close()
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(p.status)
	_, _ = w.Write(p.body)
}

// fzwElem is one element a walk yielded.
type fzwElem struct {
	id  string
	err error
}

func FuzzWalk(f *testing.F) {
	enc := func(parts ...any) []byte {
		var b []byte
		for _, p := range parts {
			switch v := p.(type) {
			case int:
				b = append(b, byte(v))
			case string:
				b = append(b, byte(len(v)))
				b = append(b, v...)
			}
		}
		return b
	}
	// Three pages then the end.
	f.Add(enc(0, 2, 1, 0, 3, 2, 1, 1, 0))
	// The same token twice: the walk must stop with ErrRepeatedToken.
	f.Add(enc(0, 1, 1, 0, 1, 1))
	// A server that always answers the same page with a token.
	f.Add(enc(0, 3, 2))
	// A cycle t1 → t2 → t1.
	f.Add(enc(0, 1, 1, 0, 1, 2))
	// An arbitrary token, then an empty string token (the end).
	f.Add(enc(0, 1, 7, "tok with spaces & = ?", 0, 0, 0))
	// Tokens of other JSON types.
	f.Add(enc(2, 0))
	f.Add(enc(2, 3))
	f.Add(enc(2, 6, 2, 6))
	// Error answers after a page: 429, 500, 404, a 3xx.
	f.Add(enc(0, 1, 1, 3, 129, "slow down"))
	f.Add(enc(0, 1, 1, 3, 200, "boom"))
	f.Add(enc(3, 104, "nope"))
	f.Add(enc(3, 7, ""))
	// Any status, any body: 204 with a body, 200 with HTML, 500 with garbage.
	f.Add(enc(4, 4, "{}"))
	f.Add(enc(4, 0, "<html>502 Bad Gateway</html>"))
	f.Add(enc(4, 100, "\xff\xfe"))
	// Successes that are not objects: null, an array, truncated JSON, empty.
	f.Add(enc(5, "null"))
	f.Add(enc(5, "[]"))
	f.Add(enc(5, `{"messages":[`))
	f.Add(enc(5, ""))
	f.Add(enc(5, `  {"messages":null,"meta":null} `))
	f.Add(enc(5, `{"messages":[],"meta":{"nextToken":"t1"}}`))
	// Items of the wrong shape; a null item; meta of the wrong shape.
	f.Add(enc(6, `1,"x"`, 0))
	f.Add(enc(6, `null`, 1))
	f.Add(enc(6, `{"createdAt":"yesterday"}`, 0))
	f.Add(enc(7, `[]`))
	f.Add(enc(7, `{"nextToken":"t1","extra":1}`))
	// A garbled answer and a truncated one, after a good page.
	f.Add(enc(0, 1, 1, 8, "HTTP/1.1 200 OK"))
	f.Add(enc(0, 1, 1, 9, 40))
	f.Add(enc(9, 0))

	srv := &fzwServer{}
	hs := httptest.NewServer(srv)
	f.Cleanup(hs.Close)
	c, err := client.New(
		client.WithToken(testToken),
		client.WithBaseURL(hs.URL),
		client.WithBotID("bot_1"),
		client.WithMaxRetries(0),
		client.WithTimeout(5*time.Second),
		client.WithHTTPClient(&http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}),
	)
	if err != nil {
		f.Fatal(err)
	}

	f.Fuzz(func(t *testing.T, data []byte) {
		pages := fzwScript(data)
		want := fzwModel(pages)
		limit := fzwDistinctTokens(pages) + 1
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		run := &fzwRun{pages: pages, limit: limit, cancel: cancel}
		srv.mu.Lock()
		srv.run = run
		srv.mu.Unlock()
		defer func() {
			srv.mu.Lock()
			srv.run = nil
			srv.mu.Unlock()
		}()

		start := time.Now()
		var elems []fzwElem
		for m, err := range c.AllMessages(ctx, nil) {
			elems = append(elems, fzwElem{m.ID, err})
			if len(elems) > 64*(limit+1) {
				t.Fatalf("the walk yields without end")
			}
		}

		took := time.Since(start)
		run.mu.Lock()
		defer run.mu.Unlock()
		script := func() string {
			var b strings.Builder
			for i, p := range pages {
				fmt.Fprintf(&b, "\n  page %d: %v", i, p)
			}
			return b.String()
		}
		for _, e := range run.serverE {
			t.Errorf("server: %s", e)
		}
		if took > 4*time.Second {
			t.Fatalf("the walk took %v; script:%s", took, script())
		}
		// Terminates: at most one request more than there are tokens.
		if len(run.tokens) > limit {
			t.Fatalf("%d requests for %d distinct tokens; script:%s", len(run.tokens), limit-1, script())
		}
		// An error at most once, and only as the last element, with a
		// zero item.
		var last error
		items := 0
		for i, e := range elems {
			if e.err == nil {
				items++
				continue
			}
			if i != len(elems)-1 {
				t.Fatalf("error %v at element %d of %d: errors must come last", e.err, i, len(elems))
			}
			if e.id != "" {
				t.Fatalf("the error came with an item %q", e.id)
			}
			last = e.err
		}
		// The model and the walk agree.
		if len(run.tokens) != want.requests {
			t.Fatalf("%d requests, the model says %d; script:%s", len(run.tokens), want.requests, script())
		}
		for i, tok := range run.tokens {
			w := want.tokens[i]
			if (tok == nil) != (w == nil) || tok != nil && *tok != *w {
				t.Fatalf("request %d: nextToken %v, the model says %v; script:%s", i, fzwShow(tok), fzwShow(w), script())
			}
		}
		if items != want.items {
			t.Fatalf("%d items, the model says %d; script:%s", items, want.items, script())
		}
		var apiErr *bperrors.APIError
		got := fzwTransport
		switch {
		case last == nil:
			got = fzwDone
		case errors.As(last, &apiErr):
			got = fzwAPI
		case errors.Is(last, client.ErrMalformedResponse):
			got = fzwMalformed
		case errors.Is(last, client.ErrRepeatedToken):
			got = fzwRepeated
		case errors.Is(last, client.ErrEmptyPages):
			got = fzwEmpty
		case errors.Is(last, context.Canceled), errors.Is(last, context.DeadlineExceeded):
			t.Fatalf("the walk ended on its context: %v; script:%s", last, script())
		}
		if got != want.outcome {
			t.Fatalf("the walk ended with %s (%v), the model says %s; script:%s", fzwOutcomeNames[got], last, fzwOutcomeNames[want.outcome], script())
		}
		if got == fzwAPI && apiErr.StatusCode != want.status {
			t.Fatalf("API error with status %d, the server answered %d", apiErr.StatusCode, want.status)
		}
		if last != nil {
			if msg := last.Error(); !strings.HasPrefix(msg, "botpress: ") || strings.Contains(msg, testToken) {
				t.Fatalf("error %q: want the botpress: prefix and no token", msg)
			}
		}
	})
}

func fzwShow(s *string) string {
	if s == nil {
		return "(none)"
	}
	return fmt.Sprintf("%q", *s)
}

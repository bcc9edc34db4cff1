// Package benchserver is a minimal Botpress API for benchmarks: a few
// routes answering precomputed bodies, so that what a benchmark measures is
// the client, not the server. It is not a test double: see package bptest
// for that.
//
// scripts/bench runs it once, as internal/cmd/benchserver, and every client
// it compares (the SDK, bare net/http, the TypeScript client) calls that one
// process; the Go benchmarks find it in $BENCH_SERVER_URL and start it in
// their own process only when that is unset.
package benchserver

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

const ts = `"createdAt":"2026-01-02T03:04:05.000Z","updatedAt":"2026-01-02T03:04:05.000Z"`

// Conversation is the body of getConversation.
var Conversation = []byte(`{"conversation":{"id":"conv_01HZXW3D9P4V7Q2M8K5N6R1T0Y","channel":"channel","integration":"webhook","tags":{"topic":"billing"},` + ts + `}}`)

// Message is the body of createMessage.
var Message = []byte(`{"message":{"id":"msg_01HZXW3D9P4V7Q2M8K5N6R1T0Y","type":"text","payload":{"text":"Hello"},"direction":"outgoing","userId":"user_01HZXW3D9P4V7Q2M8K5N6R1T0Y","conversationId":"conv_01HZXW3D9P4V7Q2M8K5N6R1T0Y","tags":{},` + ts + `}}`)

// RowsPerWrite is how many rows the createTableRows benchmarks send in a
// call, and Rows answers.
const RowsPerWrite = 20

// Rows is the body of createTableRows: RowsPerWrite rows as stored.
var Rows = func() []byte {
	var b strings.Builder
	b.WriteString(`{"rows":[`)
	for i := range RowsPerWrite {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d,"name":"lead %d","email":"lead%d@example.com","score":%d,"computed":{},`+ts+`}`, i+1, i, i, i*7)
	}
	b.WriteString(`],"warnings":[],"errors":[]}`)
	return []byte(b.String())
}()

// Server answers:
//   - GET  /v1/chat/conversations/{id}  with Conversation;
//   - POST /v1/chat/messages            with Message (201), after reading the body;
//   - POST /v1/tables/{table}/rows      with Rows, after reading the body;
//   - GET  /v1/chat/messages            with page nextToken (0 when absent) of a
//     walk of Walks[0] pages of PageSize messages;
//   - GET  /pages/{n}/v1/chat/messages  the same, for a walk of n pages, n one of
//     Walks (a client whose base URL is the server's followed by /pages/{n});
//   - PUT  /v1/files                    with a file record whose uploadUrl is /upload;
//   - PUT  /upload                      by reading and dropping the body.
type Server struct {
	PageSize int
	Walks    []int // the number of pages of each walk served

	pages [][]byte       // the pages of the longest walk
	last  map[int][]byte // the last page of each walk: pages[n-1] without a nextToken
}

// New precomputes the pages of walks of pageSize messages a page, one walk
// for each number of pages given (500 if none is). The first is served at
// /v1/chat/messages, and each at /pages/{n}/v1/chat/messages. Walks share
// their pages, so the memory held is that of the longest.
func New(pageSize int, walks ...int) *Server {
	if len(walks) == 0 {
		walks = []int{500}
	}
	s := &Server{PageSize: pageSize, Walks: walks, last: map[int][]byte{}}
	longest := slices.Max(walks)
	for p := range longest {
		s.pages = append(s.pages, s.page(p, true))
	}
	for _, n := range walks {
		if n > 0 {
			s.last[n] = s.page(n-1, false)
		}
	}
	return s
}

// page is page p of a walk, with a nextToken (p+1) when more is true.
func (s *Server) page(p int, more bool) []byte {
	item := `{"id":"msg_%026d","type":"text","payload":{"text":"message %d"},"direction":"incoming","userId":"user_01HZXW3D9P4V7Q2M8K5N6R1T0Y","conversationId":"conv_01HZXW3D9P4V7Q2M8K5N6R1T0Y","tags":{},` + ts + `}`
	var b strings.Builder
	b.WriteString(`{"messages":[`)
	for i := range s.PageSize {
		if i > 0 {
			b.WriteByte(',')
		}
		n := p*s.PageSize + i
		fmt.Fprintf(&b, item, n, n)
	}
	b.WriteString(`],"meta":{`)
	if more {
		fmt.Fprintf(&b, `"nextToken":"%d"`, p+1)
	}
	b.WriteString(`}}`)
	return []byte(b.String())
}

// Handler serves the routes; base is the server's own URL, used in the
// uploadUrl it hands out.
func (s *Server) Handler(base string) http.Handler {
	upsert := []byte(`{"file":{"id":"file_01HZXW3D9P4V7Q2M8K5N6R1T0Y","botId":"bot_01HZXW3D9P4V7Q2M8K5N6R1T0Y","key":"big.bin","url":"` + base + `/download","uploadUrl":"` + base + `/upload?sig=x","size":null,"contentType":"application/octet-stream","tags":{},"metadata":{},"accessPolicies":[],"index":false,"status":"upload_pending","owner":{"type":"bot"},` + ts + `}}`)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/chat/conversations/{id}", func(w http.ResponseWriter, r *http.Request) {
		write(w, http.StatusOK, Conversation)
	})
	mux.HandleFunc("POST /v1/chat/messages", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		write(w, http.StatusCreated, Message)
	})
	mux.HandleFunc("POST /v1/tables/{table}/rows", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		write(w, http.StatusOK, Rows)
	})
	mux.HandleFunc("GET /v1/chat/messages", func(w http.ResponseWriter, r *http.Request) {
		s.walk(w, r, s.Walks[0])
	})
	mux.HandleFunc("GET /pages/{n}/v1/chat/messages", func(w http.ResponseWriter, r *http.Request) {
		n, err := strconv.Atoi(r.PathValue("n"))
		if err != nil || !slices.Contains(s.Walks, n) {
			write(w, http.StatusNotFound, []byte(`{"code":404,"type":"ResourceNotFound","message":"no walk of that many pages"}`))
			return
		}
		s.walk(w, r, n)
	})
	mux.HandleFunc("PUT /v1/files", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		write(w, http.StatusOK, upsert)
	})
	mux.HandleFunc("PUT /upload", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusOK)
	})
	return mux
}

// walk answers a page of the walk of n pages: page nextToken, 0 when absent.
func (s *Server) walk(w http.ResponseWriter, r *http.Request, n int) {
	p, err := 0, error(nil)
	if t := r.URL.Query().Get("nextToken"); t != "" {
		p, err = strconv.Atoi(t)
	}
	switch {
	case err != nil || p < 0 || p >= n:
		write(w, http.StatusBadRequest, []byte(`{"code":400,"type":"InvalidQuery","message":"bad nextToken"}`))
	case p == n-1:
		write(w, http.StatusOK, s.last[n])
	default:
		write(w, http.StatusOK, s.pages[p])
	}
}

func write(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

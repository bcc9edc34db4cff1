// Package benchserver is a minimal Botpress API for benchmarks: a few
// routes answering precomputed bodies, so that what a benchmark measures is
// the client, not the server. It is not a test double: see package bptest
// for that.
package benchserver

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

const ts = `"createdAt":"2026-01-02T03:04:05.000Z","updatedAt":"2026-01-02T03:04:05.000Z"`

// Conversation is the body of getConversation.
var Conversation = []byte(`{"conversation":{"id":"conv_01HZXW3D9P4V7Q2M8K5N6R1T0Y","channel":"channel","integration":"webhook","tags":{"topic":"billing"},` + ts + `}}`)

// Message is the body of createMessage.
var Message = []byte(`{"message":{"id":"msg_01HZXW3D9P4V7Q2M8K5N6R1T0Y","type":"text","payload":{"text":"Hello"},"direction":"outgoing","userId":"user_01HZXW3D9P4V7Q2M8K5N6R1T0Y","conversationId":"conv_01HZXW3D9P4V7Q2M8K5N6R1T0Y","tags":{},` + ts + `}}`)

// Server answers:
//   - GET  /v1/chat/conversations/{id}  with Conversation;
//   - POST /v1/chat/messages            with Message (201), after reading the body;
//   - GET  /v1/chat/messages            with page nextToken (0 when absent) of Pages
//     pages of PageSize messages;
//   - PUT  /v1/files                    with a file record whose uploadUrl is /upload;
//   - PUT  /upload                      by reading and dropping the body.
type Server struct {
	Pages, PageSize int
	pages           [][]byte
	upsert          []byte
}

// New precomputes the pages of a walk of pages×pageSize messages.
func New(pages, pageSize int) *Server {
	s := &Server{Pages: pages, PageSize: pageSize}
	item := `{"id":"msg_%026d","type":"text","payload":{"text":"message %d"},"direction":"incoming","userId":"user_01HZXW3D9P4V7Q2M8K5N6R1T0Y","conversationId":"conv_01HZXW3D9P4V7Q2M8K5N6R1T0Y","tags":{},` + ts + `}`
	for p := range pages {
		var b strings.Builder
		b.WriteString(`{"messages":[`)
		for i := range pageSize {
			if i > 0 {
				b.WriteByte(',')
			}
			n := p*pageSize + i
			fmt.Fprintf(&b, item, n, n)
		}
		b.WriteString(`],"meta":{`)
		if p+1 < pages {
			fmt.Fprintf(&b, `"nextToken":"%d"`, p+1)
		}
		b.WriteString(`}}`)
		s.pages = append(s.pages, []byte(b.String()))
	}
	return s
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
	mux.HandleFunc("GET /v1/chat/messages", func(w http.ResponseWriter, r *http.Request) {
		p, _ := strconv.Atoi(r.URL.Query().Get("nextToken"))
		if p < 0 || p >= len(s.pages) {
			write(w, http.StatusBadRequest, []byte(`{"code":400,"type":"InvalidQuery","message":"bad nextToken"}`))
			return
		}
		write(w, http.StatusOK, s.pages[p])
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

func write(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

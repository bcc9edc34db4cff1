package client_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/client"
)

// testToken is the bearer token every test client sends.
const testToken = "bp_pat_test-secret-token"

// seen is one request as the test server received it.
type seen struct {
	Method string
	Path   string
	Query  string // raw query string
	Header http.Header
	Body   []byte
}

// server is a test server on 127.0.0.1 that records what it receives and
// answers with handler.
type server struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []seen
}

// newServer starts a recording server; it stops when the test ends.
func newServer(t testing.TB, handler http.HandlerFunc) *server {
	t.Helper()
	s := &server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.reqs = append(s.reqs, seen{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Clone(), body})
		s.mu.Unlock()
		handler(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

// requests returns a copy of what the server has received so far.
func (s *server) requests() []seen {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]seen(nil), s.reqs...)
}

// last returns the last request received, failing the test if none came.
func (s *server) last(t testing.TB) seen {
	t.Helper()
	r := s.requests()
	require.NotEmpty(t, r, "the server received no request")
	return r[len(r)-1]
}

// newClient returns a client for s with the test token, bot "bot_1" and
// fast retries, plus any further options.
func newClient(t testing.TB, s *server, opts ...client.Option) *client.Client {
	t.Helper()
	base := []client.Option{
		client.WithToken(testToken),
		client.WithBaseURL(s.URL),
		client.WithBotID("bot_1"),
		client.WithRetryDelay(time.Millisecond, 5*time.Millisecond),
	}
	c, err := client.New(append(base, opts...)...)
	require.NoError(t, err)
	return c
}

// reply writes a JSON answer with the given status.
func reply(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

package client_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/bptest"
	"github.com/botpress-go/sdk/client"
	bperrors "github.com/botpress-go/sdk/errors"
	"github.com/botpress-go/sdk/gen"
	"github.com/botpress-go/sdk/internal/testutil"
)

// The leak tests check that the token never leaves the requests to the
// API: not in error strings, not in logs, not across a redirect to another
// origin, not to storage, not in panics. The token is a canary that no
// server in these tests ever puts in an answer, so any occurrence outside
// the Authorization header of an API request is the client's doing.

// lkSecret is the secret part of the canary token.
const (
	lkSecret = "lk-CANARY-5b1e0c9d7a3f"
	lkToken  = "bp_pat_" + lkSecret
)

// lkForms are the shapes the token could take where it leaks: as is, its
// secret part alone, in base64 (Basic auth), and as the header value.
var lkForms = []string{
	lkSecret,
	base64.StdEncoding.EncodeToString([]byte(lkToken)),
	base64.StdEncoding.EncodeToString([]byte(":" + lkToken)),
	base64.URLEncoding.EncodeToString([]byte(lkToken)),
	"Bearer " + lkToken,
}

// lkFind returns the first form of the token s contains.
func lkFind(s string) (string, bool) {
	for _, f := range lkForms {
		if strings.Contains(s, f) {
			return f, true
		}
	}
	return "", false
}

// lkCheckText fails the test if s holds the token.
func lkCheckText(t testing.TB, where, s string) {
	t.Helper()
	if f, ok := lkFind(s); ok {
		t.Errorf("the token (as %q) is in %s: %q", f, where, s)
	}
}

// lkCheckErr fails the test if err is nil, or if the token shows in err or
// in any error it wraps: their strings (%v, %+v, %#v) and the fields of
// the SDK's error types.
func lkCheckErr(t testing.TB, err error) {
	t.Helper()
	require.Error(t, err)
	var walk func(e error, depth int)
	walk = func(e error, depth int) {
		if e == nil || depth > 32 {
			return
		}
		lkCheckText(t, "an error string", e.Error())
		lkCheckText(t, "an error printed with %+v", fmt.Sprintf("%+v", e))
		lkCheckText(t, "an error printed with %#v", fmt.Sprintf("%#v", e))
		switch v := e.(type) {
		case *bperrors.APIError:
			lkCheckText(t, "APIError.Header", fmt.Sprint(v.Header))
			lkCheckText(t, "APIError.Body", string(v.Body))
			lkCheckText(t, "APIError fields", fmt.Sprint(v.Message, v.Path, v.Method, v.Operation, v.Metadata))
		case *url.Error:
			lkCheckText(t, "url.Error.URL", v.URL)
		case *client.UploadError:
			lkCheckText(t, "UploadError.File", fmt.Sprintf("%+v", v.File))
		}
		switch u := e.(type) {
		case interface{ Unwrap() error }:
			walk(u.Unwrap(), depth+1)
		case interface{ Unwrap() []error }:
			for _, x := range u.Unwrap() {
				walk(x, depth+1)
			}
		}
	}
	walk(err, 0)
}

// lkCheckRequest fails the test if a request to a host that must not get
// the token carries it anywhere: headers, URL, body.
func lkCheckRequest(t testing.TB, host string, r *http.Request, body []byte) {
	t.Helper()
	r2 := r.Clone(context.Background())
	r2.Body = io.NopCloser(bytes.NewReader(body))
	dump, err := httputil.DumpRequest(r2, true)
	if err != nil {
		t.Errorf("%s: dumping %s %s: %v", host, r.Method, r.URL, err)
	}
	if f, ok := lkFind(string(dump)); ok {
		t.Errorf("%s got the token (as %q) in %s %s:\n%s", host, f, r.Method, r.URL, dump)
	}
	for _, h := range []string{"Authorization", "Proxy-Authorization", "Cookie"} {
		if v := r.Header.Values(h); len(v) > 0 {
			t.Errorf("%s got %s %s with a %s header: %q", host, r.Method, r.URL, h, v)
		}
	}
}

// lkSentToken fails the test unless the API server got the token: a test
// where it did not would prove nothing.
func lkSentToken(t testing.TB, s *server) {
	t.Helper()
	reqs := s.requests()
	require.NotEmpty(t, reqs, "the API got no request")
	for _, r := range reqs {
		assert.Equal(t, "Bearer "+lkToken, r.Header.Get("Authorization"), "%s %s", r.Method, r.Path)
	}
}

// lkClient is a client of base with the canary token and fast retries.
func lkClient(t testing.TB, base string, opts ...client.Option) *client.Client {
	t.Helper()
	c, err := client.New(append([]client.Option{
		client.WithToken(lkToken),
		client.WithBaseURL(base),
		client.WithBotID("bot_1"),
		client.WithRetryDelay(time.Millisecond, 2*time.Millisecond),
	}, opts...)...)
	require.NoError(t, err)
	return c
}

const lkStamps = `"createdAt":"2026-01-02T03:04:05Z","updatedAt":"2026-01-02T03:04:05Z"`

func lkUserJSON(id string) string {
	return fmt.Sprintf(`{"user":{"id":%q,"tags":{},%s}}`, id, lkStamps)
}

// lkHijack answers with raw bytes on the bare connection, then closes it.
func lkHijack(raw string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			panic(err)
		}
		_, _ = buf.WriteString(raw)
		_ = buf.Flush()
		_ = conn.Close()
	}
}

// lkBlock holds the request until the client gives up on it.
func lkBlock(w http.ResponseWriter, r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-time.After(5 * time.Second):
	}
}

// lkCancelOnArrival, as a case's handler, stands for a handler that cancels
// the call's context when the request arrives (TestLeakErrorStrings makes it).
var lkCancelOnArrival http.HandlerFunc

func lkGetUser(ctx context.Context, c *client.Client, opts ...client.Option) error {
	_, err := c.GetUser(ctx, "usr_1", opts...)
	return err
}

// TestLeakErrorStrings goes through every kind of error a call can end
// with, and checks that none of them carries the token.
func TestLeakErrorStrings(t *testing.T) {
	bg := context.Background()
	isAPI := func(status int) func(t *testing.T, err error) {
		return func(t *testing.T, err error) {
			var apiErr *bperrors.APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, status, apiErr.StatusCode)
		}
	}
	isTransport := func(t *testing.T, err error) {
		var apiErr *bperrors.APIError
		assert.False(t, errors.As(err, &apiErr), "not an API error: %v", err)
		assert.NotErrorIs(t, err, client.ErrMalformedResponse)
	}
	isErr := func(target error) func(t *testing.T, err error) {
		return func(t *testing.T, err error) { assert.ErrorIs(t, err, target) }
	}
	cases := []struct {
		name    string
		handler http.HandlerFunc
		opts    []client.Option
		call    func(ctx context.Context, c *client.Client) error
		check   func(t *testing.T, err error)
	}{
		{"api error 404", func(w http.ResponseWriter, r *http.Request) {
			reply(w, 404, `{"id":"err_1","code":404,"type":"ResourceNotFound","message":"User usr_1 not found"}`)
		}, nil, func(ctx context.Context, c *client.Client) error { return lkGetUser(ctx, c) }, isAPI(404)},
		{"api error 401", func(w http.ResponseWriter, r *http.Request) {
			reply(w, 401, `{"id":"err_2","code":401,"type":"Unauthorized","message":"Invalid token"}`)
		}, nil, func(ctx context.Context, c *client.Client) error { return lkGetUser(ctx, c) }, isAPI(401)},
		{"api error 503 after retries", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After-Ms", "1")
			reply(w, 503, `{"type":"Internal","message":"try later"}`)
		}, nil, func(ctx context.Context, c *client.Client) error { return lkGetUser(ctx, c) }, isAPI(503)},
		{"api error 502 from a proxy", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(502)
			_, _ = io.WriteString(w, "<html><body><h1>502 Bad Gateway</h1></body></html>")
		}, []client.Option{client.WithMaxRetries(0)}, func(ctx context.Context, c *client.Client) error { return lkGetUser(ctx, c) }, isAPI(502)},
		{"api error on a write", func(w http.ResponseWriter, r *http.Request) {
			reply(w, 409, `{"type":"AlreadyExists","message":"exists","metadata":{"field":"tags"}}`)
		}, nil, func(ctx context.Context, c *client.Client) error {
			_, err := c.CreateUser(ctx, gen.CreateUserJSONRequestBody{Tags: map[string]string{"k": "v"}})
			return err
		}, isAPI(409)},
		{"malformed answer", func(w http.ResponseWriter, r *http.Request) {
			reply(w, 200, "not json at all")
		}, nil, func(ctx context.Context, c *client.Client) error { return lkGetUser(ctx, c) }, isErr(client.ErrMalformedResponse)},
		{"malformed answer of the wrong type", func(w http.ResponseWriter, r *http.Request) {
			reply(w, 200, `{"user":"usr_1"}`)
		}, nil, func(ctx context.Context, c *client.Client) error { return lkGetUser(ctx, c) }, isErr(client.ErrMalformedResponse)},
		{"malformed page", func(w http.ResponseWriter, r *http.Request) {
			reply(w, 200, `[]`)
		}, nil, func(ctx context.Context, c *client.Client) error {
			_, err := client.Collect(c.AllUsers(ctx, nil), 0)
			return err
		}, isErr(client.ErrMalformedResponse)},
		{"repeated page token", func(w http.ResponseWriter, r *http.Request) {
			reply(w, 200, `{"users":[],"meta":{"nextToken":"again"}}`)
		}, nil, func(ctx context.Context, c *client.Client) error {
			_, err := client.Collect(c.AllUsers(ctx, nil), 0)
			return err
		}, isErr(client.ErrRepeatedToken)},
		{"dropped connection", lkHijack(""), nil,
			func(ctx context.Context, c *client.Client) error { return lkGetUser(ctx, c) }, isTransport},
		{"dropped connection on a write", lkHijack(""), nil, func(ctx context.Context, c *client.Client) error {
			_, err := c.CreateUser(ctx, gen.CreateUserJSONRequestBody{Tags: map[string]string{}})
			return err
		}, isTransport},
		{"garbled answer", lkHijack("garbage\r\n\r\n"), nil,
			func(ctx context.Context, c *client.Client) error { return lkGetUser(ctx, c) }, isTransport},
		{"truncated answer", lkHijack("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"user\":"), nil,
			func(ctx context.Context, c *client.Client) error { return lkGetUser(ctx, c) }, isTransport},
		{"attempt timeout", lkBlock, []client.Option{client.WithTimeout(20 * time.Millisecond), client.WithMaxRetries(1)},
			func(ctx context.Context, c *client.Client) error { return lkGetUser(ctx, c) }, isErr(context.DeadlineExceeded)},
		{"context deadline", lkBlock, nil, func(ctx context.Context, c *client.Client) error {
			ctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
			defer cancel()
			return lkGetUser(ctx, c)
		}, isErr(context.DeadlineExceeded)},
		// The two cancellations come from the server's handler, once the
		// request has arrived: the call is then surely in flight.
		{"context canceled", lkCancelOnArrival, nil, func(ctx context.Context, c *client.Client) error {
			return lkGetUser(ctx, c)
		}, isErr(context.Canceled)},
		{"context canceled in a walk", lkCancelOnArrival, nil, func(ctx context.Context, c *client.Client) error {
			_, err := client.Collect(c.AllUsers(ctx, nil), 0)
			return err
		}, isErr(context.Canceled)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(bg)
			defer cancel()
			handler := tc.handler
			if handler == nil {
				// lkCancelOnArrival: cancel the call's context from the
				// server, then hold the request until the client gives up.
				handler = func(w http.ResponseWriter, r *http.Request) {
					cancel()
					lkBlock(w, r)
				}
			}
			s := newServer(t, handler)
			c := lkClient(t, s.URL, tc.opts...)
			err := tc.call(ctx, c)
			lkCheckErr(t, err)
			tc.check(t, err)
			if errors.Is(err, context.DeadlineExceeded) {
				// A deadline may pass before the request is written: check
				// only what was sent, if anything.
				for _, r := range s.requests() {
					assert.Equal(t, "Bearer "+lkToken, r.Header.Get("Authorization"))
				}
				return
			}
			lkSentToken(t, s)
		})
	}

	// Errors that come before anything is sent.
	t.Run("before sending", func(t *testing.T) {
		s := newServer(t, func(w http.ResponseWriter, r *http.Request) { reply(w, 200, lkUserJSON("usr_1")) })
		c := lkClient(t, s.URL)
		var errs []error
		add := func(err error, target error) {
			t.Helper()
			if target != nil {
				assert.ErrorIs(t, err, target)
			}
			errs = append(errs, err)
		}
		_, err := c.GetUser(bg, "")
		add(err, client.ErrMissingArgument)
		_, err = c.GetUser(bg, "..")
		add(err, client.ErrInvalidArgument)
		_, err = c.ListActivities(bg, nil)
		add(err, client.ErrMissingArgument)
		_, err = c.ListInvoices(bg, nil)
		add(err, client.ErrMissingArgument) // no x-workspace-id
		_, err = client.Collect(c.AllActivities(bg, nil), 0)
		add(err, client.ErrMissingArgument)
		//nolint:staticcheck // a nil context on purpose
		_, err = c.GetUser(nil, "usr_1")
		add(err, nil)
		// Invalid options on a call, one of them a token that cannot go in
		// a header.
		_, err = c.GetUser(bg, "usr_1", client.WithToken(lkToken+"\r\nX-Injected: 1"))
		add(err, nil)
		_, err = c.GetUser(bg, "usr_1", client.WithTimeout(-time.Second))
		add(err, nil)
		_, err = c.GetUser(bg, "usr_1", client.WithBaseURL("ftp://example.com"))
		add(err, nil)
		_, err = c.GetUser(bg, "usr_1", client.WithHTTPClient(nil))
		add(err, nil)
		// New with the token and an invalid setting.
		for _, opts := range [][]client.Option{
			{client.WithToken(lkToken), client.WithBaseURL("::not a url")},
			{client.WithToken(lkToken + "\x00")},
			{client.WithToken(lkToken), client.WithMaxRetries(-1)},
			{client.WithToken(lkToken), client.WithIdempotent()},
			{client.WithToken(lkToken), client.WithHeader("X-Bad", "a\nb")},
		} {
			_, err := client.New(opts...)
			add(err, nil)
		}
		for _, err := range errs {
			lkCheckErr(t, err)
		}
		assert.Empty(t, s.requests(), "nothing is sent")
	})

	t.Run("connection refused", func(t *testing.T) {
		dead := httptest.NewServer(http.NotFoundHandler())
		dead.Close()
		c := lkClient(t, dead.URL)
		lkCheckErr(t, lkGetUser(bg, c))
		_, err := client.Collect(c.AllUsers(bg, nil), 0)
		lkCheckErr(t, err)
	})

	t.Run("upload and download", func(t *testing.T) {
		env := lkNewFiles(t)
		c := lkClient(t, env.api.URL)
		dir := t.TempDir()
		var errs []error
		upload := func(content client.FileContent, step string) {
			t.Helper()
			_, err := c.UploadFile(bg, gen.UpsertFileJSONRequestBody{Key: "a.txt"}, content)
			var ue *client.UploadError
			if assert.ErrorAs(t, err, &ue) {
				assert.Equal(t, step, ue.Step, "%v", err)
			}
			errs = append(errs, err)
		}
		// Reading the content fails.
		upload(client.FileFromPath(filepath.Join(dir, "missing.txt")), client.UploadStepRead)
		upload(client.FileFromPath(dir), client.UploadStepRead)
		upload(client.FileFromReader(strings.NewReader("x"), -1), client.UploadStepRead)
		upload(client.FileContent{}, client.UploadStepRead)
		upload(client.FileFromURL("ftp://example.com/a.txt"), client.UploadStepRead)
		upload(client.FileFromURL(env.storage.URL+"/missing?sig=1"), client.UploadStepRead)
		dead := httptest.NewServer(http.NotFoundHandler())
		dead.Close()
		upload(client.FileFromURL(dead.URL+"/a.txt"), client.UploadStepRead)
		// upsertFile fails.
		env.set(func(e *lkFiles) { e.upsertStatus = 403 })
		upload(client.FileFromBytes([]byte("hello")), client.UploadStepUpsert)
		env.set(func(e *lkFiles) { e.upsertStatus = 0; e.noUploadURL = true })
		upload(client.FileFromBytes([]byte("hello")), client.UploadStepPut)
		// The storage PUT fails: refused, dropped, an error answer.
		env.set(func(e *lkFiles) { e.noUploadURL = false; e.uploadBase = dead.URL })
		upload(client.FileFromBytes([]byte("hello")), client.UploadStepPut)
		env.set(func(e *lkFiles) { e.uploadBase = ""; e.putStatus = 403 })
		upload(client.FileFromBytes([]byte("hello")), client.UploadStepPut)
		env.set(func(e *lkFiles) { e.putStatus = -1 }) // dropped
		upload(client.FileFromBytes([]byte("hello")), client.UploadStepPut)
		// Canceled while uploading.
		env.set(func(e *lkFiles) { e.putStatus = 0; e.putDelay = time.Second })
		ctx, cancel := context.WithTimeout(bg, 30*time.Millisecond)
		_, err := c.UploadFile(ctx, gen.UpsertFileJSONRequestBody{Key: "a.txt"}, client.FileFromBytes([]byte("hello")))
		cancel()
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		errs = append(errs, err)
		env.set(func(e *lkFiles) { e.putDelay = 0 })
		// Downloads that fail.
		_, err = c.DownloadURL(bg, env.storage.URL+"/missing?sig=1", io.Discard)
		errs = append(errs, err)
		_, err = c.DownloadURL(bg, dead.URL+"/a.txt", io.Discard)
		errs = append(errs, err)
		_, err = c.DownloadFile(bg, "file_missing", io.Discard)
		errs = append(errs, err)
		for _, err := range errs {
			lkCheckErr(t, err)
		}
		lkSentToken(t, env.api)
	})
}

// lkFiles is an API that answers upsertFile and getFile, and a storage
// host that fails the test when a request to it carries the token.
type lkFiles struct {
	t       testing.TB
	api     *server
	storage *httptest.Server

	mu           sync.Mutex
	upsertStatus int    // answer upsertFile with this error status
	noUploadURL  bool   // answer upsertFile without uploadUrl
	uploadBase   string // where uploadUrl points; the storage when ""
	putStatus    int    // answer the PUT with this status; -1 drops it
	putFails     int    // answer this many PUTs with 503 first
	putDelay     time.Duration
	redirectTo   string // answer PUTs and GETs with a 307 to this base
	blobs        map[string][]byte
	puts         int
}

func (e *lkFiles) set(f func(e *lkFiles)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	f(e)
}

func lkNewFiles(t testing.TB) *lkFiles {
	e := &lkFiles{t: t, blobs: map[string][]byte{"/src/data.bin": []byte("source data")}}
	e.api = newServer(t, e.serveAPI)
	e.storage = httptest.NewServer(http.HandlerFunc(e.serveStorage))
	t.Cleanup(e.storage.Close)
	return e
}

func (e *lkFiles) fileJSON(key, contentType string, size any) map[string]any {
	e.mu.Lock()
	defer e.mu.Unlock()
	base := e.uploadBase
	if base == "" {
		base = e.storage.URL
	}
	upload := base + "/up/" + key + "?X-Amz-Signature=sig-1"
	if e.noUploadURL {
		upload = ""
	}
	return map[string]any{
		"id": "file_" + key, "botId": "bot_1", "key": key, "contentType": contentType,
		"size": size, "tags": map[string]any{}, "metadata": map[string]any{},
		"status": "upload_pending", "index": false, "accessPolicies": []any{},
		"owner":     map[string]any{"type": "bot", "id": "bot_1"},
		"createdAt": "2026-01-02T03:04:05Z", "updatedAt": "2026-01-02T03:04:05Z",
		"url": e.storage.URL + "/up/" + key + "?X-Amz-Signature=sig-2", "uploadUrl": upload,
	}
}

func (e *lkFiles) serveAPI(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	status := e.upsertStatus
	e.mu.Unlock()
	switch {
	case r.Method == http.MethodPut && r.URL.Path == "/v1/files":
		if status != 0 {
			reply(w, status, `{"type":"Forbidden","message":"no files for you"}`)
			return
		}
		var body struct {
			Key         string  `json:"key"`
			ContentType string  `json:"contentType"`
			Size        float64 `json:"size"`
		}
		reqs := e.api.requests()
		if err := json.Unmarshal(reqs[len(reqs)-1].Body, &body); err != nil {
			reply(w, 400, `{"type":"InvalidPayload","message":"not JSON"}`)
			return
		}
		if body.ContentType == "" {
			body.ContentType = "application/octet-stream"
		}
		out, _ := json.Marshal(map[string]any{"file": e.fileJSON(body.Key, body.ContentType, body.Size)})
		reply(w, 200, string(out))
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/v1/files/file_"):
		key := strings.TrimPrefix(r.URL.Path, "/v1/files/file_")
		e.mu.Lock()
		_, ok := e.blobs["/up/"+key]
		e.mu.Unlock()
		if !ok {
			reply(w, 404, `{"type":"ResourceNotFound","message":"File not found"}`)
			return
		}
		out, _ := json.Marshal(map[string]any{"file": e.fileJSON(key, "text/plain", 3)})
		reply(w, 200, string(out))
	default:
		reply(w, 404, `{"type":"ResourceNotFound","message":"no such route"}`)
	}
}

func (e *lkFiles) serveStorage(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	lkCheckRequest(e.t, "storage", r, body)
	e.mu.Lock()
	redirect, status, delay := e.redirectTo, e.putStatus, e.putDelay
	fail := e.putFails > 0
	if r.Method == http.MethodPut {
		e.puts++
		if fail {
			e.putFails--
		}
	}
	e.mu.Unlock()
	if redirect != "" {
		http.Redirect(w, r, redirect+r.URL.RequestURI(), http.StatusTemporaryRedirect)
		return
	}
	switch r.Method {
	case http.MethodPut:
		if delay > 0 {
			select {
			case <-r.Context().Done():
				return
			case <-time.After(delay):
			}
		}
		switch {
		case status == -1:
			lkHijack("")(w, r)
		case status != 0:
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(status)
			_, _ = io.WriteString(w, `<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>`)
		case fail:
			w.WriteHeader(http.StatusServiceUnavailable)
		default:
			e.mu.Lock()
			e.blobs[r.URL.Path] = body
			e.mu.Unlock()
			w.WriteHeader(http.StatusOK)
		}
	case http.MethodGet:
		e.mu.Lock()
		data, ok := e.blobs[r.URL.Path]
		e.mu.Unlock()
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `<Error><Code>NoSuchKey</Code></Error>`)
			return
		}
		if r.URL.Query().Get("chunked") == "" {
			w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		}
		_, _ = w.Write(data)
	default:
		w.WriteHeader(http.StatusMethodNotAllowed)
	}
}

// TestLeakStorage uploads and downloads in every way the client can, with
// retries and a redirect, to a storage host that fails the test if the
// token reaches it in a header, the URL or the body.
func TestLeakStorage(t *testing.T) {
	bg := context.Background()
	env := lkNewFiles(t)
	c := lkClient(t, env.api.URL,
		client.WithWorkspaceID("ws_1"), client.WithIntegrationID("int_1"), client.WithHeader("X-Custom", "v"))
	path := filepath.Join(t.TempDir(), "page.html")
	require.NoError(t, os.WriteFile(path, []byte("<p>hi</p>"), 0o600))
	public := true
	uploads := []struct {
		name    string
		content client.FileContent
		want    string
		opts    []client.Option
	}{
		{"bytes", client.FileFromBytes([]byte("bytes")), "bytes", nil},
		{"path", client.FileFromPath(path), "<p>hi</p>", nil},
		{"reader", client.FileFromReader(strings.NewReader("reader"), 6), "reader", nil},
		{"url", client.FileFromURL(env.storage.URL + "/src/data.bin"), "source data", nil},
		{"url-chunked", client.FileFromURL(env.storage.URL + "/src/data.bin?chunked=1"), "source data", nil},
		{"per-call-token", client.FileFromBytes([]byte("other")), "other", []client.Option{client.WithToken(lkToken)}},
		{"empty", client.FileFromBytes(nil), "", nil},
	}
	for _, u := range uploads {
		body := gen.UpsertFileJSONRequestBody{Key: u.name, PublicContentImmediatelyAccessible: &public}
		file, err := c.UploadFile(bg, body, u.content, u.opts...)
		require.NoError(t, err, u.name)
		assert.Equal(t, "file_"+u.name, file.ID)
		env.mu.Lock()
		assert.Equal(t, u.want, string(env.blobs["/up/"+u.name]), u.name)
		env.mu.Unlock()
	}

	// A PUT that fails twice with 503, then succeeds: every attempt is
	// checked.
	env.set(func(e *lkFiles) { e.putFails, e.puts = 2, 0 })
	_, err := c.UploadFile(bg, gen.UpsertFileJSONRequestBody{Key: "retried"}, client.FileFromBytes([]byte("again")))
	require.NoError(t, err)
	env.mu.Lock()
	assert.Equal(t, 3, env.puts, "two retries")
	env.mu.Unlock()

	// Downloads, by ID and by URL.
	var out bytes.Buffer
	_, err = c.DownloadFile(bg, "file_bytes", &out)
	require.NoError(t, err)
	assert.Equal(t, "bytes", out.String())
	out.Reset()
	_, err = c.DownloadURL(bg, env.storage.URL+"/up/path?X-Amz-Signature=s", &out)
	require.NoError(t, err)
	assert.Equal(t, "<p>hi</p>", out.String())

	// Storage that redirects to another storage host: neither sees the token.
	other := lkNewFiles(t)
	env.set(func(e *lkFiles) { e.redirectTo = other.storage.URL })
	_, err = c.UploadFile(bg, gen.UpsertFileJSONRequestBody{Key: "moved"}, client.FileFromBytes([]byte("moved")))
	require.NoError(t, err)
	other.mu.Lock()
	assert.Equal(t, "moved", string(other.blobs["/up/moved"]), "the PUT followed the redirect")
	other.mu.Unlock()
	out.Reset()
	_, err = c.DownloadURL(bg, env.storage.URL+"/up/moved?X-Amz-Signature=s", &out)
	require.NoError(t, err)
	assert.Equal(t, "moved", out.String())

	lkSentToken(t, env.api)
}

// TestLeakDebugLogs runs calls that are retried (429 with Retry-After, 503,
// dropped connections, attempt timeouts), that fail, and that upload and
// download, against bptest, with a JSON debug logger: no record may hold
// the token.
func TestLeakDebugLogs(t *testing.T) {
	bg := context.Background()
	var buf testutil.SyncBuffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv := bptest.Start(t, bptest.WithToken(lkToken))
	c := srv.Client(client.WithLogger(logger), client.WithRetryDelay(time.Millisecond, 2*time.Millisecond))

	created, err := c.CreateUser(bg, gen.CreateUserJSONRequestBody{Tags: map[string]string{}})
	require.NoError(t, err)
	id := created.User.ID

	// Retried, then successful.
	srv.InjectFault(bptest.Fault{Operation: "getUser", Status: 429, RetryAfter: time.Millisecond, Times: 2})
	_, err = c.GetUser(bg, id)
	require.NoError(t, err)
	srv.InjectFault(bptest.Fault{Operation: "listUsers", Drop: true, Times: 2})
	_, err = c.ListUsers(bg, &gen.ListUsersParams{Tags: map[string]string{"k": "v"}})
	require.NoError(t, err)
	srv.InjectFault(bptest.Fault{Operation: "createUser", Status: 503, Times: 1})
	_, err = c.CreateUser(bg, gen.CreateUserJSONRequestBody{Tags: map[string]string{}}, client.WithIdempotent())
	require.NoError(t, err)
	// The first attempt hangs (the fault waits until the client gives up);
	// the second has time enough on a loaded machine.
	srv.InjectFault(bptest.Fault{Operation: "updateUser", Latency: time.Minute, Times: 1})
	_, err = c.UpdateUser(bg, id, gen.UpdateUserJSONRequestBody{}, client.WithTimeout(250*time.Millisecond))
	require.NoError(t, err)

	// Failing after the retries, or at once.
	srv.InjectFault(bptest.Fault{Operation: "getUser", Status: 500, Times: 4})
	_, err = c.GetUser(bg, id)
	lkCheckErr(t, err)
	srv.InjectFault(bptest.Fault{Operation: "createUser", Drop: true, Times: 1})
	_, err = c.CreateUser(bg, gen.CreateUserJSONRequestBody{Tags: map[string]string{}})
	lkCheckErr(t, err)
	_, err = c.GetUser(bg, "user_missing")
	lkCheckErr(t, err)
	_, err = c.GetUser(bg, id, client.WithToken("bp_pat_wrong-"+lkSecret))
	lkCheckErr(t, err)

	// Files, whose storage lives on the same server.
	srv.InjectFault(bptest.Fault{Operation: "upsertFile", Status: 503, Times: 1})
	file, err := c.UploadFile(bg, gen.UpsertFileJSONRequestBody{Key: "a.txt"}, client.FileFromBytes([]byte("hello")))
	require.NoError(t, err)
	_, err = c.DownloadFile(bg, file.ID, io.Discard)
	require.NoError(t, err)

	// A walk over pages.
	_, err = client.Collect(c.AllUsers(bg, nil), 0)
	require.NoError(t, err)

	out := buf.String()
	lkCheckText(t, "the debug log", out)
	assert.NotContains(t, out, "Bearer")
	assert.NotContains(t, strings.ToLower(out), "authorization")
	records, retries := 0, 0
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var rec map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &rec), line)
		records++
		if n, _ := rec["attempt"].(float64); n > 1 {
			retries++
		}
	}
	assert.GreaterOrEqual(t, retries, 7, "the retries were logged:\n%s", out)
	assert.GreaterOrEqual(t, records, 18, "one record per attempt:\n%s", out)
}

// TestLeakRedirect follows redirects from the API to another origin: the
// token must not go along. net/http keeps the Authorization header on a
// redirect to the same host name, whatever the port; the client removes it
// whenever the origin changes.
func TestLeakRedirect(t *testing.T) {
	bg := context.Background()
	var mu sync.Mutex
	var got []string // what the other origin received
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		lkCheckRequest(t, "the other origin", r, body)
		mu.Lock()
		got = append(got, r.Method+" "+r.URL.Path+" "+string(body))
		mu.Unlock()
		reply(w, 200, lkUserJSON("usr_moved"))
	}))
	t.Cleanup(other.Close)
	otherURL, err := url.Parse(other.URL)
	require.NoError(t, err)

	targets := map[string]string{
		"same host, other port": other.URL,
		"other host name":       "http://localhost:" + otherURL.Port(),
	}
	calls := []struct {
		name   string
		status int
		call   func(c *client.Client, opts ...client.Option) (string, error)
	}{
		{"GET 302", http.StatusFound, func(c *client.Client, opts ...client.Option) (string, error) {
			u, err := c.GetUser(bg, "usr_1", opts...)
			if err != nil {
				return "", err
			}
			return u.User.ID, nil
		}},
		{"POST 307", http.StatusTemporaryRedirect, func(c *client.Client, opts ...client.Option) (string, error) {
			u, err := c.CreateUser(bg, gen.CreateUserJSONRequestBody{Tags: map[string]string{"k": "v"}}, opts...)
			if err != nil {
				return "", err
			}
			return u.User.ID, nil
		}},
		{"PUT 308", http.StatusPermanentRedirect, func(c *client.Client, opts ...client.Option) (string, error) {
			u, err := c.UpdateUser(bg, "usr_1", gen.UpdateUserJSONRequestBody{}, opts...)
			if err != nil {
				return "", err
			}
			return u.User.ID, nil
		}},
		{"DELETE 307", http.StatusTemporaryRedirect, func(c *client.Client, opts ...client.Option) (string, error) {
			return "usr_moved", c.DeleteUser(bg, "usr_1", opts...)
		}},
	}
	for name, target := range targets {
		for _, call := range calls {
			t.Run(name+"/"+call.name, func(t *testing.T) {
				mu.Lock()
				got = nil
				mu.Unlock()
				api := newServer(t, func(w http.ResponseWriter, r *http.Request) {
					http.Redirect(w, r, target+r.URL.RequestURI(), call.status)
				})
				// The default HTTP client, one given to New (with and
				// without its own redirect policy), and one given to a
				// single call.
				permissive := func(*http.Request, []*http.Request) error { return nil }
				for i, opts := range [][]client.Option{
					nil,
					{client.WithHTTPClient(&http.Client{})},
					{client.WithHTTPClient(&http.Client{CheckRedirect: permissive})},
				} {
					id, err := call.call(lkClient(t, api.URL, opts...))
					require.NoError(t, err, "client %d", i)
					assert.Equal(t, "usr_moved", id, "the other origin answered")
					id, err = call.call(lkClient(t, api.URL), opts...)
					require.NoError(t, err, "call %d", i)
					assert.Equal(t, "usr_moved", id, "the other origin answered")
				}
				mu.Lock()
				assert.NotEmpty(t, got, "the redirect was followed")
				mu.Unlock()
				lkSentToken(t, api)
			})
		}
	}

	// A redirect within the origin keeps the token.
	t.Run("same origin", func(t *testing.T) {
		var s *server
		s = newServer(t, func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/moved/v1/chat/users/usr_1" {
				reply(w, 200, lkUserJSON("usr_1"))
				return
			}
			http.Redirect(w, r, s.URL+"/moved"+r.URL.Path, http.StatusTemporaryRedirect)
		})
		c := lkClient(t, s.URL)
		_, err := c.GetUser(bg, "usr_1")
		require.NoError(t, err)
		reqs := s.requests()
		require.Len(t, reqs, 2)
		for _, r := range reqs {
			assert.Equal(t, "Bearer "+lkToken, r.Header.Get("Authorization"), r.Path)
		}
	})

	// A redirect chain that leaves and comes back: only the API's origin
	// gets the token.
	t.Run("away and back", func(t *testing.T) {
		var api *server
		back := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			lkCheckRequest(t, "the other origin", r, nil)
			http.Redirect(w, r, api.URL+"/back"+r.URL.Path, http.StatusFound)
		}))
		t.Cleanup(back.Close)
		api = newServer(t, func(w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(r.URL.Path, "/back/") {
				reply(w, 200, lkUserJSON("usr_1"))
				return
			}
			http.Redirect(w, r, back.URL+r.URL.Path, http.StatusFound)
		})
		c := lkClient(t, api.URL)
		_, err := c.GetUser(bg, "usr_1")
		require.NoError(t, err)
		assert.Len(t, api.requests(), 2)
	})
}

// lkRecover runs f and returns what it panicked with, if anything.
func lkRecover(f func()) (panicked bool, value any) {
	defer func() {
		if v := recover(); v != nil {
			panicked, value = true, v
		}
	}()
	f()
	return false, nil
}

// lkCheckPanic fails the test if a panic value shows the token however it
// is printed.
func lkCheckPanic(t testing.TB, v any) {
	t.Helper()
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		lkCheckText(t, "a panic printed with "+format, fmt.Sprintf(format, v))
	}
	if err, ok := v.(error); ok {
		lkCheckErr(t, err)
	}
}

// lkArgs builds the arguments of a Client method: ctx for the context,
// "x" for strings (so that path checks pass and the call gets further),
// io.Discard for a writer, and the zero value (nil params, empty bodies,
// no content) for the rest. No options.
func lkArgs(mt reflect.Type, ctx reflect.Value) []reflect.Value {
	ctxType := reflect.TypeFor[context.Context]()
	writer := reflect.TypeFor[io.Writer]()
	n := mt.NumIn()
	if mt.IsVariadic() {
		n--
	}
	args := make([]reflect.Value, 0, n)
	for i := range n {
		in := mt.In(i)
		switch {
		case in == ctxType:
			args = append(args, ctx)
		case in == writer:
			args = append(args, reflect.ValueOf(io.Discard))
		case in.Kind() == reflect.String:
			args = append(args, reflect.ValueOf("x").Convert(in))
		default:
			args = append(args, reflect.Zero(in))
		}
	}
	return args
}

// lkCallAll calls every method of c with lkArgs, ranging over the walks
// they return, and hands each method's error (nil on success) to check. A
// panic fails the test, after its value is checked for the token.
func lkCallAll(t *testing.T, c *client.Client, ctx reflect.Value, check func(t *testing.T, name string, err error)) int {
	v := reflect.ValueOf(c)
	errType := reflect.TypeFor[error]()
	called := 0
	for i := range v.NumMethod() {
		m := v.Type().Method(i)
		mt := m.Type
		args := lkArgs(v.Method(i).Type(), ctx)
		var err error
		api := true
		panicked, value := lkRecover(func() {
			out := v.Method(i).Call(args)
			switch {
			case len(out) == 1 && out[0].Kind() == reflect.Func:
				// A walk: range over it; an error comes once, last.
				n := 0
				for _, e := range out[0].Seq2() {
					n++
					if !e.IsNil() {
						err = e.Interface().(error)
					}
					if n > 1000 {
						break
					}
				}
			case len(out) > 0 && out[len(out)-1].Type() == errType:
				if e := out[len(out)-1]; !e.IsNil() {
					err = e.Interface().(error)
				}
			default:
				api = false // not an API call (BaseURL ...)
				return
			}
			called++
		})
		if panicked {
			lkCheckPanic(t, value)
			t.Errorf("%s (%s) panicked: %v", m.Name, mt, value)
			continue
		}
		if api {
			check(t, m.Name, err)
		}
	}
	return called
}

// TestLeakNoPanicNilContext calls every method with a nil context: each
// must return (or yield) an error, without sending anything or panicking.
func TestLeakNoPanicNilContext(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) { reply(w, 200, `{}`) })
	c := lkClient(t, s.URL, client.WithWorkspaceID("ws_1"), client.WithMaxRetries(0))
	nilCtx := reflect.Zero(reflect.TypeFor[context.Context]())
	n := lkCallAll(t, c, nilCtx, func(t *testing.T, name string, err error) {
		if assert.Error(t, err, name) {
			lkCheckErr(t, err)
		}
	})
	assert.Greater(t, n, 200, "every operation was called")
	assert.Empty(t, s.requests(), "nothing is sent without a context")
}

// TestLeakNoPanicZeroArguments calls every method with nil params, empty
// bodies and no file content, against a server that answers {} to all:
// no call may panic, and no error may carry the token.
func TestLeakNoPanicZeroArguments(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) { reply(w, 200, `{}`) })
	c := lkClient(t, s.URL, client.WithWorkspaceID("ws_1"), client.WithMaxRetries(0))
	failed := 0
	n := lkCallAll(t, c, reflect.ValueOf(context.Background()), func(t *testing.T, name string, err error) {
		if err != nil {
			failed++
			lkCheckErr(t, err)
		}
	})
	assert.Greater(t, n, 200, "every operation was called")
	assert.Positive(t, failed, "some calls need their parameters")
	assert.NotEmpty(t, s.requests())
}

// lkPanicTransport panics when it gets a request, with a value that says
// nothing of the request's headers.
type lkPanicTransport struct {
	value       func(r *http.Request) any
	storageOnly bool // panic only for requests without credentials
	next        http.RoundTripper
}

func (p *lkPanicTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if p.storageOnly && r.Header.Get("Authorization") != "" {
		return p.next.RoundTrip(r)
	}
	panic(p.value(r))
}

// TestLeakTransportPanics gives the client an HTTP client whose transport
// panics: whatever the SDK does with the panic (let it through, or turn it
// into an error), the token must not show in it.
func TestLeakTransportPanics(t *testing.T) {
	bg := context.Background()
	env := lkNewFiles(t)
	values := map[string]func(r *http.Request) any{
		"string":       func(*http.Request) any { return "transport exploded" },
		"error":        func(*http.Request) any { return errors.New("transport exploded") },
		"with the URL": func(r *http.Request) any { return fmt.Errorf("transport exploded on %s %s", r.Method, r.URL) },
		"abort":        func(*http.Request) any { return http.ErrAbortHandler },
	}
	calls := map[string]func(c *client.Client, opts ...client.Option) error{
		"GetUser": func(c *client.Client, opts ...client.Option) error { return lkGetUser(bg, c, opts...) },
		"CreateUser": func(c *client.Client, opts ...client.Option) error {
			opts = append(opts, client.WithIdempotent())
			_, err := c.CreateUser(bg, gen.CreateUserJSONRequestBody{Tags: map[string]string{"k": "v"}}, opts...)
			return err
		},
		"ListUsers": func(c *client.Client, opts ...client.Option) error {
			_, err := c.ListUsers(bg, &gen.ListUsersParams{Tags: map[string]string{"k": "v"}}, opts...)
			return err
		},
		"AllUsers": func(c *client.Client, opts ...client.Option) error {
			_, err := client.Collect(c.AllUsers(bg, nil, opts...), 0)
			return err
		},
		"UploadFile": func(c *client.Client, opts ...client.Option) error {
			_, err := c.UploadFile(bg, gen.UpsertFileJSONRequestBody{Key: "p.txt"}, client.FileFromBytes([]byte("p")), opts...)
			return err
		},
		"UploadFile from URL": func(c *client.Client, opts ...client.Option) error {
			_, err := c.UploadFile(bg, gen.UpsertFileJSONRequestBody{Key: "q.txt"}, client.FileFromURL(env.storage.URL+"/src/data.bin"), opts...)
			return err
		},
		"DownloadURL": func(c *client.Client, opts ...client.Option) error {
			_, err := c.DownloadURL(bg, env.storage.URL+"/src/data.bin?X-Amz-Signature=s", io.Discard, opts...)
			return err
		},
	}
	for vname, value := range values {
		for _, storageOnly := range []bool{false, true} {
			rt := &lkPanicTransport{value: value, storageOnly: storageOnly, next: http.DefaultTransport}
			for cname, call := range calls {
				name := fmt.Sprintf("%s/storage-only=%v/%s", vname, storageOnly, cname)
				t.Run(name, func(t *testing.T) {
					// The HTTP client given to New, and to one call only.
					hc := client.WithHTTPClient(&http.Client{Transport: rt})
					for _, perCall := range []bool{false, true} {
						var err error
						panicked, v := lkRecover(func() {
							if perCall {
								err = call(lkClient(t, env.api.URL, client.WithMaxRetries(1)), hc)
							} else {
								err = call(lkClient(t, env.api.URL, client.WithMaxRetries(1), hc))
							}
						})
						if panicked {
							lkCheckPanic(t, v)
							continue
						}
						if err != nil {
							lkCheckErr(t, err)
						}
					}
				})
			}
		}
	}
}

// A server that echoes the token back in its error answer does not make
// the SDK's error carry it.
func TestLeakEchoedToken(t *testing.T) {
	for _, body := range []string{
		`{"type":"Unauthorized","message":"invalid token ` + testToken + `","id":"err_1"}`,
		`<html>bad token ` + testToken + `</html>`,
	} {
		s := newServer(t, func(w http.ResponseWriter, r *http.Request) { reply(w, 401, body) })
		_, err := newClient(t, s).GetUser(context.Background(), "u1")
		require.Error(t, err)
		assert.NotContains(t, err.Error(), testToken)
		var apiErr *bperrors.APIError
		require.ErrorAs(t, err, &apiErr)
		assert.NotContains(t, string(apiErr.Body), testToken)
		assert.NotContains(t, apiErr.Message, testToken)
		assert.ErrorIs(t, err, bperrors.ErrUnauthorized)
	}
}

package client_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/client"
	bperrors "github.com/botpress-go/sdk/errors"
	"github.com/botpress-go/sdk/gen"
)

// The files tests run two servers: the API (newServer), which answers
// upsertFile and getFile, and a fake storage host (ftStorage), which takes
// the pre-signed PUTs and serves downloads. The storage host fails the test
// if a request to it carries any Botpress credential.

const (
	ftFileID      = "file_1"
	ftSignature   = "secret-signature" // the secret part of every pre-signed URL
	ftCustomKey   = "X-Custom-Secret"  // added with client.WithHeader
	ftCustomValue = "custom-secret-value"
	ftDefaultType = "application/octet-stream" // the record's type when none is given
)

func ftPtr[T any](v T) *T { return &v }

// ftPut is one PUT the storage host received.
type ftPut struct {
	Path          string
	Query         string
	Header        http.Header
	Body          []byte
	ContentLength int64
	Chunked       bool
	// Spool lists the botpress-upload-* files in os.TempDir() when the PUT
	// arrived.
	Spool []string
}

// ftBlob is content the storage host serves at a path.
type ftBlob struct {
	data        []byte
	contentType string
	chunked     bool // flushed without a Content-Length
}

// ftStorage is the fake storage host.
type ftStorage struct {
	*httptest.Server
	t     testing.TB
	mu    sync.Mutex
	puts  []ftPut
	gets  []string
	blobs map[string]ftBlob
	// onPut answers the PUT number n (from 0); nil answers 200.
	onPut func(n int, w http.ResponseWriter, r *http.Request)
}

func ftNewStorage(t testing.TB) *ftStorage {
	s := &ftStorage{t: t, blobs: map[string]ftBlob{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *ftStorage) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	ftCheckNoCredentials(s.t, r, body)
	if err != nil { // the client gave up in the middle of the body
		http.Error(w, "incomplete body", http.StatusBadRequest)
		return
	}
	switch r.Method {
	case http.MethodPut:
		spool, _ := filepath.Glob(filepath.Join(os.TempDir(), "botpress-upload-*"))
		s.mu.Lock()
		n := len(s.puts)
		s.puts = append(s.puts, ftPut{
			Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: body,
			ContentLength: r.ContentLength, Chunked: len(r.TransferEncoding) > 0, Spool: spool,
		})
		onPut := s.onPut
		s.mu.Unlock()
		if onPut != nil {
			onPut(n, w, r)
			return
		}
		w.WriteHeader(http.StatusOK)
	case http.MethodGet:
		s.mu.Lock()
		s.gets = append(s.gets, r.URL.Path)
		blob, ok := s.blobs[r.URL.Path]
		s.mu.Unlock()
		if !ok {
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?>`+
				`<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>`)
			return
		}
		if blob.contentType != "" {
			w.Header().Set("Content-Type", blob.contentType)
		}
		if blob.chunked {
			half := len(blob.data) / 2
			_, _ = w.Write(blob.data[:half])
			w.(http.Flusher).Flush() // headers go out now, with no length
			_, _ = w.Write(blob.data[half:])
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(blob.data)))
		_, _ = w.Write(blob.data)
	default:
		s.t.Errorf("storage: unexpected %s %s", r.Method, r.URL.Path)
		w.WriteHeader(http.StatusMethodNotAllowed)
	}
}

// ftCheckNoCredentials fails the test if a request to storage carries the
// token, a scope header or a header added with WithHeader.
func ftCheckNoCredentials(t testing.TB, r *http.Request, body []byte) {
	for _, h := range []string{
		"Authorization", client.HeaderBotID, client.HeaderWorkspaceID,
		client.HeaderIntegrationID, client.HeaderIntegrationAlias, ftCustomKey,
	} {
		if v := r.Header.Values(h); len(v) > 0 {
			t.Errorf("storage got %s %s with header %s: %q", r.Method, r.URL.Path, h, v)
		}
	}
	for k, vs := range r.Header {
		for _, v := range vs {
			for _, secret := range []string{testToken, ftCustomValue, "bot_1", "ws_1", "int_1"} {
				if strings.Contains(v, secret) {
					t.Errorf("storage got %s %s with %q in header %s", r.Method, r.URL.Path, secret, k)
				}
			}
		}
	}
	if strings.Contains(r.RequestURI, testToken) || strings.Contains(r.Host, testToken) {
		t.Errorf("storage got the token in the URL of %s %s", r.Method, r.URL.Path)
	}
	if bytes.Contains(body, []byte(testToken)) {
		t.Errorf("storage got the token in the body of %s %s", r.Method, r.URL.Path)
	}
}

func (s *ftStorage) setBlob(path string, b ftBlob) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.blobs[path] = b
}

func (s *ftStorage) setOnPut(f func(n int, w http.ResponseWriter, r *http.Request)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onPut = f
}

func (s *ftStorage) received() []ftPut {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]ftPut(nil), s.puts...)
}

func (s *ftStorage) fetched() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.gets...)
}

// ftEnv is an API server, a storage host and a client of the API with
// every scope header and a custom header set.
type ftEnv struct {
	api   *server
	store *ftStorage
	c     *client.Client

	mu sync.Mutex
	// upsert, when set, answers upsertFile in place of the normal record;
	// it gets that record (the "file" object) to change or ignore.
	upsert func(file map[string]any) (status int, body string)
}

func ftSetup(t testing.TB, opts ...client.Option) *ftEnv {
	t.Helper()
	e := &ftEnv{store: ftNewStorage(t)}
	api := newServer(t, e.serveAPI)
	e.mu.Lock()
	e.api = api
	e.mu.Unlock()
	base := []client.Option{
		client.WithWorkspaceID("ws_1"),
		client.WithIntegrationID("int_1"),
		client.WithIntegrationAlias("alias_1"),
		client.WithHeader(ftCustomKey, ftCustomValue),
	}
	e.c = newClient(t, api, append(base, opts...)...)
	return e
}

func (e *ftEnv) setUpsert(f func(file map[string]any) (int, string)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.upsert = f
}

// uploadURL is the pre-signed URL of the file record, with its signature
// in the query as on S3.
func (e *ftEnv) uploadURL() string {
	return e.store.URL + "/upload/" + ftFileID + "?X-Amz-Signature=" + ftSignature
}

func (e *ftEnv) serveAPI(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	api, upsert := e.api, e.upsert
	e.mu.Unlock()
	switch {
	case r.Method == http.MethodPut && r.URL.Path == "/v1/files":
		reqs := api.requests() // newServer has read the body
		var body map[string]any
		if err := json.Unmarshal(reqs[len(reqs)-1].Body, &body); err != nil {
			reply(w, http.StatusBadRequest, `{"type":"InvalidPayload","message":"not JSON"}`)
			return
		}
		ct, _ := body["contentType"].(string)
		if ct == "" {
			ct = ftDefaultType
		}
		tags := body["tags"]
		if tags == nil {
			tags = map[string]any{}
		}
		file := map[string]any{
			"id": ftFileID, "botId": "bot_1", "key": body["key"], "contentType": ct,
			"size": body["size"], "tags": tags, "metadata": map[string]any{},
			"status": "upload_pending", "index": false, "accessPolicies": []any{},
			"owner":     map[string]any{"type": "bot", "id": "bot_1"},
			"createdAt": "2024-05-06T07:08:09.123Z", "updatedAt": "2024-05-06T07:08:09.123Z",
			"url": "", "uploadUrl": e.uploadURL(),
		}
		if upsert != nil {
			status, out := upsert(file)
			reply(w, status, out)
			return
		}
		reply(w, http.StatusOK, ftJSON(map[string]any{"file": file}))
	case r.Method == http.MethodGet &&
		(r.URL.Path == "/v1/files/"+ftFileID || r.URL.EscapedPath() == "/v1/files/docs%2Freport.txt"):
		reply(w, http.StatusOK, ftJSON(map[string]any{"file": map[string]any{
			"id": ftFileID, "botId": "bot_1", "key": "docs/report.txt", "contentType": "text/plain",
			"size": 3, "tags": map[string]any{}, "metadata": map[string]any{},
			"status": "upload_completed", "index": false, "accessPolicies": []any{},
			"owner":     map[string]any{"type": "bot"},
			"createdAt": "2024-05-06T07:08:09.123Z", "updatedAt": "2024-05-06T07:08:09.123Z",
			"url": e.store.URL + "/dl/" + ftFileID + "?X-Amz-Signature=" + ftSignature,
		}}))
	default:
		reply(w, http.StatusNotFound, `{"id":"err_404","code":404,"type":"ResourceNotFound","message":"File not found"}`)
	}
}

func ftJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// upsertRequests returns the upsertFile requests the API received.
func (e *ftEnv) upsertRequests() []seen {
	var out []seen
	for _, r := range e.api.requests() {
		if r.Method == http.MethodPut && r.Path == "/v1/files" {
			out = append(out, r)
		}
	}
	return out
}

// ftCheckAPIAuth checks a request to the API carried the credentials.
func ftCheckAPIAuth(t *testing.T, r seen) {
	t.Helper()
	assert.Equal(t, "Bearer "+testToken, r.Header.Get("Authorization"))
	assert.Equal(t, "bot_1", r.Header.Get(client.HeaderBotID))
	assert.Equal(t, "ws_1", r.Header.Get(client.HeaderWorkspaceID))
	assert.Equal(t, ftCustomValue, r.Header.Get(ftCustomKey))
}

// ftCheckPut checks one storage PUT: the exact bytes, the record's content
// type, a Content-Length, the pre-signed query kept, and x-amz-tagging only
// for public files.
func ftCheckPut(t *testing.T, p ftPut, data []byte, contentType string, public bool) {
	t.Helper()
	assert.Equal(t, "/upload/"+ftFileID, p.Path)
	assert.Equal(t, "X-Amz-Signature="+ftSignature, p.Query, "the pre-signed query must reach storage intact")
	assert.True(t, bytes.Equal(data, p.Body), "storage got %d bytes, want %d (%.40q vs %.40q)", len(p.Body), len(data), p.Body, data)
	assert.Equal(t, contentType, p.Header.Get("Content-Type"))
	assert.Equal(t, int64(len(data)), p.ContentLength, "Content-Length")
	assert.Equal(t, strconv.Itoa(len(data)), p.Header.Get("Content-Length"))
	assert.False(t, p.Chunked, "the PUT must not be chunked: S3 wants a Content-Length")
	if public {
		assert.Equal(t, []string{"public=true"}, p.Header.Values("X-Amz-Tagging"))
	} else {
		assert.Empty(t, p.Header.Values("X-Amz-Tagging"))
	}
}

// uploadOK runs an upload that must succeed and checks both requests: the
// upsertFile body (key, exact size, contentType — absent when wantType is
// "" —, tags) with the credentials, and the one storage PUT. It returns
// the upsertFile body and the PUT for further checks.
func (e *ftEnv) uploadOK(t *testing.T, body gen.UpsertFileJSONRequestBody, content client.FileContent, data []byte, wantType string) (map[string]any, ftPut) {
	t.Helper()
	file, err := e.c.UploadFile(context.Background(), body, content)
	require.NoError(t, err)
	require.NotNil(t, file)
	assert.Equal(t, ftFileID, file.ID)
	assert.Equal(t, body.Key, file.Key)
	assert.Equal(t, e.uploadURL(), file.UploadURL)

	ups := e.upsertRequests()
	require.Len(t, ups, 1, "upsertFile calls")
	ftCheckAPIAuth(t, ups[0])
	var sent map[string]any
	require.NoError(t, json.Unmarshal(ups[0].Body, &sent))
	assert.Equal(t, body.Key, sent["key"])
	assert.Equal(t, float64(len(data)), sent["size"], "upsertFile size must be the exact byte count")
	if wantType == "" {
		assert.NotContains(t, sent, "contentType")
	} else {
		assert.Equal(t, wantType, sent["contentType"])
	}
	if body.Tags != nil {
		want := map[string]any{}
		for k, v := range body.Tags {
			want[k] = v
		}
		assert.Equal(t, want, sent["tags"])
	}
	if body.PublicContentImmediatelyAccessible != nil {
		assert.Equal(t, *body.PublicContentImmediatelyAccessible, sent["publicContentImmediatelyAccessible"])
	}

	puts := e.store.received()
	require.Len(t, puts, 1, "storage PUTs")
	recordType := wantType
	if recordType == "" {
		recordType = ftDefaultType
	}
	assert.Equal(t, recordType, file.ContentType)
	public := body.PublicContentImmediatelyAccessible != nil && *body.PublicContentImmediatelyAccessible
	ftCheckPut(t, puts[0], data, recordType, public)
	return sent, puts[0]
}

// ftNoSecrets checks an error shows neither the token, nor the pre-signed
// URL's signature, nor a custom header's value.
func ftNoSecrets(t *testing.T, err error) {
	t.Helper()
	require.Error(t, err)
	for _, s := range []string{testToken, ftSignature, ftCustomValue} {
		assert.NotContains(t, err.Error(), s, "the error string leaks a secret")
	}
}

// ftUploadError checks err is an *UploadError of the step, and returns it.
func ftUploadError(t *testing.T, err error, key, step string) *client.UploadError {
	t.Helper()
	ftNoSecrets(t, err)
	var ue *client.UploadError
	require.ErrorAs(t, err, &ue, "want *client.UploadError, got %T: %v", err, err)
	assert.Equal(t, step, ue.Step, "step of %v", err)
	assert.Equal(t, key, ue.Key)
	assert.ErrorIs(t, err, ue.Err)
	return ue
}

// ftPattern returns n bytes of varied content.
func ftPattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

// ftSpoolFiles lists the temporary files FileFromURL writes.
func ftSpoolFiles(t *testing.T) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(os.TempDir(), "botpress-upload-*"))
	require.NoError(t, err)
	return m
}

// ftIsolateTemp points os.TempDir() at a directory of the test's own.
func ftIsolateTemp(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
}

// ftWriteTemp writes data to a new file named name and returns its path.
func ftWriteTemp(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, data, 0o600))
	return p
}

func TestUploadFromBytes(t *testing.T) {
	e := ftSetup(t)
	data := []byte("hello, storage\n")
	body := gen.UpsertFileJSONRequestBody{
		Key:                                "docs/hello.txt",
		ContentType:                        ftPtr("text/plain"),
		Tags:                               map[string]string{"source": "test", "lang": "en"},
		PublicContentImmediatelyAccessible: ftPtr(true),
	}
	e.uploadOK(t, body, client.FileFromBytes(data), data, "text/plain")
}

func TestUploadFromBytesNotPublic(t *testing.T) {
	for name, public := range map[string]*bool{"unset": nil, "false": ftPtr(false)} {
		t.Run(name, func(t *testing.T) {
			e := ftSetup(t)
			data := ftPattern(1000)
			body := gen.UpsertFileJSONRequestBody{Key: "blob.bin", PublicContentImmediatelyAccessible: public}
			// No content type anywhere: none is sent, and storage gets the record's.
			e.uploadOK(t, body, client.FileFromBytes(data), data, "")
		})
	}
}

func TestUploadEmptyFile(t *testing.T) {
	e := ftSetup(t)
	_, put := e.uploadOK(t, gen.UpsertFileJSONRequestBody{Key: "empty.txt", ContentType: ftPtr("text/plain")},
		client.FileFromBytes(nil), nil, "text/plain")
	assert.Equal(t, "0", put.Header.Get("Content-Length"))
}

func TestUploadStorageGetsRecordContentType(t *testing.T) {
	e := ftSetup(t)
	e.setUpsert(func(file map[string]any) (int, string) {
		file["contentType"] = "text/plain; charset=utf-8" // the API's, not the body's
		return http.StatusOK, ftJSON(map[string]any{"file": file})
	})
	data := []byte("plain text")
	_, err := e.c.UploadFile(context.Background(),
		gen.UpsertFileJSONRequestBody{Key: "t.txt", ContentType: ftPtr("text/plain")}, client.FileFromBytes(data))
	require.NoError(t, err)
	puts := e.store.received()
	require.Len(t, puts, 1)
	ftCheckPut(t, puts[0], data, "text/plain; charset=utf-8", false)
}

func TestUploadFromReader(t *testing.T) {
	t.Run("exact size", func(t *testing.T) {
		e := ftSetup(t)
		data := ftPattern(100 << 10)
		// A plain io.Reader, so that nothing can learn its length but size.
		r := struct{ io.Reader }{bytes.NewReader(data)}
		body := gen.UpsertFileJSONRequestBody{
			Key: "stream.bin", ContentType: ftPtr("application/x-test"),
			Tags: map[string]string{"kind": "stream"},
		}
		e.uploadOK(t, body, client.FileFromReader(r, int64(len(data))), data, "application/x-test")
	})
	t.Run("longer reader sends size bytes", func(t *testing.T) {
		e := ftSetup(t)
		data := []byte("0123456789")
		r := struct{ io.Reader }{strings.NewReader(string(data) + "not this")}
		e.uploadOK(t, gen.UpsertFileJSONRequestBody{Key: "ten.txt"}, client.FileFromReader(r, 10), data, "")
	})
	t.Run("shorter reader fails", func(t *testing.T) {
		e := ftSetup(t)
		r := struct{ io.Reader }{strings.NewReader("short")}
		_, err := e.c.UploadFile(context.Background(), gen.UpsertFileJSONRequestBody{Key: "short.txt"},
			client.FileFromReader(r, 100))
		ue := ftUploadError(t, err, "short.txt", client.UploadStepPut)
		assert.NotNil(t, ue.File)
	})
	t.Run("negative size", func(t *testing.T) {
		e := ftSetup(t)
		_, err := e.c.UploadFile(context.Background(), gen.UpsertFileJSONRequestBody{Key: "neg.txt"},
			client.FileFromReader(strings.NewReader("x"), -1))
		ue := ftUploadError(t, err, "neg.txt", client.UploadStepRead)
		assert.Nil(t, ue.File)
		assert.Empty(t, e.api.requests())
	})
}

func TestUploadFromPath(t *testing.T) {
	data := []byte(`{"greeting": "hello", "n": [1, 2, 3]}` + "\n")
	t.Run("type from extension", func(t *testing.T) {
		e := ftSetup(t)
		path := ftWriteTemp(t, "data.json", data)
		body := gen.UpsertFileJSONRequestBody{Key: "data/data.json", Tags: map[string]string{"format": "json"}}
		e.uploadOK(t, body, client.FileFromPath(path), data, "application/json")
	})
	t.Run("body content type wins", func(t *testing.T) {
		e := ftSetup(t)
		path := ftWriteTemp(t, "data.json", data)
		body := gen.UpsertFileJSONRequestBody{Key: "data/data.txt", ContentType: ftPtr("text/plain")}
		e.uploadOK(t, body, client.FileFromPath(path), data, "text/plain")
	})
	t.Run("no extension", func(t *testing.T) {
		e := ftSetup(t)
		path := ftWriteTemp(t, "README", data)
		e.uploadOK(t, gen.UpsertFileJSONRequestBody{Key: "README"}, client.FileFromPath(path), data, "")
	})
	t.Run("public", func(t *testing.T) {
		e := ftSetup(t)
		path := ftWriteTemp(t, "page.html", []byte("<p>hi</p>"))
		body := gen.UpsertFileJSONRequestBody{Key: "page.html", PublicContentImmediatelyAccessible: ftPtr(true)}
		sent, _ := e.uploadOK(t, body, client.FileFromPath(path), []byte("<p>hi</p>"), "text/html; charset=utf-8")
		assert.Equal(t, true, sent["publicContentImmediatelyAccessible"])
	})
	t.Run("directory", func(t *testing.T) {
		e := ftSetup(t)
		_, err := e.c.UploadFile(context.Background(), gen.UpsertFileJSONRequestBody{Key: "dir"},
			client.FileFromPath(t.TempDir()))
		ftUploadError(t, err, "dir", client.UploadStepRead)
		assert.Empty(t, e.api.requests())
	})
}

func TestUploadFromURLWithLength(t *testing.T) {
	ftIsolateTemp(t)
	e := ftSetup(t)
	data := []byte("name,score\nada,42\ngrace,41\n")
	e.store.setBlob("/src/scores.csv", ftBlob{data: data, contentType: "text/csv"})
	src := e.store.URL + "/src/scores.csv?X-Amz-Signature=" + ftSignature
	body := gen.UpsertFileJSONRequestBody{Key: "imports/scores.csv", Tags: map[string]string{"origin": "url"}}
	_, put := e.uploadOK(t, body, client.FileFromURL(src), data, "text/csv")
	assert.Equal(t, []string{"/src/scores.csv"}, e.store.fetched())
	assert.Empty(t, put.Spool, "content with a length is streamed, not spooled")
	assert.Empty(t, ftSpoolFiles(t))
}

func TestUploadFromURLChunked(t *testing.T) {
	ftIsolateTemp(t)
	e := ftSetup(t)
	data := ftPattern(300 << 10)
	e.store.setBlob("/src/big.bin", ftBlob{data: data, contentType: "application/x-big", chunked: true})
	before := ftSpoolFiles(t)
	_, put := e.uploadOK(t, gen.UpsertFileJSONRequestBody{Key: "big.bin"},
		client.FileFromURL(e.store.URL+"/src/big.bin"), data, "application/x-big")
	assert.Len(t, put.Spool, 1, "content without a length is spooled to a temporary file")
	assert.Equal(t, before, ftSpoolFiles(t), "the temporary file must be removed")
}

func TestUploadFromURLChunkedRemovedOnError(t *testing.T) {
	ftIsolateTemp(t)
	e := ftSetup(t)
	e.store.setBlob("/src/x.bin", ftBlob{data: ftPattern(10 << 10), chunked: true})
	e.setUpsert(func(map[string]any) (int, string) {
		return http.StatusBadRequest, `{"type":"InvalidPayload","message":"no"}`
	})
	before := ftSpoolFiles(t)
	_, err := e.c.UploadFile(context.Background(), gen.UpsertFileJSONRequestBody{Key: "x.bin"},
		client.FileFromURL(e.store.URL+"/src/x.bin"))
	ftUploadError(t, err, "x.bin", client.UploadStepUpsert)
	assert.Equal(t, before, ftSpoolFiles(t), "the temporary file must be removed")
}

func TestUploadFromURLErrors(t *testing.T) {
	t.Run("404", func(t *testing.T) {
		e := ftSetup(t)
		_, err := e.c.UploadFile(context.Background(), gen.UpsertFileJSONRequestBody{Key: "gone"},
			client.FileFromURL(e.store.URL+"/src/missing?X-Amz-Signature="+ftSignature))
		ue := ftUploadError(t, err, "gone", client.UploadStepRead)
		assert.Nil(t, ue.File)
		assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
		assert.Empty(t, e.api.requests())
	})
	t.Run("unreachable", func(t *testing.T) {
		e := ftSetup(t)
		dead := httptest.NewServer(http.NotFoundHandler())
		dead.Close()
		_, err := e.c.UploadFile(context.Background(), gen.UpsertFileJSONRequestBody{Key: "dead"},
			client.FileFromURL(dead.URL+"/src/x?X-Amz-Signature="+ftSignature))
		ftUploadError(t, err, "dead", client.UploadStepRead)
		assert.Empty(t, e.api.requests())
	})
	t.Run("not http", func(t *testing.T) {
		e := ftSetup(t)
		_, err := e.c.UploadFile(context.Background(), gen.UpsertFileJSONRequestBody{Key: "local"},
			client.FileFromURL("file:///etc/passwd"))
		ftUploadError(t, err, "local", client.UploadStepRead)
		assert.Empty(t, e.api.requests())
	})
}

func TestUploadErrorMissingPath(t *testing.T) {
	e := ftSetup(t)
	missing := filepath.Join(t.TempDir(), "no-such-file.txt")
	file, err := e.c.UploadFile(context.Background(), gen.UpsertFileJSONRequestBody{Key: "missing.txt"},
		client.FileFromPath(missing))
	assert.Nil(t, file)
	ue := ftUploadError(t, err, "missing.txt", client.UploadStepRead)
	assert.Nil(t, ue.File)
	assert.ErrorIs(t, err, os.ErrNotExist)
	assert.Empty(t, e.api.requests(), "nothing may reach upsertFile")
	assert.Empty(t, e.store.received())
}

func TestUploadErrorUpsertRejected(t *testing.T) {
	e := ftSetup(t)
	e.setUpsert(func(map[string]any) (int, string) {
		return http.StatusBadRequest, `{"id":"err_1","code":400,"type":"InvalidPayload","message":"key is too long"}`
	})
	file, err := e.c.UploadFile(context.Background(), gen.UpsertFileJSONRequestBody{Key: "bad"},
		client.FileFromBytes([]byte("x")))
	assert.Nil(t, file)
	ue := ftUploadError(t, err, "bad", client.UploadStepUpsert)
	assert.Nil(t, ue.File)
	assert.ErrorIs(t, err, bperrors.ErrInvalidPayload)
	var apiErr *bperrors.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusBadRequest, apiErr.StatusCode)
	assert.Equal(t, "upsertFile", apiErr.Operation)
	assert.Len(t, e.upsertRequests(), 1, "a 400 is not retried")
	assert.Empty(t, e.store.received(), "nothing may reach storage")
}

func TestUploadErrorStorageForbidden(t *testing.T) {
	e := ftSetup(t)
	const xmlBody = `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<Error><Code>AccessDenied</Code><Message>Request has expired</Message>` +
		`<RequestId>4442587FB7D0A2F9</RequestId></Error>`
	e.store.setOnPut(func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusForbidden)
		_, _ = io.WriteString(w, xmlBody)
	})
	file, err := e.c.UploadFile(context.Background(), gen.UpsertFileJSONRequestBody{Key: "f.txt"},
		client.FileFromBytes([]byte("content")))
	assert.Nil(t, file)
	ue := ftUploadError(t, err, "f.txt", client.UploadStepPut)
	require.NotNil(t, ue.File, "the record exists once upsertFile succeeded")
	assert.Equal(t, ftFileID, ue.File.ID)
	var apiErr *bperrors.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusForbidden, apiErr.StatusCode)
	assert.Equal(t, http.MethodPut, apiErr.Method)
	assert.Equal(t, "/upload/"+ftFileID, apiErr.Path)
	assert.Equal(t, xmlBody, string(apiErr.Body))
	assert.Contains(t, err.Error(), "AccessDenied")
	assert.Len(t, e.store.received(), 1, "a 403 is not retried")
}

func TestUploadRetryStorage503(t *testing.T) {
	data := ftPattern(64 << 10)
	retryable := map[string]func(t *testing.T, e *ftEnv) client.FileContent{
		"bytes": func(*testing.T, *ftEnv) client.FileContent { return client.FileFromBytes(data) },
		"path": func(t *testing.T, _ *ftEnv) client.FileContent {
			return client.FileFromPath(ftWriteTemp(t, "retry.bin", data))
		},
		"url without length": func(t *testing.T, e *ftEnv) client.FileContent {
			e.store.setBlob("/src/retry.bin", ftBlob{data: data, chunked: true})
			return client.FileFromURL(e.store.URL + "/src/retry.bin")
		},
	}
	for name, content := range retryable {
		t.Run(name, func(t *testing.T) {
			ftIsolateTemp(t)
			e := ftSetup(t)
			e.store.setOnPut(func(n int, w http.ResponseWriter, _ *http.Request) {
				if n == 0 {
					w.WriteHeader(http.StatusServiceUnavailable)
					_, _ = io.WriteString(w, "<Error><Code>SlowDown</Code></Error>")
					return
				}
				w.WriteHeader(http.StatusOK)
			})
			file, err := e.c.UploadFile(context.Background(), gen.UpsertFileJSONRequestBody{Key: "retry.bin"}, content(t, e))
			require.NoError(t, err)
			assert.Equal(t, ftFileID, file.ID)
			puts := e.store.received()
			require.Len(t, puts, 2, "the 503 is retried once")
			for _, p := range puts {
				ftCheckPut(t, p, data, ftDefaultType, false)
			}
			assert.True(t, bytes.Equal(puts[0].Body, puts[1].Body), "the retry sends identical bytes")
			assert.Len(t, e.upsertRequests(), 1, "only the PUT is retried")
			assert.Empty(t, ftSpoolFiles(t))
		})
	}

	readOnce := map[string]func(t *testing.T, e *ftEnv) client.FileContent{
		"reader": func(*testing.T, *ftEnv) client.FileContent {
			return client.FileFromReader(struct{ io.Reader }{bytes.NewReader(data)}, int64(len(data)))
		},
		"url with length": func(t *testing.T, e *ftEnv) client.FileContent {
			e.store.setBlob("/src/once.bin", ftBlob{data: data})
			return client.FileFromURL(e.store.URL + "/src/once.bin")
		},
	}
	for name, content := range readOnce {
		// Not even a 429, which is retried whatever the method.
		for _, status := range []int{http.StatusServiceUnavailable, http.StatusTooManyRequests} {
			t.Run(fmt.Sprintf("%s/%d", name, status), func(t *testing.T) {
				e := ftSetup(t)
				e.store.setOnPut(func(n int, w http.ResponseWriter, _ *http.Request) {
					if n == 0 {
						w.WriteHeader(status)
						return
					}
					w.WriteHeader(http.StatusOK)
				})
				_, err := e.c.UploadFile(context.Background(), gen.UpsertFileJSONRequestBody{Key: "once.bin"}, content(t, e))
				ue := ftUploadError(t, err, "once.bin", client.UploadStepPut)
				assert.NotNil(t, ue.File)
				var apiErr *bperrors.APIError
				require.ErrorAs(t, err, &apiErr)
				assert.Equal(t, status, apiErr.StatusCode)
				puts := e.store.received()
				require.Len(t, puts, 1, "content read only once is not sent twice")
				ftCheckPut(t, puts[0], data, ftDefaultType, false)
			})
		}
	}
}

// TestUploadStorageNotPaced: the pacer of WithRateLimit paces the API, not
// the storage host. Its one token goes to upsertFile; the next would come
// in thirty years, so a paced PUT would wait until the context ends.
func TestUploadStorageNotPaced(t *testing.T) {
	e := ftSetup(t, client.WithRateLimit(1e-9, 1))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	file, err := e.c.UploadFile(ctx, gen.UpsertFileJSONRequestBody{Key: "p.txt"}, client.FileFromBytes([]byte("paced?")))
	require.NoError(t, err)
	assert.Equal(t, ftFileID, file.ID)
	assert.Len(t, e.store.received(), 1)
	// The API itself is paced: a second call waits for a token it will
	// not get before its context ends, and sends nothing.
	sent := len(e.api.requests())
	ctx2, cancel2 := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel2()
	_, err = e.c.GetFile(ctx2, "p.txt")
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Len(t, e.api.requests(), sent)
}

func TestUploadErrorNoUploadURL(t *testing.T) {
	e := ftSetup(t)
	e.setUpsert(func(file map[string]any) (int, string) {
		file["uploadUrl"] = ""
		return http.StatusOK, ftJSON(map[string]any{"file": file})
	})
	file, err := e.c.UploadFile(context.Background(), gen.UpsertFileJSONRequestBody{Key: "u.txt"},
		client.FileFromBytes([]byte("x")))
	assert.Nil(t, file)
	ue := ftUploadError(t, err, "u.txt", client.UploadStepPut)
	assert.ErrorIs(t, err, client.ErrMalformedResponse)
	require.NotNil(t, ue.File)
	assert.Equal(t, ftFileID, ue.File.ID)
	assert.Empty(t, e.store.received())
}

func TestUploadErrorStorageUnreachable(t *testing.T) {
	e := ftSetup(t)
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	e.setUpsert(func(file map[string]any) (int, string) {
		file["uploadUrl"] = dead.URL + "/upload/x?X-Amz-Signature=" + ftSignature + "&X-Amz-Credential=AKIA"
		return http.StatusOK, ftJSON(map[string]any{"file": file})
	})
	_, err := e.c.UploadFile(context.Background(), gen.UpsertFileJSONRequestBody{Key: "d.txt"},
		client.FileFromBytes([]byte("x")))
	ue := ftUploadError(t, err, "d.txt", client.UploadStepPut)
	assert.NotNil(t, ue.File)
	assert.NotContains(t, err.Error(), "X-Amz-Signature")
	assert.NotContains(t, err.Error(), "AKIA")
}

func TestUploadContextCanceled(t *testing.T) {
	t.Run("before the call", func(t *testing.T) {
		for name, content := range map[string]func(e *ftEnv) client.FileContent{
			"bytes": func(*ftEnv) client.FileContent { return client.FileFromBytes([]byte("x")) },
			"url": func(e *ftEnv) client.FileContent {
				e.store.setBlob("/src/c.txt", ftBlob{data: []byte("x")})
				return client.FileFromURL(e.store.URL + "/src/c.txt?X-Amz-Signature=" + ftSignature)
			},
		} {
			t.Run(name, func(t *testing.T) {
				e := ftSetup(t)
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				file, err := e.c.UploadFile(ctx, gen.UpsertFileJSONRequestBody{Key: "c.txt"}, content(e))
				assert.Nil(t, file)
				ftNoSecrets(t, err)
				assert.ErrorIs(t, err, context.Canceled)
				var ue *client.UploadError
				assert.ErrorAs(t, err, &ue)
				assert.Empty(t, e.store.received())
			})
		}
	})
	t.Run("during the PUT", func(t *testing.T) {
		e := ftSetup(t)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		e.store.setOnPut(func(_ int, w http.ResponseWriter, r *http.Request) {
			cancel()
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
				t.Errorf("the client did not give up the PUT")
			}
			w.WriteHeader(http.StatusOK)
		})
		file, err := e.c.UploadFile(ctx, gen.UpsertFileJSONRequestBody{Key: "c.txt"}, client.FileFromBytes([]byte("x")))
		assert.Nil(t, file)
		ue := ftUploadError(t, err, "c.txt", client.UploadStepPut)
		assert.NotNil(t, ue.File)
		assert.ErrorIs(t, err, context.Canceled)
		assert.Len(t, e.store.received(), 1, "a cancelled call is not retried")
	})
}

func TestUploadErrorNoContent(t *testing.T) {
	e := ftSetup(t)
	_, err := e.c.UploadFile(context.Background(), gen.UpsertFileJSONRequestBody{Key: "z"}, client.FileContent{})
	ftUploadError(t, err, "z", client.UploadStepRead)
	assert.ErrorIs(t, err, client.ErrMissingArgument)
	assert.Empty(t, e.api.requests())
}

func TestDownloadFile(t *testing.T) {
	e := ftSetup(t)
	data := ftPattern(200 << 10)
	e.store.setBlob("/dl/"+ftFileID, ftBlob{data: data, contentType: "text/plain"})
	var buf bytes.Buffer
	n, err := e.c.DownloadFile(context.Background(), ftFileID, &buf)
	require.NoError(t, err)
	assert.Equal(t, int64(len(data)), n)
	assert.True(t, bytes.Equal(data, buf.Bytes()), "downloaded content differs")

	reqs := e.api.requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, http.MethodGet, reqs[0].Method)
	assert.Equal(t, "/v1/files/"+ftFileID, reqs[0].Path)
	ftCheckAPIAuth(t, reqs[0])
	assert.Equal(t, []string{"/dl/" + ftFileID}, e.store.fetched())
}

func TestDownloadFileByKey(t *testing.T) {
	e := ftSetup(t)
	e.store.setBlob("/dl/"+ftFileID, ftBlob{data: []byte("abc")})
	var buf bytes.Buffer
	n, err := e.c.DownloadFile(context.Background(), "docs/report.txt", &buf)
	require.NoError(t, err, "the key's slash must be escaped into one path segment")
	assert.Equal(t, int64(3), n)
	assert.Equal(t, "abc", buf.String())
}

func TestDownloadFileChunked(t *testing.T) {
	e := ftSetup(t)
	data := ftPattern(100 << 10)
	e.store.setBlob("/dl/"+ftFileID, ftBlob{data: data, chunked: true})
	var buf bytes.Buffer
	n, err := e.c.DownloadFile(context.Background(), ftFileID, &buf)
	require.NoError(t, err)
	assert.Equal(t, int64(len(data)), n)
	assert.True(t, bytes.Equal(data, buf.Bytes()))
}

func TestDownloadFileNotFound(t *testing.T) {
	e := ftSetup(t)
	var buf bytes.Buffer
	n, err := e.c.DownloadFile(context.Background(), "file_missing", &buf)
	ftNoSecrets(t, err)
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
	assert.Zero(t, n)
	assert.Empty(t, e.store.fetched())
}

func TestDownloadURLNotFound(t *testing.T) {
	e := ftSetup(t)
	var buf bytes.Buffer
	n, err := e.c.DownloadURL(context.Background(), e.store.URL+"/dl/missing?X-Amz-Signature="+ftSignature, &buf)
	ftNoSecrets(t, err)
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
	var apiErr *bperrors.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusNotFound, apiErr.StatusCode)
	assert.Equal(t, "/dl/missing", apiErr.Path)
	assert.Zero(t, n)
	assert.Zero(t, buf.Len())
	assert.Empty(t, e.api.requests(), "DownloadURL does not call the API")
}

func TestDownloadURLUnreachable(t *testing.T) {
	e := ftSetup(t)
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	_, err := e.c.DownloadURL(context.Background(), dead.URL+"/dl/x?X-Amz-Signature="+ftSignature, io.Discard)
	ftNoSecrets(t, err)
}

func TestDownloadURLRefusesNonHTTP(t *testing.T) {
	e := ftSetup(t)
	for _, u := range []string{
		"file:///etc/passwd",
		"ftp://" + strings.TrimPrefix(e.store.URL, "http://") + "/dl/" + ftFileID,
		"/dl/" + ftFileID,
		"",
		"gopher://example.com/x?X-Amz-Signature=" + ftSignature,
	} {
		var buf bytes.Buffer
		n, err := e.c.DownloadURL(context.Background(), u, &buf)
		require.Error(t, err, "url %q", u)
		ftNoSecrets(t, err)
		assert.Zero(t, n)
		assert.Zero(t, buf.Len())
	}
	assert.Empty(t, e.store.fetched())
	assert.Empty(t, e.api.requests())
}

func TestDownloadURLCanceled(t *testing.T) {
	e := ftSetup(t)
	e.store.setBlob("/dl/"+ftFileID, ftBlob{data: []byte("x")})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := e.c.DownloadURL(ctx, e.store.URL+"/dl/"+ftFileID+"?X-Amz-Signature="+ftSignature, io.Discard)
	ftNoSecrets(t, err)
	assert.True(t, errors.Is(err, context.Canceled), "got %v", err)
}

package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	bperrors "github.com/botpress-go/sdk/errors"
	"github.com/botpress-go/sdk/gen"
	"github.com/botpress-go/sdk/internal/transport"
)

// FileContent is what UploadFile sends. Make one with FileFromBytes,
// FileFromReader, FileFromPath or FileFromURL.
type FileContent struct {
	open func(ctx context.Context, cfg *config) (*fileSource, error)
}

// fileSource is an opened FileContent.
type fileSource struct {
	body        io.ReadCloser
	size        int64
	contentType string                        // a guess; "" when unknown
	reopen      func() (io.ReadCloser, error) // nil when it can be read only once
	cleanup     func()
}

func (s *fileSource) close() {
	if s.body != nil {
		s.body.Close()
	}
	if s.cleanup != nil {
		s.cleanup()
	}
}

// FileFromBytes uploads data.
func FileFromBytes(data []byte) FileContent {
	return FileContent{open: func(context.Context, *config) (*fileSource, error) {
		return &fileSource{
			body: io.NopCloser(bytes.NewReader(data)),
			size: int64(len(data)),
			reopen: func() (io.ReadCloser, error) {
				return io.NopCloser(bytes.NewReader(data)), nil
			},
		}, nil
	}}
}

// FileFromReader uploads size bytes read from r. The content is streamed,
// and read only once, so a failed transfer to storage is not retried.
func FileFromReader(r io.Reader, size int64) FileContent {
	return FileContent{open: func(context.Context, *config) (*fileSource, error) {
		if size < 0 {
			return nil, fmt.Errorf("negative size %d", size)
		}
		return &fileSource{body: io.NopCloser(io.LimitReader(r, size)), size: size}, nil
	}}
}

// FileFromPath uploads a local file. It is streamed from disk, never held
// whole in memory. Unless the upsertFile body says otherwise, the content
// type is guessed from the file name's extension.
func FileFromPath(path string) FileContent {
	return FileContent{open: func(context.Context, *config) (*fileSource, error) {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		info, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, err
		}
		if !info.Mode().IsRegular() {
			f.Close()
			return nil, fmt.Errorf("%s is not a regular file", path)
		}
		return &fileSource{
			body:        f,
			size:        info.Size(),
			contentType: mime.TypeByExtension(filepath.Ext(path)),
			reopen:      func() (io.ReadCloser, error) { return os.Open(path) },
		}, nil
	}}
}

// FileFromURL downloads url and uploads what it serves. No credentials are
// sent to url. When the server gives the length, the content streams from
// the download to the upload (so a failed transfer to storage is not
// retried); otherwise it is first written to a temporary file, removed
// afterwards, and a failed transfer is retried like any PUT. Memory use
// stays small either way. The download honours the client's timeout as an
// idle timeout, as DownloadURL does.
func FileFromURL(url string) FileContent {
	return FileContent{open: func(ctx context.Context, cfg *config) (*fileSource, error) {
		resp, err := fetch(ctx, cfg, url)
		if err != nil {
			return nil, err
		}
		src := &fileSource{body: resp.Body, size: resp.ContentLength, contentType: resp.Header.Get("Content-Type")}
		if src.size >= 0 {
			return src, nil
		}
		tmp, err := os.CreateTemp("", "botpress-upload-*")
		if err != nil {
			resp.Body.Close()
			return nil, err
		}
		remove := func() { tmp.Close(); os.Remove(tmp.Name()) }
		n, err := io.Copy(tmp, resp.Body)
		resp.Body.Close()
		if err == nil {
			_, err = tmp.Seek(0, io.SeekStart)
		}
		if err != nil {
			remove()
			return nil, fmt.Errorf("downloading %s: %w", transport.Redact(url), err)
		}
		name := tmp.Name()
		src.body, src.size, src.cleanup = io.NopCloser(tmp), n, remove
		src.reopen = func() (io.ReadCloser, error) { return os.Open(name) }
		return src, nil
	}}
}

// The steps of an upload, as UploadError.Step names them.
const (
	UploadStepRead   = "read"       // opening or downloading the content
	UploadStepUpsert = "upsertFile" // creating the file record
	UploadStepPut    = "put"        // sending the bytes to storage
)

// UploadError is the error UploadFile returns. It says which step failed
// and, once the file record exists, carries it.
type UploadError struct {
	Key  string
	Step string
	// File is the record upsertFile returned; nil when the upload failed
	// before it.
	File *gen.UpsertFileResponse_File
	Err  error
}

// Error reads like `botpress: uploading file "a.txt": put: ...`, with one
// "botpress: " and the step named once: the cause's message follows
// without its own prefix.
func (e *UploadError) Error() string {
	msg := "<nil>"
	if e.Err != nil {
		msg = transport.Trim(e.Err)
	}
	if !strings.HasPrefix(msg, e.Step+": ") {
		msg = e.Step + ": " + msg
	}
	return fmt.Sprintf("botpress: uploading file %q: %s", e.Key, msg)
}

// Unwrap returns the cause, often an *errors.APIError.
func (e *UploadError) Unwrap() error { return e.Err }

// UploadFile stores a file in two steps, like the official client's
// uploadFile: it creates or replaces the file record with upsertFile
// (body.Size is set from the content, and body.ContentType when it is nil
// and the content's type is known), then PUTs the bytes to the pre-signed
// uploadUrl the API returned, with the file's content type and, when
// body.PublicContentImmediatelyAccessible is true, x-amz-tagging:
// public=true. The storage request carries neither the token nor the scope
// headers. It returns the file record.
//
// The client's timeout (WithTimeout, 60 s by default) bounds each attempt,
// the storage PUT included: for large files on slow links, pass a longer
// one, or 0, to the call.
func (c *Client) UploadFile(ctx context.Context, body gen.UpsertFileJSONRequestBody, content FileContent, opts ...Option) (*gen.UpsertFileResponse_File, error) {
	fail := func(step string, file *gen.UpsertFileResponse_File, err error) (*gen.UpsertFileResponse_File, error) {
		return nil, &UploadError{Key: body.Key, Step: step, File: file, Err: err}
	}
	if ctx == nil {
		return fail(UploadStepRead, nil, errors.New("nil context"))
	}
	if content.open == nil {
		return fail(UploadStepRead, nil, fmt.Errorf("%w: no content", ErrMissingArgument))
	}
	cfg, err := c.with(opts)
	if err != nil {
		return fail(UploadStepRead, nil, err)
	}
	ctx, end := cfg.CallContext(ctx)
	defer end()
	src, err := content.open(ctx, &cfg)
	if err != nil {
		return fail(UploadStepRead, nil, err)
	}
	defer src.close()
	body.Size = src.size
	if body.ContentType == nil && src.contentType != "" {
		body.ContentType = &src.contentType
	}
	rec, err := c.UpsertFile(ctx, body, opts...)
	if err != nil {
		return fail(UploadStepUpsert, nil, err)
	}
	file := &rec.File
	if file.UploadURL == "" {
		return fail(UploadStepPut, file, fmt.Errorf("%w: upsertFile returned no uploadUrl", ErrMalformedResponse))
	}
	// The request carries the first attempt's context (see config.do).
	actx, cancel := cfg.AttemptContext(ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodPut, file.UploadURL, src.body)
	if err != nil {
		return fail(UploadStepPut, file, err)
	}
	req.ContentLength = src.size
	if src.size == 0 {
		req.Body = http.NoBody
	}
	req.GetBody = src.reopen
	if file.ContentType != "" {
		req.Header.Set("Content-Type", file.ContentType)
	}
	if body.PublicContentImmediatelyAccessible != nil && *body.PublicContentImmediatelyAccessible {
		req.Header.Set("x-amz-tagging", "public=true")
	}
	if cfg.UserAgent != "" {
		req.Header.Set("User-Agent", cfg.UserAgent)
	}
	// The storage host is not the API: its requests are not paced.
	storage := cfg
	storage.Pacer = nil
	if _, err := storage.Do(ctx, "uploadFile", req); err != nil {
		return fail(UploadStepPut, file, err)
	}
	return file, nil
}

// DownloadFile writes the content of a file, named by ID or key, to w and
// returns the number of bytes written. It reads the file's URL with
// getFile, then streams the content from that URL, sending no credentials
// there. Timeouts are as for DownloadURL; WithMaxElapsed bounds getFile
// and the download together.
func (c *Client) DownloadFile(ctx context.Context, idOrKey string, w io.Writer, opts ...Option) (int64, error) {
	if ctx == nil {
		return 0, errors.New("botpress: downloadFile: nil context")
	}
	cfg, err := c.with(opts)
	if err != nil {
		return 0, transport.Errorf("botpress: downloadFile: %w", transport.Unprefix(err))
	}
	ctx, end := cfg.CallContext(ctx) // getFile and the download together
	defer end()
	rec, err := c.GetFile(ctx, idOrKey, opts...)
	if err != nil {
		return 0, err
	}
	return c.DownloadURL(ctx, rec.File.URL, w, opts...)
}

// DownloadURL streams what a file URL serves to w, and returns the number
// of bytes written. No credentials are sent to url. The client's timeout
// (WithTimeout) is an idle timeout here: it bounds the wait for the answer
// and each wait for more data, not the whole transfer, so a large file
// streams for as long as data keeps coming; a host that sends nothing for
// that long fails the download with an error wrapping ErrIdleTimeout.
// WithMaxElapsed, when set, bounds the whole download.
func (c *Client) DownloadURL(ctx context.Context, url string, w io.Writer, opts ...Option) (int64, error) {
	if ctx == nil {
		return 0, errors.New("botpress: downloadFile: nil context")
	}
	cfg, err := c.with(opts)
	if err != nil {
		return 0, transport.Errorf("botpress: downloadFile: %w", transport.Unprefix(err))
	}
	ctx, end := cfg.CallContext(ctx)
	defer end()
	resp, err := fetch(ctx, &cfg, url)
	if err != nil {
		return 0, transport.Errorf("botpress: downloadFile: %w", err)
	}
	defer resp.Body.Close()
	n, err := io.Copy(w, resp.Body)
	if err != nil {
		return n, transport.Errorf("botpress: downloadFile: after %d bytes: %w", n, err)
	}
	return n, nil
}

// fetch GETs a file URL with no credentials, and returns the response of a
// 2xx answer with its body open; closing it ends the request. Other answers
// become *errors.APIError. The per-attempt timeout (WithTimeout) bounds the
// wait for the answer's header, then each read of its body: it is an idle
// timeout, so that a large file streams for as long as data keeps coming,
// while a host that stops sending fails the download.
func fetch(ctx context.Context, cfg *config, url string) (*http.Response, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		cancel(nil)
		return nil, fmt.Errorf("file URL: %w", err)
	}
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		cancel(nil)
		return nil, fmt.Errorf("file URL %s is not http(s)", transport.Redact(url))
	}
	if cfg.UserAgent != "" {
		req.Header.Set("User-Agent", cfg.UserAgent)
	}
	idle := newIdleTimer(cfg.Timeout, cancel)
	idle.start()
	resp, err := cfg.HTTPClient.Do(req)
	idle.stop()
	if err != nil {
		cancel(nil)
		if c := context.Cause(ctx); errors.Is(c, ErrIdleTimeout) {
			return nil, c
		}
		return nil, transport.RedactErr(err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		defer cancel(nil)
		defer resp.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(resp.Body, bperrors.MaxBody))
		e := bperrors.FromResponse(resp.StatusCode, resp.Header, body)
		e.Method, e.Path = http.MethodGet, req.URL.Path
		return nil, e
	}
	resp.Body = &idleBody{body: resp.Body, idle: idle, ctx: ctx, cancel: cancel}
	return resp, nil
}

// ErrIdleTimeout is wrapped, with context.DeadlineExceeded, by the error of
// a download (DownloadFile, DownloadURL, FileFromURL) whose host sent
// nothing for longer than the per-attempt timeout (WithTimeout): no answer,
// or no data in the middle of the body.
var ErrIdleTimeout = errors.New("no data from the file host within the timeout")

// idleTimer cancels a download's context when it runs out; nil when there
// is no timeout.
type idleTimer struct {
	d time.Duration
	t *time.Timer
}

func newIdleTimer(d time.Duration, cancel context.CancelCauseFunc) *idleTimer {
	if d <= 0 {
		return nil
	}
	err := fmt.Errorf("%w (%v, WithTimeout): %w", ErrIdleTimeout, d, context.DeadlineExceeded)
	t := time.AfterFunc(time.Hour, func() { cancel(err) })
	t.Stop()
	return &idleTimer{d: d, t: t}
}

func (it *idleTimer) start() {
	if it != nil {
		it.t.Reset(it.d)
	}
}

func (it *idleTimer) stop() {
	if it != nil {
		it.t.Stop()
	}
}

// idleBody is a download's body: each Read is bounded by the idle timer,
// and Close ends the request.
type idleBody struct {
	body   io.ReadCloser
	idle   *idleTimer
	ctx    context.Context
	cancel context.CancelCauseFunc
}

func (b *idleBody) Read(p []byte) (int, error) {
	b.idle.start()
	n, err := b.body.Read(p)
	b.idle.stop()
	if err != nil && err != io.EOF {
		if c := context.Cause(b.ctx); errors.Is(c, ErrIdleTimeout) {
			err = c
		}
	}
	return n, err
}

func (b *idleBody) Close() error {
	err := b.body.Close()
	b.idle.stop()
	b.cancel(nil)
	return err
}

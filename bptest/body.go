package bptest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// readBody reads a request's body once, bounded by limit (bodyLimitOf)
// before a byte is read: a Content-Length over the limit is refused
// at once, and a body of unknown length (chunked) is cut by
// http.MaxBytesReader as soon as it passes the limit. A body of known
// length is read into one buffer of exactly its size, so a large body costs
// its size once, not the doubling copies of io.ReadAll. A client too slow
// to send it is cut by the server's read timeout (WithTimeouts).
func (s *Server) readBody(w http.ResponseWriter, r *http.Request, bl bodyLimit) ([]byte, *apiError) {
	limit := bl.n
	if r.ContentLength > limit {
		return nil, tooLarge("the body", r.ContentLength, bl)
	}
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
		return nil, nil
	}
	body := http.MaxBytesReader(w, r.Body, limit)
	var (
		data []byte
		err  error
	)
	if r.ContentLength > 0 {
		// The length is known and within the limit: one exact buffer.
		data = make([]byte, r.ContentLength)
		_, err = io.ReadFull(body, data)
		if errors.Is(err, io.ErrUnexpectedEOF) {
			err = fmt.Errorf("the body ended before its Content-Length of %d bytes", r.ContentLength)
		}
	} else {
		data, err = readChunks(body)
	}
	if err != nil {
		var overLimit *http.MaxBytesError
		if errors.As(err, &overLimit) {
			return nil, tooLarge("the body", -1, bl)
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return nil, errorf(http.StatusRequestTimeout, "OperationTimeout", "the body was not received within the server's read timeout")
		}
		return nil, invalidPayload("reading the body: %v", err)
	}
	return data, nil
}

// validateRequest checks a request against its operation, as
// openapi3filter.ValidateRequest does, reading its body from body rather
// than from the request: kin-openapi would read the body twice more (for
// the security check and for the body's) and decode it through a growing
// buffer. The body's JSON value is decoded once and returned, for the
// checks that follow (nil when there is no body).
func validateRequest(r *http.Request, input *openapi3filter.RequestValidationInput, body []byte) (any, error) {
	probe := *r
	probe.Body = http.NoBody
	probe.ContentLength = 0
	in := *input
	in.Request = &probe
	opts := openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, ExcludeRequestBody: true}
	if input.Options != nil {
		opts = *input.Options
		opts.ExcludeRequestBody = true
	}
	in.Options = &opts
	if err := openapi3filter.ValidateRequest(r.Context(), &in); err != nil {
		return nil, err
	}
	rb := input.Route.Operation.RequestBody
	if len(bytes.TrimSpace(body)) == 0 || rb == nil || rb.Value == nil {
		return nil, nil
	}
	bodyErr := func(reason string, err error) error {
		return &openapi3filter.RequestError{Input: input, RequestBody: rb.Value, Reason: reason, Err: err}
	}
	content := rb.Value.Content.Get(r.Header.Get("Content-Type"))
	if content == nil {
		return nil, bodyErr(fmt.Sprintf("header Content-Type has unexpected value %q", r.Header.Get("Content-Type")), nil)
	}
	var value any
	if err := json.Unmarshal(body, &value); err != nil {
		return nil, bodyErr("failed to decode request body", &openapi3filter.ParseError{Kind: openapi3filter.KindInvalidFormat, Cause: err})
	}
	if content.Schema == nil || content.Schema.Value == nil {
		return value, nil
	}
	// The handler reads the body as sent: defaults are not written in.
	if err := content.Schema.Value.VisitJSON(value, openapi3.VisitAsRequest()); err != nil {
		id := strings.TrimSpace(content.Schema.Ref)
		if id == "" {
			id = strings.TrimSpace(content.Schema.Value.Title)
		}
		if id != "" {
			id = " " + id
		}
		return nil, bodyErr("doesn't match schema"+id, err)
	}
	return value, nil
}

// readChunks reads a body of unknown length in chunks of a fixed size and
// joins them once at the end: the body's bytes are copied once more, where
// a growing buffer would copy them at every doubling.
func readChunks(r io.Reader) ([]byte, error) {
	const chunk = 256 << 10
	var (
		chunks [][]byte
		total  int
	)
	for {
		buf := make([]byte, chunk)
		n, err := io.ReadFull(r, buf)
		if n > 0 {
			chunks = append(chunks, buf[:n])
			total += n
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	if len(chunks) == 1 {
		return chunks[0], nil
	}
	data := make([]byte, 0, total)
	for _, c := range chunks {
		data = append(data, c...)
	}
	return data, nil
}

package transport

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
)

// Missing is the error of a call that lacks a required argument: what.
func Missing(op, what string) error {
	return fmt.Errorf("botpress: %s: %w: %s is empty", op, ErrMissingArgument, what)
}

// CheckPath refuses a path parameter that is empty or a dot segment.
func CheckPath(op, name, value string) error {
	switch value {
	case "":
		return Missing(op, name)
	case ".", "..":
		return fmt.Errorf("botpress: %s: %w: %s is %q", op, ErrInvalidArgument, name, value)
	}
	return nil
}

// NewRequest builds the request of an operation, as oapi-codegen's request
// builders do (NewXxxRequest(server, ..., nil, body)) but without parsing
// URLs three times: method; the URL made of server, the base URL resolved
// as a directory ("https://host/prefix/"), and path, the spec's path with
// %s in place of each path parameter, filled with params escaped by
// url.PathEscape; and, when body is not nil, body encoded by json.Marshal
// (after NilSafe) and sent as application/json.
//
// The URL is the one the builders make: they resolve "./"+path against
// server, which gives server resolved against "./" (what ResolveBase
// returns) followed by path, as long as path has no "." or ".." segment:
// the specs' paths have none, and CheckPath refuses them as path
// parameters.
func NewRequest(method, server string, body any, path string, params ...string) (*http.Request, error) {
	path = strings.TrimPrefix(path, "/")
	var u strings.Builder
	u.Grow(len(server) + len(path) + 48*len(params))
	u.WriteString(server)
	for _, p := range params {
		i := strings.Index(path, "%s")
		if i < 0 {
			return nil, fmt.Errorf("path %q has fewer parameters than the %d given", path, len(params))
		}
		u.WriteString(path[:i])
		u.WriteString(url.PathEscape(p))
		path = path[i+len("%s"):]
	}
	u.WriteString(path)
	var r io.Reader
	if body != nil {
		buf, err := json.Marshal(NilSafe(body))
		if err != nil {
			return nil, err
		}
		r = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, u.String(), r)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Add("Content-Type", "application/json")
	}
	return req, nil
}

// Prepare builds the request of operation op with build, given the server
// URL, and writes params (a generated *XxxParams, or nil) into its query
// and headers.
func Prepare(op, server string, build func(server string) (*http.Request, error), params any) (*http.Request, error) {
	req, err := build(server)
	if err != nil {
		return nil, fmt.Errorf("botpress: %s: building request: %w", op, err)
	}
	if params != nil {
		q, err := EncodeQuery(params)
		if err != nil {
			return nil, fmt.Errorf("botpress: %s: encoding query: %w", op, err)
		}
		req.URL.RawQuery = q
		if err := EncodeHeaders(params, req.Header); err != nil {
			return nil, fmt.Errorf("botpress: %s: encoding headers: %w", op, err)
		}
	}
	return req, nil
}

// Decode decodes the JSON answer of operation op into a new T; a body that
// is not the JSON value T expects gives an error wrapping
// ErrMalformedResponse.
func Decode[T any](op string, body []byte) (*T, error) {
	out := new(T)
	if err := DecodeObject(body, out); err != nil {
		return nil, fmt.Errorf("botpress: %s: %w: %v", op, ErrMalformedResponse, err)
	}
	return out, nil
}

// DecodeObject decodes a JSON answer into out, refusing empty bodies, null,
// and a JSON value of another kind than out (an object for a struct or a
// map, an array for a slice).
func DecodeObject(body []byte, out any) error {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return errors.New("empty body")
	}
	want := byte('{')
	if k := reflect.TypeOf(out).Elem().Kind(); k == reflect.Slice || k == reflect.Array {
		want = '['
	}
	if trimmed[0] != want {
		return fmt.Errorf("body is not a JSON %s: %.40q", map[byte]string{'{': "object", '[': "array"}[want], trimmed)
	}
	return json.Unmarshal(trimmed, out)
}

// Unprefix drops the "botpress: " of an option error, which the caller adds
// back with the operation's name.
func Unprefix(err error) error {
	if s, ok := strings.CutPrefix(err.Error(), "botpress: "); ok {
		return errors.New(s)
	}
	return err
}

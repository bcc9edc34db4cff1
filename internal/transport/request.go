package transport

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"sync"
)

// Missing is the error of a call that lacks a required argument: what.
func Missing(op, what string) error {
	return Errorf("botpress: %s: %w: %s is empty", op, ErrMissingArgument, what)
}

// CheckPath refuses a path parameter that is empty or a dot segment.
func CheckPath(op, name, value string) error {
	switch value {
	case "":
		return Missing(op, name)
	case ".", "..":
		return Errorf("botpress: %s: %w: %s is %q", op, ErrInvalidArgument, name, value)
	}
	return nil
}

// Endpoint is what the operations' paths are appended to: the base URL
// resolved as a directory ("https://host/prefix/"), as a string and parsed
// once per client.
type Endpoint struct {
	raw string   // "https://host/prefix/"
	url *url.URL // url.Parse(raw), its host without an empty port
}

// NewEndpoint parses raw, the base URL resolved as a directory.
func NewEndpoint(raw string) (*Endpoint, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	u.Host = removeEmptyPort(u.Host)
	return &Endpoint{raw: raw, url: u}, nil
}

// String returns the endpoint's URL, ending in a slash.
func (e *Endpoint) String() string { return e.raw }

// removeEmptyPort drops the colon of a host with an empty port
// ("host:"), as http.NewRequest does.
func removeEmptyPort(host string) string {
	return strings.TrimSuffix(host, ":")
}

// NewRequest builds the request of an operation for its first attempt,
// with ctx as its context, as oapi-codegen's request builders do
// (NewXxxRequest(server, ..., nil, body), see internal/reference) but
// without parsing URLs: method; the URL made of base and path, the spec's
// path with %s in place of each path parameter, filled with params escaped
// by url.PathEscape (see fillURL); and, when body is not nil, body encoded
// by EncodeBody. The caller sets the headers, Content-Type
// included (see HasBody).
func NewRequest(ctx context.Context, base *Endpoint, method string, body any, path string, params ...string) (*http.Request, error) {
	var r io.Reader
	if body != nil {
		buf, err := EncodeBody(body)
		if err != nil {
			return nil, err
		}
		r = bytes.NewReader(buf)
	}
	// An empty URL parses to an empty *url.URL without looking at
	// anything: fillURL fills it in.
	req, err := http.NewRequestWithContext(ctx, method, "", r)
	if err != nil {
		return nil, err
	}
	if err := fillURL(req.URL, base, path, params); err != nil {
		return nil, err
	}
	req.Host = req.URL.Host
	return req, nil
}

// generatedPackages are the packages whose types' MarshalJSON methods are
// generated (from gen/templates and chat/chatgen/templates) and end in
// json.Marshal: their output is compact, valid JSON, with HTML escaped.
var generatedPackages = [...]string{
	"github.com/botpress-go/sdk/gen",
	"github.com/botpress-go/sdk/chat/chatgen",
}

// trustedMarshalers caches, per type, whether EncodeBody may call the
// type's MarshalJSON itself.
var trustedMarshalers sync.Map // reflect.Type → bool

// EncodeBody returns the JSON of a request body: body after NilSafe, as
// json.Marshal encodes it. A body of a generated type with a MarshalJSON
// of its own (the bodies that carry a message payload) is encoded by
// calling that method: its output is json.Marshal's already, which
// json.Marshal would scan and copy a second time.
func EncodeBody(body any) ([]byte, error) {
	body = NilSafe(body)
	if m, ok := body.(json.Marshaler); ok && trustedMarshaler(reflect.TypeOf(body)) {
		return m.MarshalJSON()
	}
	return json.Marshal(body)
}

// trustedMarshaler reports whether t is a struct of one of the
// generatedPackages.
func trustedMarshaler(t reflect.Type) bool {
	if v, ok := trustedMarshalers.Load(t); ok {
		return v.(bool)
	}
	trusted := t.Kind() == reflect.Struct && slices.Contains(generatedPackages[:], t.PkgPath())
	trustedMarshalers.Store(t, trusted)
	return trusted
}

// HasBody reports whether req carries a body, which NewRequest made JSON.
func HasBody(req *http.Request) bool {
	return req.Body != nil && req.Body != http.NoBody
}

// fillURL sets u to the URL that url.Parse makes of base.raw followed by
// path (without its leading slash) with each %s replaced by the next of
// params escaped by url.PathEscape. That is the URL oapi-codegen's builders
// make: they resolve "./"+path against the base URL, which gives the base
// resolved against "./" (base.raw) followed by path, as long as path has no
// "." or ".." segment: the specs' paths have none, and CheckPath refuses
// them as path parameters.
//
// When neither the base's path, nor path's text, nor any parameter needs
// escaping (the usual case: IDs are letters, digits and underscores), the
// URL is built from base.url's parts without parsing anything: Path is
// base.url.Path followed by path with the parameters as they are, and
// RawPath stays empty, since escaping Path gives back the escaped path.
// Otherwise the escaped URL is built as a string and parsed.
func fillURL(u *url.URL, base *Endpoint, path string, params []string) error {
	path = strings.TrimPrefix(path, "/")
	plain := base.url.RawPath == "" && plainPath(path)
	n := len(base.url.Path) + len(path)
	for _, p := range params {
		n += len(p)
		plain = plain && url.PathEscape(p) == p // no copy when nothing is escaped
	}
	if strings.Count(path, "%s") != len(params) {
		return fmt.Errorf("path %q does not have %d parameters", path, len(params))
	}
	var b strings.Builder
	if !plain {
		b.Grow(len(base.raw) + len(path) + 3*n)
		b.WriteString(base.raw)
		writePath(&b, path, params, url.PathEscape)
		parsed, err := url.Parse(b.String())
		if err != nil {
			return err
		}
		*u = *parsed
		u.Host = removeEmptyPort(u.Host)
		return nil
	}
	b.Grow(n)
	b.WriteString(base.url.Path)
	writePath(&b, path, params, nil)
	*u = url.URL{Scheme: base.url.Scheme, User: base.url.User, Host: base.url.Host, Path: b.String()}
	return nil
}

// writePath writes path with each %s replaced by the next of params,
// passed through escape if not nil. The caller has checked that path has
// as many %s as there are params.
func writePath(b *strings.Builder, path string, params []string, escape func(string) string) {
	for _, p := range params {
		i := strings.Index(path, "%s")
		b.WriteString(path[:i])
		if escape != nil {
			p = escape(p)
		}
		b.WriteString(p)
		path = path[i+len("%s"):]
	}
	b.WriteString(path)
}

// plainPath reports whether s, a path template, has only characters that
// neither url.PathEscape nor url.URL.EscapedPath escape, apart from '/'
// (which EscapedPath leaves) and the %s of parameters.
func plainPath(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '-', c == '_', c == '.', c == '~', c == '/':
		case c == '%' && i+1 < len(s) && s[i+1] == 's':
			i++
		default:
			return false
		}
	}
	return true
}

// Builder builds the request of one operation for its first attempt, with
// ctx as its context, against base; the generated methods make one.
type Builder func(ctx context.Context, base *Endpoint) (*http.Request, error)

// Prepare builds the request of operation op with build, with ctx as its
// context, and writes params (a generated *XxxParams, or nil) into its
// query and headers.
func Prepare(ctx context.Context, op string, base *Endpoint, build Builder, params any) (*http.Request, error) {
	req, err := build(ctx, base)
	if err != nil {
		return nil, Errorf("botpress: %s: building request: %w", op, err)
	}
	if params != nil {
		q, err := EncodeQuery(params)
		if err != nil {
			return nil, Errorf("botpress: %s: encoding query: %w", op, err)
		}
		req.URL.RawQuery = q
		if err := EncodeHeaders(params, req.Header); err != nil {
			return nil, Errorf("botpress: %s: encoding headers: %w", op, err)
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
		return nil, Errorf("botpress: %s: %w: %v", op, ErrMalformedResponse, err)
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

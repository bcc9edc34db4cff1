// Package errors turns error answers of the Botpress API into Go errors.
//
// Every failed call of package client returns an error that wraps a
// *APIError when the server answered, so both of these work:
//
//	if errors.Is(err, bperrors.ErrResourceNotFound) { ... }
//
//	var apiErr *bperrors.APIError
//	if errors.As(err, &apiErr) { log.Println(apiErr.StatusCode, apiErr.ID) }
//
// There is one sentinel per error type the API documents, 26 in all. The
// package is named errors like the standard library's; import it under
// another name, such as bperrors.
package errors

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"
)

// ErrMalformedResponse is wrapped by the error of a call whose server
// answered with a success status but a body that is not what the
// operation promises: not the JSON object it describes, or one that lacks
// a field the API says it always sends (or has it null). It is
// client.ErrMalformedResponse and chat.ErrMalformedResponse.
var ErrMalformedResponse = errors.New("malformed response")

// Kind is the type of the sentinel errors: one value per error type of the
// API. Compare with errors.Is, never by its fields.
type Kind struct {
	name   string
	status int
}

// Error returns "botpress: " followed by the type's name.
func (k *Kind) Error() string { return "botpress: " + k.name }

// Name is the API's name for the type, as sent in the "type" field.
func (k *Kind) Name() string { return k.name }

// Status is the HTTP status the API answers this type with.
func (k *Kind) Status() int { return k.status }

// The 26 error types of the Botpress API, with the status each comes with.
var (
	ErrUnknown                = &Kind{"Unknown", 500}
	ErrInternal               = &Kind{"Internal", 500}
	ErrUnauthorized           = &Kind{"Unauthorized", 401}
	ErrForbidden              = &Kind{"Forbidden", 403}
	ErrPayloadTooLarge        = &Kind{"PayloadTooLarge", 413}
	ErrInvalidPayload         = &Kind{"InvalidPayload", 400}
	ErrUnsupportedMediaType   = &Kind{"UnsupportedMediaType", 415}
	ErrMethodNotFound         = &Kind{"MethodNotFound", 405}
	ErrResourceNotFound       = &Kind{"ResourceNotFound", 404}
	ErrInvalidJSONSchema      = &Kind{"InvalidJsonSchema", 400}
	ErrInvalidDataFormat      = &Kind{"InvalidDataFormat", 400}
	ErrInvalidIdentifier      = &Kind{"InvalidIdentifier", 400}
	ErrRelationConflict       = &Kind{"RelationConflict", 409}
	ErrReferenceConstraint    = &Kind{"ReferenceConstraint", 409}
	ErrResourceLockedConflict = &Kind{"ResourceLockedConflict", 409}
	ErrResourceGone           = &Kind{"ResourceGone", 410}
	ErrReferenceNotFound      = &Kind{"ReferenceNotFound", 400}
	ErrInvalidQuery           = &Kind{"InvalidQuery", 400}
	ErrRuntime                = &Kind{"Runtime", 400}
	ErrAlreadyExists          = &Kind{"AlreadyExists", 409}
	ErrRateLimited            = &Kind{"RateLimited", 429}
	ErrPaymentRequired        = &Kind{"PaymentRequired", 402}
	ErrQuotaExceeded          = &Kind{"QuotaExceeded", 403}
	ErrLimitExceeded          = &Kind{"LimitExceeded", 413}
	ErrBreakingChanges        = &Kind{"BreakingChanges", 400}
	ErrOperationTimeout       = &Kind{"OperationTimeout", 504}
)

// Kinds lists the 26 sentinels in the order the API documents them.
func Kinds() []*Kind {
	return []*Kind{
		ErrUnknown, ErrInternal, ErrUnauthorized, ErrForbidden, ErrPayloadTooLarge,
		ErrInvalidPayload, ErrUnsupportedMediaType, ErrMethodNotFound, ErrResourceNotFound,
		ErrInvalidJSONSchema, ErrInvalidDataFormat, ErrInvalidIdentifier, ErrRelationConflict,
		ErrReferenceConstraint, ErrResourceLockedConflict, ErrResourceGone, ErrReferenceNotFound,
		ErrInvalidQuery, ErrRuntime, ErrAlreadyExists, ErrRateLimited, ErrPaymentRequired,
		ErrQuotaExceeded, ErrLimitExceeded, ErrBreakingChanges, ErrOperationTimeout,
	}
}

// KindOf returns the sentinel for a type name as the API sends it, or
// ErrUnknown for a name it does not document.
func KindOf(typ string) *Kind {
	for _, k := range Kinds() {
		if k.name == typ {
			return k
		}
	}
	return ErrUnknown
}

// kindOfStatus returns the sentinel for a status that only one error type
// uses (404, 401, 429, ...), or ErrUnknown when the status is shared by
// several types (400, 409, ...) or by none.
func kindOfStatus(status int) *Kind {
	var found *Kind
	for _, k := range Kinds() {
		if k.status != status {
			continue
		}
		if found != nil {
			return ErrUnknown
		}
		found = k
	}
	if found == nil {
		return ErrUnknown
	}
	return found
}

// APIError is an error answer of the API. It unwraps to the sentinel of
// its type, so errors.Is(err, ErrResourceNotFound) holds for a 404.
type APIError struct {
	// StatusCode is the HTTP status of the answer.
	StatusCode int
	// Type is the "type" field exactly as received; empty when the body
	// was not an error object. It may name a type this package does not know.
	Type string
	// Message says what went wrong: the "message" field, or the
	// "description" field of the documented shape.
	Message string
	// ID identifies this occurrence of the error (err_...), when sent.
	ID string
	// Metadata holds the extra facts the API attached, when any.
	Metadata map[string]any
	// Header is the answer's HTTP header.
	Header http.Header
	// RateLimit holds what the answer's RateLimit-Limit,
	// RateLimit-Remaining and RateLimit-Reset headers say; nil when it
	// had none of them. The API sends them with every answer, and a 429
	// RateLimited says when the window resets.
	RateLimit *RateLimit
	// RetryAfter is how long the answer asked to wait before trying again
	// (its Retry-After or retry-after-ms header), reckoned when the answer
	// was read; see ParseRetryAfter.
	RetryAfter time.Duration
	// HasRetryAfter says whether the answer asked for a wait at all.
	HasRetryAfter bool
	// Body is the raw body of the answer, at most MaxBody bytes of it: of
	// a longer body, FromResponse keeps a copy of the first MaxBody bytes,
	// never a slice of the whole.
	//
	// An APIError holds a bounded amount: Body, Message and Metadata at
	// most MaxBody bytes each (Message is cut, Metadata dropped when its
	// JSON is longer), ID and Type at most 1000 bytes, besides its Header
	// (which net/http bounds: 1 MB by default, see
	// http.Transport.MaxResponseHeaderBytes). The client reads at most
	// MaxErrorRead bytes of an error answer.
	Body []byte
	// Kind is the sentinel this error unwraps to.
	Kind *Kind
	// Operation, Method and Path say which call failed, when known.
	Operation, Method, Path string
	// Hint, when set, is the client's guess at the fix, such as a scope
	// header the call needs and did not send; Error() adds it at the end.
	Hint string
}

// MaxBody bounds how much of an error answer's body is kept in
// APIError.Body, and the length of its Message and of its Metadata's JSON.
const MaxBody = 64 << 10

// MaxErrorRead bounds how much of an error answer the clients read (and
// FromResponse parses): the rest is not read, and the connection is
// closed. A longer answer still gives an APIError with its status, but
// its JSON fields, cut short, are not read.
const MaxErrorRead = 1 << 20

// excerptLen bounds how much of a non-JSON body goes into the error
// string, and maxMessage how much of the server's message.
const (
	excerptLen = 200
	maxMessage = 1000
)

// Error reads like "botpress: getUser: 404 ResourceNotFound: User not found (id err_1)".
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("botpress: ")
	if e.Operation != "" {
		b.WriteString(e.Operation)
		b.WriteString(": ")
	}
	fmt.Fprintf(&b, "%d", e.StatusCode)
	if e.Type != "" {
		b.WriteString(" " + e.Type)
	} else if t := http.StatusText(e.StatusCode); t != "" {
		b.WriteString(" " + t)
	}
	if e.Message != "" {
		b.WriteString(": " + clip(e.Message, maxMessage))
	} else if e.Type == "" {
		if ex := excerpt(e.Body); ex != "" {
			b.WriteString(": unexpected body: " + ex)
		} else {
			b.WriteString(": empty body")
		}
	}
	if e.ID != "" {
		b.WriteString(" (id " + e.ID + ")")
	}
	if e.Hint != "" {
		b.WriteString("; " + e.Hint)
	}
	return b.String()
}

// Unwrap returns the sentinel of the error's type.
func (e *APIError) Unwrap() error {
	if e.Kind == nil {
		return ErrUnknown
	}
	return e.Kind
}

// FromResponse builds the APIError for an answer with a non-2xx status. It
// never fails: a body that is not an error object (empty, an HTML page from
// a proxy, truncated JSON) gives an APIError that keeps the status and the
// body, matched by status where only one error type uses it.
//
// Both shapes the API uses for errors are read: the live one
// {id, code, type, message, metadata} and the documented one
// {type, description, status}. Each field is read on its own, so one field
// of an unexpected type does not hide the others. The rate-limit headers
// and Retry-After are read too; see RateLimit and ParseRetryAfter.
func FromResponse(status int, header http.Header, body []byte) *APIError {
	e := &APIError{StatusCode: status, Header: header, Body: body}
	if len(body) > MaxBody {
		// A copy, so that the error does not keep the whole body alive.
		e.Body = bytes.Clone(body[:MaxBody])
	}
	e.RateLimit = ParseRateLimit(header)
	e.RetryAfter, e.HasRetryAfter = ParseRetryAfter(header, time.Now())
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		e.Kind = kindOfStatus(status)
		return e
	}
	str := func(key string) string {
		var v string
		_ = json.Unmarshal(fields[key], &v)
		return v
	}
	e.Message = clip(firstNonEmpty(str("message"), str("description")), MaxBody)
	e.ID = clip(str("id"), maxMessage)
	if raw := fields["metadata"]; len(raw) > 0 && len(raw) <= MaxBody {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber() // keep large numbers exact
		_ = dec.Decode(&e.Metadata)
	}
	e.Type = clip(str("type"), maxMessage)
	if e.Type == "" {
		e.Kind = kindOfStatus(status)
	} else {
		e.Kind = KindOf(e.Type)
	}
	return e
}

// excerpt returns the start of a body as one line of valid UTF-8, with
// invalid bytes shown as '?'.
func excerpt(body []byte) string {
	return clip(strings.Join(strings.Fields(strings.ToValidUTF8(string(body), "?")), " "), excerptLen)
}

// clip cuts s to at most n bytes without splitting a character.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 {
		r, size := utf8.DecodeLastRuneInString(s)
		if r != utf8.RuneError || size != 1 {
			break
		}
		s = s[:len(s)-1]
	}
	return s + "..."
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

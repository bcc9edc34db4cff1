package errors_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	bperrors "github.com/botpress-go/sdk/errors"
)

// errtTable is the list of error types of the API with their statuses, as
// the upstream reference gives it, in the documented order.
var errtTable = []struct {
	name   string
	status int
	kind   *bperrors.Kind
}{
	{"Unknown", 500, bperrors.ErrUnknown},
	{"Internal", 500, bperrors.ErrInternal},
	{"Unauthorized", 401, bperrors.ErrUnauthorized},
	{"Forbidden", 403, bperrors.ErrForbidden},
	{"PayloadTooLarge", 413, bperrors.ErrPayloadTooLarge},
	{"InvalidPayload", 400, bperrors.ErrInvalidPayload},
	{"UnsupportedMediaType", 415, bperrors.ErrUnsupportedMediaType},
	{"MethodNotFound", 405, bperrors.ErrMethodNotFound},
	{"ResourceNotFound", 404, bperrors.ErrResourceNotFound},
	{"InvalidJsonSchema", 400, bperrors.ErrInvalidJSONSchema},
	{"InvalidDataFormat", 400, bperrors.ErrInvalidDataFormat},
	{"InvalidIdentifier", 400, bperrors.ErrInvalidIdentifier},
	{"RelationConflict", 409, bperrors.ErrRelationConflict},
	{"ReferenceConstraint", 409, bperrors.ErrReferenceConstraint},
	{"ResourceLockedConflict", 409, bperrors.ErrResourceLockedConflict},
	{"ResourceGone", 410, bperrors.ErrResourceGone},
	{"ReferenceNotFound", 400, bperrors.ErrReferenceNotFound},
	{"InvalidQuery", 400, bperrors.ErrInvalidQuery},
	{"Runtime", 400, bperrors.ErrRuntime},
	{"AlreadyExists", 409, bperrors.ErrAlreadyExists},
	{"RateLimited", 429, bperrors.ErrRateLimited},
	{"PaymentRequired", 402, bperrors.ErrPaymentRequired},
	{"QuotaExceeded", 403, bperrors.ErrQuotaExceeded},
	{"LimitExceeded", 413, bperrors.ErrLimitExceeded},
	{"BreakingChanges", 400, bperrors.ErrBreakingChanges},
	{"OperationTimeout", 504, bperrors.ErrOperationTimeout},
}

// errtJSON marshals v, failing the test on error.
func errtJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}

// errtAssertOnlyIs checks that err is the sentinel want and none of the
// other 25.
func errtAssertOnlyIs(t *testing.T, err error, want *bperrors.Kind) {
	t.Helper()
	for _, k := range bperrors.Kinds() {
		if k == want {
			assert.ErrorIs(t, err, k, "errors.Is(err, %s)", k.Name())
		} else {
			assert.NotErrorIs(t, err, k, "errors.Is(err, %s) must be false, the error is %s", k.Name(), want.Name())
		}
	}
}

func TestKindsMatchTheDocumentedTypes(t *testing.T) {
	kinds := bperrors.Kinds()
	require.Len(t, kinds, 26)
	require.Len(t, errtTable, 26)
	names := map[string]bool{}
	ptrs := map[*bperrors.Kind]bool{}
	for i, k := range kinds {
		require.NotNil(t, k)
		want := errtTable[i]
		assert.Same(t, want.kind, k, "Kinds()[%d]", i)
		assert.Equal(t, want.name, k.Name(), "Kinds()[%d].Name()", i)
		assert.Equal(t, want.status, k.Status(), "%s.Status()", k.Name())
		assert.Equal(t, "botpress: "+want.name, k.Error())
		assert.False(t, names[k.Name()], "duplicate name %s", k.Name())
		assert.False(t, ptrs[k], "duplicate sentinel %s", k.Name())
		names[k.Name()] = true
		ptrs[k] = true
	}
	// Kinds returns a fresh slice: changing it does not change the package.
	kinds[0] = nil
	assert.Same(t, bperrors.ErrUnknown, bperrors.Kinds()[0])
}

func TestKindOf(t *testing.T) {
	for _, row := range errtTable {
		assert.Same(t, row.kind, bperrors.KindOf(row.name), "KindOf(%q)", row.name)
	}
	for _, name := range []string{"", "SomethingNew", "resourcenotfound", "RESOURCENOTFOUND", " ResourceNotFound", "ResourceNotFound ", "Err", "botpress: ResourceNotFound"} {
		assert.Same(t, bperrors.ErrUnknown, bperrors.KindOf(name), "KindOf(%q)", name)
	}
}

func TestSentinelsAreDistinct(t *testing.T) {
	for _, a := range bperrors.Kinds() {
		for _, b := range bperrors.Kinds() {
			if a == b {
				assert.ErrorIs(t, a, b)
			} else {
				assert.NotErrorIs(t, a, b, "%s is %s", a.Name(), b.Name())
			}
		}
	}
}

func TestFromResponseLiveShape(t *testing.T) {
	for _, k := range bperrors.Kinds() {
		t.Run(k.Name(), func(t *testing.T) {
			id := "err_" + strings.ToLower(k.Name())
			msg := "something about " + k.Name() + " went wrong"
			body := errtJSON(t, map[string]any{
				"id":      id,
				"code":    k.Status(),
				"type":    k.Name(),
				"message": msg,
				"metadata": map[string]any{
					"resource": "user",
					"userId":   "usr_1",
					"nested":   map[string]any{"ok": true},
					"count":    3,
				},
			})
			header := http.Header{"Content-Type": {"application/json"}, "X-Request-Id": {"req_1"}}

			e := bperrors.FromResponse(k.Status(), header, body)
			require.NotNil(t, e)
			assert.Equal(t, k.Status(), e.StatusCode)
			assert.Equal(t, k.Name(), e.Type)
			assert.Equal(t, msg, e.Message)
			assert.Equal(t, id, e.ID)
			assert.Same(t, k, e.Kind)
			assert.Equal(t, body, e.Body)
			assert.Equal(t, "req_1", e.Header.Get("X-Request-Id"))
			require.NotNil(t, e.Metadata)
			assert.Equal(t, "user", e.Metadata["resource"])
			assert.Equal(t, "usr_1", e.Metadata["userId"])
			assert.Equal(t, map[string]any{"ok": true}, e.Metadata["nested"])
			assert.EqualValues(t, "3", fmt.Sprint(e.Metadata["count"]))
			assert.Empty(t, e.Operation)

			var err error = e
			errtAssertOnlyIs(t, err, k)
			assert.Same(t, k, e.Unwrap())

			wrapped := fmt.Errorf("listing users: %w", err)
			errtAssertOnlyIs(t, wrapped, k)
			var got *bperrors.APIError
			require.ErrorAs(t, wrapped, &got)
			assert.Same(t, e, got)

			s := e.Error()
			assert.True(t, strings.HasPrefix(s, "botpress: "), s)
			assert.Contains(t, s, strconv.Itoa(k.Status()))
			assert.Contains(t, s, k.Name())
			assert.Contains(t, s, msg)
			assert.Contains(t, s, id)
			assert.Equal(t, fmt.Sprintf("botpress: %d %s: %s (id %s)", k.Status(), k.Name(), msg, id), s)
		})
	}
}

func TestFromResponseDocumentedShape(t *testing.T) {
	for _, k := range bperrors.Kinds() {
		t.Run(k.Name(), func(t *testing.T) {
			desc := "documented " + k.Name()
			body := errtJSON(t, map[string]any{
				"type":        k.Name(),
				"description": desc,
				"status":      k.Status(),
			})
			e := bperrors.FromResponse(k.Status(), nil, body)
			require.NotNil(t, e)
			assert.Equal(t, k.Status(), e.StatusCode)
			assert.Equal(t, k.Name(), e.Type)
			assert.Equal(t, desc, e.Message)
			assert.Empty(t, e.ID)
			assert.Nil(t, e.Metadata)
			assert.Same(t, k, e.Kind)
			assert.Equal(t, body, e.Body)

			var err error = e
			errtAssertOnlyIs(t, err, k)
			var got *bperrors.APIError
			require.ErrorAs(t, fmt.Errorf("wrapped: %w", err), &got)
			assert.Same(t, e, got)

			s := e.Error()
			assert.Contains(t, s, strconv.Itoa(k.Status()))
			assert.Contains(t, s, k.Name())
			assert.Contains(t, s, desc)
			assert.NotContains(t, s, "(id ", "no id was sent")
			assert.Equal(t, fmt.Sprintf("botpress: %d %s: %s", k.Status(), k.Name(), desc), s)
		})
	}
}

func TestFromResponseShapeDetails(t *testing.T) {
	t.Run("message wins over description", func(t *testing.T) {
		e := bperrors.FromResponse(404, nil, []byte(`{"type":"ResourceNotFound","message":"live","description":"documented"}`))
		assert.Equal(t, "live", e.Message)
	})
	t.Run("description used when message is empty", func(t *testing.T) {
		e := bperrors.FromResponse(404, nil, []byte(`{"type":"ResourceNotFound","message":"","description":"documented"}`))
		assert.Equal(t, "documented", e.Message)
	})
	t.Run("type wins over status", func(t *testing.T) {
		// A type the body names is more precise than the status it came with.
		e := bperrors.FromResponse(400, nil, []byte(`{"type":"ResourceNotFound","message":"gone"}`))
		assert.Equal(t, 400, e.StatusCode)
		errtAssertOnlyIs(t, e, bperrors.ErrResourceNotFound)
	})
	t.Run("shared status resolved by type", func(t *testing.T) {
		for _, k := range []*bperrors.Kind{bperrors.ErrForbidden, bperrors.ErrQuotaExceeded} {
			e := bperrors.FromResponse(403, nil, []byte(`{"type":"`+k.Name()+`","message":"no"}`))
			errtAssertOnlyIs(t, e, k)
		}
	})
	t.Run("type only", func(t *testing.T) {
		e := bperrors.FromResponse(404, nil, []byte(`{"type":"ResourceNotFound"}`))
		assert.Equal(t, "ResourceNotFound", e.Type)
		assert.Empty(t, e.Message)
		assert.Equal(t, "botpress: 404 ResourceNotFound", e.Error())
	})
	t.Run("whitespace around the object", func(t *testing.T) {
		e := bperrors.FromResponse(409, nil, []byte("\n\t {\"type\":\"AlreadyExists\",\"message\":\"dup\"} \r\n"))
		errtAssertOnlyIs(t, e, bperrors.ErrAlreadyExists)
		assert.Equal(t, "dup", e.Message)
	})
	t.Run("null metadata", func(t *testing.T) {
		e := bperrors.FromResponse(404, nil, []byte(`{"type":"ResourceNotFound","message":"m","metadata":null,"id":"err_1"}`))
		errtAssertOnlyIs(t, e, bperrors.ErrResourceNotFound)
		assert.Nil(t, e.Metadata)
		assert.Equal(t, "err_1", e.ID)
	})
	t.Run("large numbers in metadata keep their digits", func(t *testing.T) {
		e := bperrors.FromResponse(429, nil, []byte(`{"type":"RateLimited","message":"slow down","metadata":{"resetAt":12345678901234567890}}`))
		errtAssertOnlyIs(t, e, bperrors.ErrRateLimited)
		assert.Equal(t, "12345678901234567890", fmt.Sprint(e.Metadata["resetAt"]))
	})
	t.Run("unicode message", func(t *testing.T) {
		e := bperrors.FromResponse(400, nil, []byte(`{"type":"InvalidPayload","message":"champ « nom » manquant \u2014 ✓"}`))
		assert.Equal(t, "champ « nom » manquant — ✓", e.Message)
		assert.Contains(t, e.Error(), "champ « nom » manquant — ✓")
	})
	t.Run("header kept", func(t *testing.T) {
		h := http.Header{"Retry-After": {"3"}}
		e := bperrors.FromResponse(429, h, []byte(`{"type":"RateLimited"}`))
		assert.Equal(t, "3", e.Header.Get("Retry-After"))
	})
	t.Run("nil header and nil body", func(t *testing.T) {
		e := bperrors.FromResponse(404, nil, nil)
		require.NotNil(t, e)
		assert.Nil(t, e.Header)
		assert.Empty(t, e.Body)
		errtAssertOnlyIs(t, e, bperrors.ErrResourceNotFound)
	})
}

func TestFromResponseUnknownType(t *testing.T) {
	bodies := map[string]string{
		"live":       `{"id":"err_new","code":400,"type":"SomethingNew","message":"a brand new failure","metadata":{"a":"b"}}`,
		"documented": `{"type":"SomethingNew","description":"a brand new failure","status":400}`,
	}
	for shape, body := range bodies {
		t.Run(shape, func(t *testing.T) {
			e := bperrors.FromResponse(400, nil, []byte(body))
			require.NotNil(t, e)
			assert.Equal(t, "SomethingNew", e.Type, "the raw type is kept")
			assert.Equal(t, "a brand new failure", e.Message)
			assert.Same(t, bperrors.ErrUnknown, e.Kind)
			errtAssertOnlyIs(t, e, bperrors.ErrUnknown)
			var got *bperrors.APIError
			require.ErrorAs(t, fmt.Errorf("x: %w", error(e)), &got)
			s := e.Error()
			assert.Contains(t, s, "400")
			assert.Contains(t, s, "SomethingNew")
			assert.Contains(t, s, "a brand new failure")
			if shape == "live" {
				assert.Equal(t, "err_new", e.ID)
				assert.Equal(t, map[string]any{"a": "b"}, e.Metadata)
				assert.Contains(t, s, "err_new")
			}
		})
	}
	t.Run("unknown type with a status only one type uses", func(t *testing.T) {
		// The body names a type: it is not guessed from the status.
		e := bperrors.FromResponse(404, nil, []byte(`{"type":"SomethingNew","message":"m"}`))
		assert.Equal(t, "SomethingNew", e.Type)
		errtAssertOnlyIs(t, e, bperrors.ErrUnknown)
	})
}

const errtProxyPage = `<html>
<head><title>502 Bad Gateway</title></head>
<body>
<center><h1>502 Bad Gateway</h1></center>
<hr><center>nginx</center>
</body>
</html>
`

func TestFromResponseNotAnErrorObject(t *testing.T) {
	cases := []struct {
		name    string
		status  int
		body    string
		want    *bperrors.Kind
		message string   // expected Message
		inError []string // substrings of Error()
	}{
		{name: "empty", status: 500, body: "", want: bperrors.ErrUnknown, inError: []string{"500", "Internal Server Error", "empty body"}},
		{name: "whitespace only", status: 404, body: " \r\n\t ", want: bperrors.ErrResourceNotFound, inError: []string{"404", "Not Found", "empty body"}},
		{name: "html from a proxy", status: 502, body: errtProxyPage, want: bperrors.ErrUnknown, inError: []string{"502", "Bad Gateway", "unexpected body", "<html> <head><title>502 Bad Gateway</title></head>", "nginx"}},
		{name: "plain text", status: 503, body: "upstream connect error or disconnect/reset before headers", want: bperrors.ErrUnknown, inError: []string{"503", "Service Unavailable", "upstream connect error"}},
		{name: "truncated json", status: 400, body: `{"id":"err_1","code":400,"type":"InvalidPayload","mess`, want: bperrors.ErrUnknown, inError: []string{"400", "Bad Request", `"type":"InvalidPayload","mess`}},
		{name: "truncated json unique status", status: 404, body: `{"type":"ResourceNotFound","message":"User not`, want: bperrors.ErrResourceNotFound, inError: []string{"404", `{"type":"ResourceNotFound"`}},
		{name: "json without type", status: 409, body: `{"error":"conflict"}`, want: bperrors.ErrUnknown, inError: []string{"409", "Conflict", `{"error":"conflict"}`}},
		{name: "json without type with message", status: 504, body: `{"message":"upstream timed out"}`, want: bperrors.ErrOperationTimeout, message: "upstream timed out", inError: []string{"504", "Gateway Timeout", "upstream timed out"}},
		{name: "json without type with description", status: 413, body: `{"description":"too big","status":413}`, want: bperrors.ErrUnknown, message: "too big", inError: []string{"413", "too big"}},
		{name: "empty type", status: 401, body: `{"type":"","message":"bad token"}`, want: bperrors.ErrUnauthorized, message: "bad token", inError: []string{"401", "Unauthorized", "bad token"}},
		{name: "null type", status: 400, body: `{"type":null,"message":"m"}`, want: bperrors.ErrUnknown, message: "m", inError: []string{"400", "m"}},
		{name: "type not a string", status: 400, body: `{"type":404,"message":"m"}`, want: bperrors.ErrUnknown, message: "m", inError: []string{"400", ": m"}},
		{name: "json array", status: 400, body: `[{"type":"InvalidPayload","message":"m"}]`, want: bperrors.ErrUnknown, inError: []string{"400", `[{"type":"InvalidPayload"`}},
		{name: "json array unique status", status: 429, body: `[]`, want: bperrors.ErrRateLimited, inError: []string{"429", "Too Many Requests", "[]"}},
		{name: "null", status: 500, body: `null`, want: bperrors.ErrUnknown, inError: []string{"500", "null"}},
		{name: "null unique status", status: 410, body: `null`, want: bperrors.ErrResourceGone, inError: []string{"410", "Gone", "null"}},
		{name: "json string", status: 403, body: `"forbidden"`, want: bperrors.ErrUnknown, inError: []string{"403", `"forbidden"`}},
		{name: "json number", status: 418, body: `42`, want: bperrors.ErrUnknown, inError: []string{"418", "42"}},
		{name: "invalid utf-8", status: 502, body: "\xff\xfe<html>Bad \xc3\x28Gateway</html>", want: bperrors.ErrUnknown, inError: []string{"502", "Bad Gateway", "<html>Bad ?(Gateway</html>"}},
		{name: "invalid utf-8 unique status", status: 415, body: "\x80\x81\x82", want: bperrors.ErrUnsupportedMediaType, inError: []string{"415", "Unsupported Media Type"}},
		{name: "nul bytes", status: 500, body: "\x00\x00\x00", want: bperrors.ErrUnknown, inError: []string{"500"}},
		{name: "unknown status", status: 599, body: "weird", want: bperrors.ErrUnknown, inError: []string{"599", "weird"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := bperrors.FromResponse(tc.status, http.Header{"Content-Type": {"text/html"}}, []byte(tc.body))
			require.NotNil(t, e)
			assert.Equal(t, tc.status, e.StatusCode)
			assert.Empty(t, e.Type, "a body without a type string leaves Type empty")
			assert.Empty(t, e.ID)
			assert.Equal(t, tc.message, e.Message)
			assert.Equal(t, tc.body, string(e.Body), "the raw body is kept")
			assert.Same(t, tc.want, e.Kind)
			errtAssertOnlyIs(t, e, tc.want)
			var got *bperrors.APIError
			require.ErrorAs(t, fmt.Errorf("w: %w", error(e)), &got)
			assert.Same(t, e, got)

			s := e.Error()
			assert.True(t, strings.HasPrefix(s, "botpress: "), s)
			assert.True(t, utf8.ValidString(s), "Error() is valid UTF-8: %q", s)
			assert.NotContains(t, s, "\n", "Error() is one line: %q", s)
			for _, sub := range tc.inError {
				assert.Contains(t, s, sub)
			}
			assert.Less(t, len(s), 400, s)
		})
	}
}

func TestFromResponseStatusOnly(t *testing.T) {
	unique := map[int]*bperrors.Kind{
		401: bperrors.ErrUnauthorized,
		402: bperrors.ErrPaymentRequired,
		404: bperrors.ErrResourceNotFound,
		405: bperrors.ErrMethodNotFound,
		410: bperrors.ErrResourceGone,
		415: bperrors.ErrUnsupportedMediaType,
		429: bperrors.ErrRateLimited,
		504: bperrors.ErrOperationTimeout,
	}
	shared := []int{400, 403, 409, 413, 500, 502, 503, 418, 0, 200, 299, 301, 422, 599, 999, -1}

	// The table above agrees with the statuses of the sentinels.
	count := map[int]int{}
	for _, k := range bperrors.Kinds() {
		count[k.Status()]++
	}
	for status, k := range unique {
		assert.Equal(t, 1, count[status], "status %d", status)
		assert.Equal(t, status, k.Status())
	}
	for status, n := range count {
		if n == 1 {
			assert.Contains(t, unique, status, "status %d is used by one type only", status)
		}
	}

	bodies := map[string]string{"empty": "", "html": errtProxyPage, "text": "nope", "truncated": `{"type":"Inv`}
	for bodyName, body := range bodies {
		for status, k := range unique {
			t.Run(fmt.Sprintf("%s/%d", bodyName, status), func(t *testing.T) {
				e := bperrors.FromResponse(status, nil, []byte(body))
				errtAssertOnlyIs(t, e, k)
				assert.Empty(t, e.Type)
				assert.Contains(t, e.Error(), strconv.Itoa(status))
			})
		}
		for _, status := range shared {
			t.Run(fmt.Sprintf("%s/%d", bodyName, status), func(t *testing.T) {
				e := bperrors.FromResponse(status, nil, []byte(body))
				errtAssertOnlyIs(t, e, bperrors.ErrUnknown)
				assert.Empty(t, e.Type)
				assert.Contains(t, e.Error(), strconv.Itoa(status))
			})
		}
	}
}

func TestFromResponseHugeBody(t *testing.T) {
	t.Run("html", func(t *testing.T) {
		body := []byte("<html><body>" + strings.Repeat("Bad Gateway ", bperrors.MaxBody/6) + "</body></html>")
		require.Greater(t, len(body), bperrors.MaxBody)
		e := bperrors.FromResponse(502, nil, body)
		assert.Len(t, e.Body, bperrors.MaxBody)
		assert.Equal(t, body[:bperrors.MaxBody], e.Body)
		errtAssertOnlyIs(t, e, bperrors.ErrUnknown)
		s := e.Error()
		assert.Less(t, len(s), 400, "Error() stays short: %d bytes", len(s))
		assert.Contains(t, s, "502")
		assert.Contains(t, s, "<html><body>Bad Gateway Bad Gateway")
		assert.True(t, strings.HasSuffix(s, "..."), "a cut excerpt ends with ...: %q", s)
	})
	t.Run("one long line without spaces", func(t *testing.T) {
		body := []byte(strings.Repeat("x", 3*bperrors.MaxBody))
		e := bperrors.FromResponse(429, nil, body)
		assert.Len(t, e.Body, bperrors.MaxBody)
		errtAssertOnlyIs(t, e, bperrors.ErrRateLimited)
		assert.Less(t, len(e.Error()), 400)
	})
	t.Run("json error object with huge metadata", func(t *testing.T) {
		body := errtJSON(t, map[string]any{
			"id": "err_big", "code": 413, "type": "PayloadTooLarge", "message": "too big",
			"metadata": map[string]any{"padding": strings.Repeat("p", 2*bperrors.MaxBody)},
		})
		require.Greater(t, len(body), bperrors.MaxBody)
		e := bperrors.FromResponse(413, nil, body)
		assert.Len(t, e.Body, bperrors.MaxBody)
		errtAssertOnlyIs(t, e, bperrors.ErrPayloadTooLarge)
		assert.Equal(t, "too big", e.Message)
		assert.Equal(t, "err_big", e.ID)
		s := e.Error()
		assert.Less(t, len(s), 400)
		assert.Equal(t, "botpress: 413 PayloadTooLarge: too big (id err_big)", s)
	})
	t.Run("huge truncated json", func(t *testing.T) {
		body := []byte(`{"type":"InvalidPayload","message":"` + strings.Repeat("m", 2*bperrors.MaxBody))
		e := bperrors.FromResponse(400, nil, body)
		assert.Len(t, e.Body, bperrors.MaxBody)
		errtAssertOnlyIs(t, e, bperrors.ErrUnknown)
		assert.Less(t, len(e.Error()), 400)
	})
	t.Run("exactly MaxBody", func(t *testing.T) {
		body := []byte(strings.Repeat("y", bperrors.MaxBody))
		e := bperrors.FromResponse(500, nil, body)
		assert.Len(t, e.Body, bperrors.MaxBody)
	})
}

func TestAPIErrorExcerptUTF8(t *testing.T) {
	t.Run("cut inside a multi-byte rune", func(t *testing.T) {
		body := strings.Repeat("a", 199) + "é" + strings.Repeat("b", 300)
		s := bperrors.FromResponse(502, nil, []byte(body)).Error()
		assert.True(t, utf8.ValidString(s), "%q", s)
		assert.Contains(t, s, strings.Repeat("a", 199)+"...")
		assert.Less(t, len(s), 400)
	})
	t.Run("long latin-1 page", func(t *testing.T) {
		// An ISO-8859-1 page from a proxy: é and ç are single bytes, which
		// are not valid UTF-8. The excerpt should still show the start of
		// the page, with the bad bytes replaced, not stop at the first one.
		body := "<html><body><h1>Erreur 502</h1><p>Le serveur mandataire a re\xe7u une r\xe9ponse invalide du serveur en amont.</p>" +
			strings.Repeat("<p>d\xe9tails</p>", 40) + "</body></html>"
		require.Greater(t, len(body), 300)
		s := bperrors.FromResponse(502, nil, []byte(body)).Error()
		assert.True(t, utf8.ValidString(s), "%q", s)
		assert.Less(t, len(s), 400)
		assert.Contains(t, s, "Erreur 502")
		assert.Contains(t, s, "re?u une r?ponse invalide du serveur en amont", "excerpt of the body in %q", s)
	})
	t.Run("long body starting with an invalid byte", func(t *testing.T) {
		body := "\xff" + strings.Repeat("gateway error ", 30)
		s := bperrors.FromResponse(502, nil, []byte(body)).Error()
		assert.True(t, utf8.ValidString(s), "%q", s)
		assert.Contains(t, s, "gateway error gateway error", "excerpt of the body in %q", s)
	})
	t.Run("short body with invalid bytes", func(t *testing.T) {
		s := bperrors.FromResponse(502, nil, []byte("caf\xe9 ferm\xe9")).Error()
		assert.True(t, utf8.ValidString(s), "%q", s)
		assert.Contains(t, s, "caf? ferm?")
	})
}

func TestAPIErrorErrorString(t *testing.T) {
	cases := []struct {
		name string
		err  *bperrors.APIError
		want string
	}{
		{
			name: "with operation",
			err:  &bperrors.APIError{StatusCode: 404, Type: "ResourceNotFound", Message: "User not found", ID: "err_1", Operation: "getUser", Kind: bperrors.ErrResourceNotFound},
			want: "botpress: getUser: 404 ResourceNotFound: User not found (id err_1)",
		},
		{
			name: "without operation",
			err:  &bperrors.APIError{StatusCode: 404, Type: "ResourceNotFound", Message: "User not found", ID: "err_1"},
			want: "botpress: 404 ResourceNotFound: User not found (id err_1)",
		},
		{
			name: "no id",
			err:  &bperrors.APIError{StatusCode: 400, Type: "InvalidPayload", Message: "bad"},
			want: "botpress: 400 InvalidPayload: bad",
		},
		{
			name: "no type, message",
			err:  &bperrors.APIError{StatusCode: 504, Message: "timed out"},
			want: "botpress: 504 Gateway Timeout: timed out",
		},
		{
			name: "non-json body",
			err:  &bperrors.APIError{StatusCode: 502, Body: []byte("  <html>\n  Bad   Gateway\n</html>\n"), Operation: "listUsers"},
			want: "botpress: listUsers: 502 Bad Gateway: unexpected body: <html> Bad Gateway </html>",
		},
		{
			name: "empty body",
			err:  &bperrors.APIError{StatusCode: 503},
			want: "botpress: 503 Service Unavailable: empty body",
		},
		{
			name: "unknown status",
			err:  &bperrors.APIError{StatusCode: 599},
			want: "botpress: 599: empty body",
		},
		{
			name: "type without message does not show the body",
			err:  &bperrors.APIError{StatusCode: 409, Type: "AlreadyExists", Body: []byte(`{"type":"AlreadyExists"}`)},
			want: "botpress: 409 AlreadyExists",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.err.Error())
		})
	}
}

func TestAPIErrorFromResponseWithOperation(t *testing.T) {
	e := bperrors.FromResponse(404, nil, []byte(`{"id":"err_1","code":404,"type":"ResourceNotFound","message":"User not found"}`))
	e.Operation, e.Method, e.Path = "getUser", "GET", "/v1/chat/users/usr_1"
	assert.Equal(t, "botpress: getUser: 404 ResourceNotFound: User not found (id err_1)", e.Error())
}

func TestAPIErrorZeroValue(t *testing.T) {
	e := &bperrors.APIError{}
	assert.Same(t, bperrors.ErrUnknown, e.Unwrap(), "an APIError without Kind unwraps to ErrUnknown")
	assert.ErrorIs(t, e, bperrors.ErrUnknown)
	assert.NotEmpty(t, e.Error())
	assert.Contains(t, e.Error(), "0")

	e = &bperrors.APIError{StatusCode: 404}
	assert.ErrorIs(t, e, bperrors.ErrUnknown, "Kind, not StatusCode, decides errors.Is")
	assert.NotErrorIs(t, e, bperrors.ErrResourceNotFound)
}

func TestAPIErrorAsThroughLayers(t *testing.T) {
	e := bperrors.FromResponse(429, http.Header{"Retry-After": {"2"}}, []byte(`{"type":"RateLimited","message":"slow down","id":"err_rl"}`))
	err := fmt.Errorf("outer: %w", fmt.Errorf("inner: %w", error(e)))
	err = errors.Join(errors.New("other"), err)

	assert.ErrorIs(t, err, bperrors.ErrRateLimited)
	assert.NotErrorIs(t, err, bperrors.ErrUnknown)
	var got *bperrors.APIError
	require.ErrorAs(t, err, &got)
	assert.Same(t, e, got)
	assert.Equal(t, "2", got.Header.Get("Retry-After"))

	var kind *bperrors.Kind
	require.ErrorAs(t, err, &kind, "the sentinel itself can be extracted")
	assert.Same(t, bperrors.ErrRateLimited, kind)
	assert.Equal(t, 429, kind.Status())

	var nilTarget *bperrors.APIError
	assert.False(t, errors.As(errors.New("plain"), &nilTarget))
	assert.NotErrorIs(t, errors.New("botpress: RateLimited"), bperrors.ErrRateLimited, "matching is by identity, not by text")
}

func FuzzFromResponse(f *testing.F) {
	seeds := []struct {
		status int
		body   string
	}{
		{404, `{"id":"err_1","code":404,"type":"ResourceNotFound","message":"User not found","metadata":{"id":"usr_1"}}`},
		{400, `{"type":"InvalidPayload","description":"bad","status":400}`},
		{400, `{"type":"SomethingNew","message":"new"}`},
		{502, errtProxyPage},
		{500, ``},
		{500, `null`},
		{400, `[]`},
		{400, `{"type":`},
		{429, `{"message":"slow"}`},
		{413, "\xff\xfe\xfd"},
		{502, strings.Repeat("a", 199) + "é" + "bbbbb"},
		{0, `{"type":""}`},
		{-1, `{"type":123}`},
		{999, `{"type":"Forbidden","code":"x"}`},
		{403, `{"type":"QuotaExceeded","metadata":[1,2]}`},
		{504, " \n "},
	}
	for _, s := range seeds {
		f.Add(s.status, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		orig := append([]byte(nil), body...)
		e := bperrors.FromResponse(status, nil, body)
		if e == nil {
			t.Fatal("FromResponse returned nil")
		}
		if e.StatusCode != status {
			t.Fatalf("StatusCode = %d, want %d", e.StatusCode, status)
		}
		if len(e.Body) > bperrors.MaxBody {
			t.Fatalf("len(Body) = %d > MaxBody", len(e.Body))
		}
		if string(body) != string(orig) {
			t.Fatal("FromResponse changed the body it was given")
		}
		s := e.Error()
		if s == "" {
			t.Fatal("Error() is empty")
		}
		if !strings.Contains(s, strconv.Itoa(status)) {
			t.Fatalf("Error() %q does not contain the status %d", s, status)
		}
		if !utf8.ValidString(s) {
			t.Fatalf("Error() %q is not valid UTF-8", s)
		}
		u := e.Unwrap()
		if u == nil {
			t.Fatal("Unwrap() is nil")
		}
		k, ok := u.(*bperrors.Kind)
		if !ok {
			t.Fatalf("Unwrap() is %T, not *Kind", u)
		}
		known := false
		for _, kk := range bperrors.Kinds() {
			known = known || kk == k
		}
		if !known {
			t.Fatalf("Unwrap() is %v, not one of Kinds()", k)
		}
		if !errors.Is(e, k) {
			t.Fatal("errors.Is(e, e.Unwrap()) is false")
		}
		if e.Type != "" && k != bperrors.KindOf(e.Type) {
			t.Fatalf("Type %q but Kind %s", e.Type, k.Name())
		}
		if e.Type == "" && e.Message == "" && len(s) > 400 {
			t.Fatalf("Error() of a body without message is %d bytes long", len(s))
		}
	})
}

// One field of an unexpected type must not hide the others.
func TestFromResponseLenientFields(t *testing.T) {
	for _, body := range []string{
		`{"type":"InvalidPayload","message":"m","id":42}`,
		`{"type":"InvalidPayload","message":"m","code":"E400"}`,
		`{"type":"InvalidPayload","message":"m","metadata":[1]}`,
		`{"type":"InvalidPayload","message":{"en":"x"},"description":"m"}`,
	} {
		e := bperrors.FromResponse(400, nil, []byte(body))
		assert.Same(t, bperrors.ErrInvalidPayload, e.Kind, body)
		assert.Equal(t, "InvalidPayload", e.Type, body)
		assert.Equal(t, "m", e.Message, body)
	}
}

// A huge message is cut in the error string, but kept whole in Message.
func TestAPIErrorLongMessage(t *testing.T) {
	msg := strings.Repeat("é", 30_000) // 60 kB: within MaxBody
	e := bperrors.FromResponse(400, nil, []byte(`{"type":"InvalidPayload","message":"`+msg+`"}`))
	assert.Equal(t, msg, e.Message)
	s := e.Error()
	assert.Less(t, len(s), 1100)
	assert.True(t, utf8.ValidString(s))
	assert.True(t, strings.HasSuffix(s, "..."))
}

// Of a body longer than MaxBody, the error keeps a copy of its first
// MaxBody bytes, not the whole body, and a cut message: an APIError never
// holds more than its bound.
func TestAPIErrorBodyBoundedAndCopied(t *testing.T) {
	body := []byte(`{"type":"InvalidPayload","message":"` + strings.Repeat("x", 2*bperrors.MaxBody) + `"}`)
	e := bperrors.FromResponse(404, nil, body)
	assert.Equal(t, 404, e.StatusCode)
	assert.ErrorIs(t, e, bperrors.ErrInvalidPayload)
	assert.Len(t, e.Body, bperrors.MaxBody)
	assert.LessOrEqual(t, cap(e.Body), bperrors.MaxBody+64, "a copy, not a slice of the whole body")
	assert.Len(t, e.Message, bperrors.MaxBody+len("..."), "cut")
	body[0] = 'X'
	assert.Equal(t, byte('{'), e.Body[0], "a copy")
}

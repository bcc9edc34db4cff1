package client_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/client"
	bperrors "github.com/botpress-go/sdk/errors"
	"github.com/botpress-go/sdk/gen"
)

// errtNoToken checks that an error never shows the bearer token.
func errtNoToken(t *testing.T, err error) {
	t.Helper()
	require.Error(t, err)
	assert.NotContains(t, err.Error(), testToken, "the error string leaks the token")
}

// errtAPIError returns the *APIError err wraps, failing the test if none.
func errtAPIError(t *testing.T, err error) *bperrors.APIError {
	t.Helper()
	errtNoToken(t, err)
	var apiErr *bperrors.APIError
	require.ErrorAs(t, err, &apiErr, "want an *errors.APIError, got %T: %v", err, err)
	require.NotNil(t, apiErr)
	return apiErr
}

// errtNotAPIError checks err is not an answer of the server.
func errtNotAPIError(t *testing.T, err error) {
	t.Helper()
	errtNoToken(t, err)
	var apiErr *bperrors.APIError
	assert.False(t, errors.As(err, &apiErr), "did not expect an *errors.APIError: %v", err)
	for _, k := range bperrors.Kinds() {
		assert.NotErrorIs(t, err, k)
	}
}

// errtCall is one representative operation, called on a client.
type errtCall struct {
	name   string // operationId
	method string
	path   string
	status int
	typ    string
	kind   *bperrors.Kind
	other  *bperrors.Kind // a sentinel the error must not match
	opts   []client.Option
	call   func(ctx context.Context, c *client.Client, opts ...client.Option) error
}

func errtCalls() []errtCall {
	body := gen.CreateConversationJSONRequestBody{Channel: "channel", Tags: map[string]string{"k": "v"}}
	conv := "conv_1"
	return []errtCall{
		{
			name: "getUser", method: http.MethodGet, path: "/v1/chat/users/usr_404",
			status: 404, typ: "ResourceNotFound", kind: bperrors.ErrResourceNotFound, other: bperrors.ErrResourceGone,
			call: func(ctx context.Context, c *client.Client, opts ...client.Option) error {
				res, err := c.GetUser(ctx, "usr_404", opts...)
				if err != nil && res != nil {
					return errors.New("GetUser returned both a result and an error")
				}
				return err
			},
		},
		{
			name: "createConversation", method: http.MethodPost, path: "/v1/chat/conversations",
			status: 400, typ: "InvalidPayload", kind: bperrors.ErrInvalidPayload, other: bperrors.ErrInvalidDataFormat,
			call: func(ctx context.Context, c *client.Client, opts ...client.Option) error {
				res, err := c.CreateConversation(ctx, body, opts...)
				if err != nil && res != nil {
					return errors.New("CreateConversation returned both a result and an error")
				}
				return err
			},
		},
		{
			name: "listMessages", method: http.MethodGet, path: "/v1/chat/messages",
			status: 429, typ: "RateLimited", kind: bperrors.ErrRateLimited, other: bperrors.ErrQuotaExceeded,
			opts: []client.Option{client.WithMaxRetries(0)},
			call: func(ctx context.Context, c *client.Client, opts ...client.Option) error {
				res, err := c.ListMessages(ctx, &gen.ListMessagesParams{ConversationID: &conv}, opts...)
				if err != nil && res != nil {
					return errors.New("ListMessages returned both a result and an error")
				}
				return err
			},
		},
		{
			name: "deleteUser", method: http.MethodDelete, path: "/v1/chat/users/usr_1",
			status: 403, typ: "Forbidden", kind: bperrors.ErrForbidden, other: bperrors.ErrQuotaExceeded,
			call: func(ctx context.Context, c *client.Client, opts ...client.Option) error {
				return c.DeleteUser(ctx, "usr_1", opts...)
			},
		},
	}
}

func TestErrorsTypedAnswers(t *testing.T) {
	for _, op := range errtCalls() {
		shapes := map[string]string{
			"live": `{"id":"err_` + op.name + `","code":` + strconv.Itoa(op.status) + `,"type":"` + op.typ +
				`","message":"` + op.name + ` failed","metadata":{"hint":"check ` + op.name + `"}}`,
			"documented": `{"type":"` + op.typ + `","description":"` + op.name + ` failed","status":` + strconv.Itoa(op.status) + `}`,
		}
		for shape, body := range shapes {
			t.Run(op.name+"/"+shape, func(t *testing.T) {
				s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Retry-After", "0")
					w.Header().Set("X-Request-Id", "req_42")
					reply(w, op.status, body)
				})
				c := newClient(t, s, op.opts...)
				err := op.call(context.Background(), c)

				apiErr := errtAPIError(t, err)
				assert.ErrorIs(t, err, op.kind)
				assert.NotErrorIs(t, err, op.other)
				assert.NotErrorIs(t, err, bperrors.ErrUnknown)
				assert.NotErrorIs(t, err, client.ErrMalformedResponse)
				assert.NotErrorIs(t, err, client.ErrMissingArgument)

				assert.Equal(t, op.name, apiErr.Operation)
				assert.Equal(t, op.method, apiErr.Method)
				assert.Equal(t, op.path, apiErr.Path)
				assert.Equal(t, op.status, apiErr.StatusCode)
				assert.Equal(t, op.typ, apiErr.Type)
				assert.Same(t, op.kind, apiErr.Kind)
				assert.Equal(t, op.name+" failed", apiErr.Message)
				assert.Equal(t, body, string(apiErr.Body))
				assert.Equal(t, "req_42", apiErr.Header.Get("X-Request-Id"))
				if shape == "live" {
					assert.Equal(t, "err_"+op.name, apiErr.ID)
					assert.Equal(t, map[string]any{"hint": "check " + op.name}, apiErr.Metadata)
				} else {
					assert.Empty(t, apiErr.ID)
				}

				msg := err.Error()
				assert.Contains(t, msg, op.name)
				assert.Contains(t, msg, strconv.Itoa(op.status))
				assert.Contains(t, msg, op.typ)
				assert.Contains(t, msg, op.name+" failed")
				if shape == "live" {
					assert.Contains(t, msg, "err_"+op.name)
				}

				// None of these answers is retried: 4xx are final, and
				// listMessages has retries turned off.
				reqs := s.requests()
				require.Len(t, reqs, 1)
				assert.Equal(t, op.method, reqs[0].Method)
				assert.Equal(t, op.path, reqs[0].Path)
			})
		}
	}
}

func TestErrorsUnknownTypeThroughClient(t *testing.T) {
	for _, op := range errtCalls() {
		t.Run(op.name, func(t *testing.T) {
			s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				reply(w, op.status, `{"id":"err_new","code":`+strconv.Itoa(op.status)+`,"type":"SomethingNew","message":"brand new"}`)
			})
			c := newClient(t, s, op.opts...)
			err := op.call(context.Background(), c)
			apiErr := errtAPIError(t, err)
			assert.ErrorIs(t, err, bperrors.ErrUnknown)
			assert.NotErrorIs(t, err, op.kind)
			assert.Equal(t, "SomethingNew", apiErr.Type)
			assert.Equal(t, "brand new", apiErr.Message)
			assert.Equal(t, "err_new", apiErr.ID)
			assert.Equal(t, op.name, apiErr.Operation)
			assert.Equal(t, op.method, apiErr.Method)
			assert.Equal(t, op.path, apiErr.Path)
			assert.Contains(t, err.Error(), "SomethingNew")
			assert.Contains(t, err.Error(), "brand new")
		})
	}
}

const errtProxyHTML = `<html>
<head><title>502 Bad Gateway</title></head>
<body>
<center><h1>502 Bad Gateway</h1></center>
<hr><center>cloudflare</center>
</body>
</html>
`

func errtHTML(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

func TestErrorsProxyHTML502(t *testing.T) {
	t.Run("retries off", func(t *testing.T) {
		s := newServer(t, errtHTML(http.StatusBadGateway, errtProxyHTML))
		c := newClient(t, s, client.WithMaxRetries(0))
		res, err := c.GetUser(context.Background(), "usr_1")
		assert.Nil(t, res)
		apiErr := errtAPIError(t, err)
		assert.ErrorIs(t, err, bperrors.ErrUnknown)
		assert.NotErrorIs(t, err, bperrors.ErrInternal)
		assert.NotErrorIs(t, err, client.ErrMalformedResponse)
		assert.Equal(t, 502, apiErr.StatusCode)
		assert.Empty(t, apiErr.Type)
		assert.Empty(t, apiErr.Message)
		assert.Equal(t, errtProxyHTML, string(apiErr.Body))
		assert.Equal(t, "text/html", apiErr.Header.Get("Content-Type"))
		assert.Equal(t, "getUser", apiErr.Operation)
		assert.Equal(t, http.MethodGet, apiErr.Method)
		assert.Equal(t, "/v1/chat/users/usr_1", apiErr.Path)
		msg := err.Error()
		assert.Contains(t, msg, "getUser")
		assert.Contains(t, msg, "502")
		assert.Contains(t, msg, "Bad Gateway")
		assert.Contains(t, msg, "<html>", "an excerpt of the page")
		assert.Contains(t, msg, "cloudflare", "an excerpt of the page")
		assert.Less(t, len(msg), 400)
		assert.Len(t, s.requests(), 1)
	})
	t.Run("retries on, every attempt fails", func(t *testing.T) {
		s := newServer(t, errtHTML(http.StatusBadGateway, errtProxyHTML))
		c := newClient(t, s)
		_, err := c.GetUser(context.Background(), "usr_1")
		apiErr := errtAPIError(t, err)
		assert.ErrorIs(t, err, bperrors.ErrUnknown)
		assert.Equal(t, 502, apiErr.StatusCode)
		assert.Equal(t, "getUser", apiErr.Operation)
		assert.Len(t, s.requests(), 1+client.DefaultMaxRetries)
	})
	t.Run("POST is not retried", func(t *testing.T) {
		s := newServer(t, errtHTML(http.StatusBadGateway, errtProxyHTML))
		c := newClient(t, s)
		res, err := c.CreateConversation(context.Background(), gen.CreateConversationJSONRequestBody{Channel: "c", Tags: map[string]string{}})
		assert.Nil(t, res)
		apiErr := errtAPIError(t, err)
		assert.Equal(t, "createConversation", apiErr.Operation)
		assert.Equal(t, http.MethodPost, apiErr.Method)
		assert.Len(t, s.requests(), 1)
	})
}

func TestErrorsNonJSONByStatus(t *testing.T) {
	cases := []struct {
		status int
		body   string
		want   *bperrors.Kind
	}{
		{401, "Unauthorized", bperrors.ErrUnauthorized},
		{404, "<html><body>404 page not found</body></html>", bperrors.ErrResourceNotFound},
		{429, "", bperrors.ErrRateLimited},
		{504, "<html>Gateway Time-out</html>", bperrors.ErrOperationTimeout},
		{403, "<html>Access denied</html>", bperrors.ErrUnknown},
		{409, "conflict", bperrors.ErrUnknown},
		{500, "", bperrors.ErrUnknown},
		{418, "I'm a teapot", bperrors.ErrUnknown},
	}
	for _, tc := range cases {
		t.Run(strconv.Itoa(tc.status), func(t *testing.T) {
			s := newServer(t, errtHTML(tc.status, tc.body))
			c := newClient(t, s, client.WithMaxRetries(0))
			err := c.DeleteUser(context.Background(), "usr_1")
			apiErr := errtAPIError(t, err)
			assert.ErrorIs(t, err, tc.want)
			for _, k := range bperrors.Kinds() {
				if k != tc.want {
					assert.NotErrorIs(t, err, k)
				}
			}
			assert.Equal(t, tc.status, apiErr.StatusCode)
			assert.Empty(t, apiErr.Type)
			assert.Equal(t, tc.body, string(apiErr.Body))
			assert.Equal(t, "deleteUser", apiErr.Operation)
			assert.Equal(t, http.MethodDelete, apiErr.Method)
			assert.Equal(t, "/v1/chat/users/usr_1", apiErr.Path)
			assert.Contains(t, err.Error(), strconv.Itoa(tc.status))
			if tc.body != "" {
				assert.Contains(t, err.Error(), tc.body)
			} else {
				assert.Contains(t, err.Error(), "empty body")
			}
		})
	}
}

func TestErrorsMalformedSuccess(t *testing.T) {
	bodies := map[string]string{
		"empty":           "",
		"whitespace":      " \n ",
		"null":            "null",
		"array":           "[]",
		"array of object": `[{"user":{"id":"usr_1"}}]`,
		"string":          `"ok"`,
		"html":            "<html><body>OK</body></html>",
		"truncated json":  `{"user":{"id":"usr_1","name":`,
		"wrong types":     `{"user":"usr_1"}`,
	}
	for name, body := range bodies {
		t.Run("getUser/"+name, func(t *testing.T) {
			s := newServer(t, func(w http.ResponseWriter, r *http.Request) { reply(w, http.StatusOK, body) })
			c := newClient(t, s)
			res, err := c.GetUser(context.Background(), "usr_1")
			assert.Nil(t, res, "no result with a malformed answer")
			errtNotAPIError(t, err)
			assert.ErrorIs(t, err, client.ErrMalformedResponse)
			assert.NotErrorIs(t, err, client.ErrMissingArgument)
			assert.Contains(t, err.Error(), "getUser")
			assert.Len(t, s.requests(), 1, "a malformed success is not retried")
		})
	}
	for _, name := range []string{"empty", "null", "array", "html", "truncated json"} {
		body := bodies[name]
		t.Run("listMessages/"+name, func(t *testing.T) {
			s := newServer(t, func(w http.ResponseWriter, r *http.Request) { reply(w, http.StatusOK, body) })
			c := newClient(t, s)
			res, err := c.ListMessages(context.Background(), nil)
			assert.Nil(t, res)
			errtNotAPIError(t, err)
			assert.ErrorIs(t, err, client.ErrMalformedResponse)
			assert.Contains(t, err.Error(), "listMessages")
		})
		t.Run("createConversation/"+name, func(t *testing.T) {
			s := newServer(t, func(w http.ResponseWriter, r *http.Request) { reply(w, http.StatusCreated, body) })
			c := newClient(t, s)
			res, err := c.CreateConversation(context.Background(), gen.CreateConversationJSONRequestBody{Channel: "c", Tags: map[string]string{}})
			assert.Nil(t, res)
			errtNotAPIError(t, err)
			assert.ErrorIs(t, err, client.ErrMalformedResponse)
			assert.Contains(t, err.Error(), "createConversation")
		})
	}
}

func TestErrorsMissingArgument(t *testing.T) {
	body := gen.UpdateUserJSONRequestBody{}
	calls := map[string]func(c *client.Client) error{
		"getUser": func(c *client.Client) error {
			res, err := c.GetUser(context.Background(), "")
			if res != nil {
				return errors.New("GetUser returned a result")
			}
			return err
		},
		"deleteUser": func(c *client.Client) error { return c.DeleteUser(context.Background(), "") },
		"updateUser": func(c *client.Client) error {
			res, err := c.UpdateUser(context.Background(), "", body)
			if res != nil {
				return errors.New("UpdateUser returned a result")
			}
			return err
		},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			s := newServer(t, func(w http.ResponseWriter, r *http.Request) { reply(w, http.StatusOK, `{}`) })
			c := newClient(t, s)
			err := call(c)
			errtNotAPIError(t, err)
			assert.ErrorIs(t, err, client.ErrMissingArgument)
			assert.NotErrorIs(t, err, client.ErrMalformedResponse)
			assert.Contains(t, err.Error(), name)
			assert.Contains(t, err.Error(), "id")
			assert.Empty(t, s.requests(), "nothing is sent when an argument is missing")
		})
	}
}

// errtBlock answers after a second, or as soon as the client gives up;
// it tells arrived when a request comes in.
func errtBlock(arrived chan<- struct{}) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if arrived != nil {
			select {
			case arrived <- struct{}{}:
			default:
			}
		}
		select {
		case <-r.Context().Done():
		case <-time.After(time.Second):
			reply(w, http.StatusOK, `{"user":{"id":"usr_1"}}`)
		}
	}
}

func TestErrorsContextCanceled(t *testing.T) {
	t.Run("before the call", func(t *testing.T) {
		s := newServer(t, errtBlock(nil))
		c := newClient(t, s)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		res, err := c.GetUser(ctx, "usr_1")
		assert.Nil(t, res)
		errtNotAPIError(t, err)
		assert.ErrorIs(t, err, context.Canceled)
		assert.Contains(t, err.Error(), "getUser")
		assert.Empty(t, s.requests(), "a cancelled context sends nothing")
	})
	t.Run("in flight", func(t *testing.T) {
		arrived := make(chan struct{}, 1)
		s := newServer(t, errtBlock(arrived))
		c := newClient(t, s)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go func() {
			select {
			case <-arrived:
			case <-time.After(time.Second):
			}
			cancel()
		}()
		start := time.Now()
		res, err := c.GetUser(ctx, "usr_1")
		assert.Nil(t, res)
		errtNotAPIError(t, err)
		assert.ErrorIs(t, err, context.Canceled)
		assert.NotErrorIs(t, err, context.DeadlineExceeded)
		assert.Contains(t, err.Error(), "getUser")
		assert.Less(t, time.Since(start), 900*time.Millisecond, "the call returns when the context is cancelled")
		assert.Len(t, s.requests(), 1, "a cancelled call is not retried")
	})
	t.Run("while waiting to retry", func(t *testing.T) {
		arrived := make(chan struct{}, 1)
		s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "30")
			reply(w, http.StatusServiceUnavailable, `{"type":"Internal","message":"busy"}`)
			select {
			case arrived <- struct{}{}:
			default:
			}
		})
		c := newClient(t, s)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go func() {
			select {
			case <-arrived:
			case <-time.After(time.Second):
			}
			cancel() // the answer is sent: the client is reading it or waiting to retry

		}()
		start := time.Now()
		err := c.DeleteUser(ctx, "usr_1")
		errtNoToken(t, err)
		assert.ErrorIs(t, err, context.Canceled)
		assert.Less(t, time.Since(start), 900*time.Millisecond)
		assert.Len(t, s.requests(), 1)
	})
}

func TestErrorsPerCallTimeout(t *testing.T) {
	t.Run("retries off", func(t *testing.T) {
		s := newServer(t, errtBlock(nil))
		c := newClient(t, s)
		start := time.Now()
		res, err := c.GetUser(context.Background(), "usr_1", client.WithTimeout(50*time.Millisecond), client.WithMaxRetries(0))
		assert.Nil(t, res)
		errtNotAPIError(t, err)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.NotErrorIs(t, err, context.Canceled)
		assert.Contains(t, err.Error(), "getUser")
		assert.Less(t, time.Since(start), 900*time.Millisecond)
		assert.Len(t, s.requests(), 1)
	})
	t.Run("timeout on the client, retries on", func(t *testing.T) {
		s := newServer(t, errtBlock(nil))
		c := newClient(t, s, client.WithTimeout(30*time.Millisecond), client.WithMaxRetries(2))
		start := time.Now()
		_, err := c.GetUser(context.Background(), "usr_1")
		errtNotAPIError(t, err)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Contains(t, err.Error(), "getUser")
		assert.Less(t, time.Since(start), 900*time.Millisecond)
		assert.Len(t, s.requests(), 3, "each timed-out attempt of a GET is retried")
	})
	t.Run("caller's deadline", func(t *testing.T) {
		s := newServer(t, errtBlock(nil))
		c := newClient(t, s)
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		err := c.DeleteUser(ctx, "usr_1")
		errtNotAPIError(t, err)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Len(t, s.requests(), 1, "once the caller's deadline passed, nothing is retried")
	})
}

func TestErrorsConnectionRefused(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) { reply(w, http.StatusOK, `{}`) })
	url := s.URL
	s.Close()

	for _, retries := range []int{0, 2} {
		t.Run("retries="+strconv.Itoa(retries), func(t *testing.T) {
			c, err := client.New(client.WithToken(testToken), client.WithBaseURL(url),
				client.WithMaxRetries(retries), client.WithRetryDelay(time.Millisecond, 2*time.Millisecond))
			require.NoError(t, err)
			res, err := c.GetUser(context.Background(), "usr_1")
			assert.Nil(t, res)
			errtNotAPIError(t, err)
			assert.NotErrorIs(t, err, client.ErrMalformedResponse)
			assert.NotErrorIs(t, err, client.ErrMissingArgument)
			assert.NotErrorIs(t, err, context.Canceled)
			assert.NotErrorIs(t, err, context.DeadlineExceeded)
			var opErr *net.OpError
			assert.ErrorAs(t, err, &opErr, "the network error is wrapped: %v", err)
			assert.Contains(t, err.Error(), "getUser")

			err = c.DeleteUser(context.Background(), "usr_1")
			errtNotAPIError(t, err)
			_, err = c.CreateConversation(context.Background(), gen.CreateConversationJSONRequestBody{Channel: "c"})
			errtNotAPIError(t, err)
		})
	}
}

func TestErrorsTokenNeverInError(t *testing.T) {
	// Even a server that echoes the request path and a proxy page must not
	// make the client put the token into an error string by itself.
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		reply(w, http.StatusUnauthorized, `{"id":"err_auth","code":401,"type":"Unauthorized","message":"invalid token for `+r.URL.Path+`"}`)
	})
	c := newClient(t, s)
	_, err := c.GetUser(context.Background(), "usr_1")
	apiErr := errtAPIError(t, err)
	assert.ErrorIs(t, err, bperrors.ErrUnauthorized)
	assert.NotContains(t, apiErr.Error(), testToken)
	assert.Empty(t, apiErr.Header.Get("Authorization"), "APIError.Header is the answer's header")
	r := s.last(t)
	assert.Equal(t, "Bearer "+testToken, r.Header.Get("Authorization"), "the request did carry the token")
}

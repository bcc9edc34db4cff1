package client_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/client"
	"github.com/botpress-go/sdk/gen"
	"github.com/botpress-go/sdk/internal/reference"
	"github.com/botpress-go/sdk/message"
)

// rbTransport records the last request it is given and answers 200 with
// answer.
type rbTransport struct {
	answer string
	req    *http.Request
	body   []byte
}

func (t *rbTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	t.req = req
	t.body = nil
	if req.Body != nil {
		t.body, _ = io.ReadAll(req.Body)
		req.Body.Close()
	}
	return &http.Response{
		StatusCode: http.StatusOK,
		Header:     http.Header{"Content-Type": {"application/json"}},
		Body:       io.NopCloser(strings.NewReader(t.answer)),
		Request:    req,
	}, nil
}

// TestRequestsMatchGenBuilders checks that the requests the client builds
// have the URL (down to Path and RawPath), method, body and content type
// that oapi-codegen's own request builders give (package internal/reference), for base URLs with path
// prefixes, dot segments, user info, queries and escapes, and path
// parameters that need escaping.
func TestRequestsMatchGenBuilders(t *testing.T) {
	bases := []string{
		"http://api.test",
		"http://api.test/",
		"https://api.test:8443/botpress",
		"https://api.test/botpress//",
		"http://api.test/a/../b/./c",
		"http://user:p%40ss@api.test/x%20y/z%2Fw",
		"http://api.test/p?x=1",
		"http://api.test/p#frag",
		"http://API.test/ü/",
	}
	ids := []string{
		"conv_01HZ", "a/b", "a b", "ü", "a%2Fb", "a+b:c", "...", "a?b#c", ";,=&", "%", "x/../y",
	}
	body := gen.CreateMessageJSONRequestBody{
		ConversationID: "conv_1", UserID: "user_1", Type: "text",
		Payload: message.Text("héllo <&>"), Tags: map[string]string{"k": "v"},
	}
	refBody := reference.CreateMessageJSONRequestBody{
		ConversationID: body.ConversationID, UserID: body.UserID, Type: body.Type, Payload: body.Payload, Tags: body.Tags,
	}
	type check struct {
		name string
		call func(ctx context.Context, c *client.Client, id string) error
		want func(server, id string) (*http.Request, error)
		// answer is a valid answer of the operation.
		answer string
	}
	checks := []check{
		{
			name:   "getConversation",
			answer: `{"conversation":{"id":"c"}}`,
			call: func(ctx context.Context, c *client.Client, id string) error {
				_, err := c.GetConversation(ctx, id)
				return err
			},
			want: func(server, id string) (*http.Request, error) {
				return reference.NewGetConversationRequest(server, id, nil)
			},
		},
		{
			name:   "removeParticipant",
			answer: `{}`,
			call: func(ctx context.Context, c *client.Client, id string) error {
				return c.RemoveParticipant(ctx, id, "user "+id)
			},
			want: func(server, id string) (*http.Request, error) {
				return reference.NewRemoveParticipantRequest(server, id, "user "+id, nil)
			},
		},
		{
			name:   "createMessage",
			answer: `{"message":{"id":"m"}}`,
			call: func(ctx context.Context, c *client.Client, id string) error {
				_, err := c.CreateMessage(ctx, body)
				return err
			},
			want: func(server, id string) (*http.Request, error) {
				return reference.NewCreateMessageRequest(server, nil, refBody)
			},
		},
		{
			name:   "updateConversation",
			answer: `{"conversation":{"id":"c"}}`,
			call: func(ctx context.Context, c *client.Client, id string) error {
				_, err := c.UpdateConversation(ctx, id, gen.UpdateConversationJSONRequestBody{Tags: client.NullableStrings(map[string]string{"a": "b"})})
				return err
			},
			want: func(server, id string) (*http.Request, error) {
				return reference.NewUpdateConversationRequest(server, id, nil, reference.UpdateConversationJSONRequestBody{Tags: client.NullableStrings(map[string]string{"a": "b"})})
			},
		},
		{
			name:   "getState",
			answer: `{"state":{"id":"s"}}`,
			call: func(ctx context.Context, c *client.Client, id string) error {
				_, err := c.GetState(ctx, gen.StateType("conversation"), id, "name "+id)
				return err
			},
			want: func(server, id string) (*http.Request, error) {
				return reference.NewGetStateRequest(server, reference.StateType("conversation"), id, "name "+id, nil)
			},
		},
	}
	ctx := context.Background()
	for _, base := range bases {
		for _, ck := range checks {
			for _, id := range ids {
				rt := &rbTransport{answer: ck.answer}
				c, err := client.New(client.WithToken(testToken), client.WithBaseURL(base),
					client.WithHTTPClient(&http.Client{Transport: rt}), client.WithMaxRetries(0))
				require.NoError(t, err)
				require.NoError(t, ck.call(ctx, c, id), "%s %s %q", base, ck.name, id)
				want, err := ck.want(strings.TrimRight(base, "/")+"/", id)
				require.NoError(t, err)
				got := rt.req
				require.NotNil(t, got)
				msg := []any{"%s %s %q", base, ck.name, id}
				assert.Equal(t, want.Method, got.Method, msg...)
				assert.Equal(t, *want.URL, *got.URL, msg...)
				assert.Equal(t, want.URL.String(), got.URL.String(), msg...)
				assert.Equal(t, want.Host, got.Host, msg...)
				assert.Equal(t, want.Header.Get("Content-Type"), got.Header.Get("Content-Type"), msg...)
				assert.Equal(t, want.ContentLength, got.ContentLength, msg...)
				var wantBody []byte
				if want.Body != nil {
					wantBody, _ = io.ReadAll(want.Body)
				}
				assert.True(t, bytes.Equal(wantBody, rt.body), "%s %s %q: body %s, want %s", base, ck.name, id, rt.body, wantBody)
			}
		}
	}
}

// TestRetriesSendTheSameHeaders checks that every attempt of a retried call
// carries the same headers, with and without a cookie jar (which adds its
// cookies to the request it is given).
func TestRetriesSendTheSameHeaders(t *testing.T) {
	for _, withJar := range []bool{false, true} {
		var calls int
		s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			calls++
			if calls < 3 {
				reply(w, http.StatusServiceUnavailable, `{"code":503,"type":"Unavailable","message":"later"}`)
				return
			}
			reply(w, http.StatusOK, `{"conversation":{"id":"conv_1"}}`)
		})
		hc := &http.Client{}
		if withJar {
			jar, err := cookiejar.New(nil)
			require.NoError(t, err)
			u, err := url.Parse(s.URL)
			require.NoError(t, err)
			jar.SetCookies(u, []*http.Cookie{{Name: "session", Value: "s1"}})
			hc.Jar = jar
		}
		c := newClient(t, s, client.WithHTTPClient(hc), client.WithHeader("X-Extra", "e"))
		_, err := c.GetConversation(context.Background(), "conv 1")
		require.NoError(t, err)
		reqs := s.requests()
		require.Len(t, reqs, 3)
		for i, r := range reqs {
			assert.Equal(t, reqs[0].Header, r.Header, "jar %v, attempt %d", withJar, i+1)
			assert.Equal(t, "/v1/chat/conversations/conv 1", r.Path, "jar %v", withJar)
			if withJar {
				assert.Equal(t, []string{"session=s1"}, r.Header.Values("Cookie"), "attempt %d", i+1)
			}
		}
	}
}

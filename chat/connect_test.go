package chat_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/chat"
	"github.com/botpress-go/sdk/chat/chatgen"
	bperrors "github.com/botpress-go/sdk/errors"
	"github.com/botpress-go/sdk/message"
)

// Keys are signed as @botpress/chat 1.x signs them (jose's SignJWT with
// setIssuedAt): header {"alg":"HS256"}, claims {"id": ..., "iat": ...}
// written as JSON.stringify writes them. The expected keys were computed
// apart from this package (Python's hmac and base64).
func TestSignUserKey(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 600_000_000, time.UTC) // iat 1767323045: whole seconds
	assert.Equal(t,
		"eyJhbGciOiJIUzI1NiJ9.eyJpZCI6InVzZXItNDIiLCJpYXQiOjE3NjczMjMwNDV9.RXrLk6KpbjdXC1zcK_I5hESX_zfLy0FMxBlaoNUROis",
		chat.SignUserKeyAt("user-42", "my-encryption-key", at))
	assert.Equal(t,
		"eyJhbGciOiJIUzI1NiJ9.eyJpZCI6ImE8Yj4mw6kiLCJpYXQiOjE3NjczMjMwNDV9.QuoITwgzOaLHHIxGQUkEgdV1DXfunu5NwBygEmihIKk",
		chat.SignUserKeyAt("a<b>&é", "k", at))

	// SignUserKey: issued now.
	before := time.Now().Unix()
	key := chat.SignUserKey("user-42", cnSecret)
	after := time.Now().Unix()
	header, claims := jwtParts(t, key)
	assert.Equal(t, map[string]any{"alg": "HS256"}, header)
	assert.Equal(t, "user-42", claims["id"])
	assert.Len(t, claims, 2)
	iat := int64(claims["iat"].(float64))
	assert.True(t, before <= iat && iat <= after, "iat %d not in [%d, %d]", iat, before, after)
	assert.Equal(t, "user-42", cnVerify(key))
}

// jwtParts decodes a key's header and claims.
func jwtParts(t *testing.T, key string) (header, claims map[string]any) {
	t.Helper()
	parts := strings.Split(key, ".")
	require.Len(t, parts, 3)
	for i, v := range []*map[string]any{&header, &claims} {
		raw, err := base64.RawURLEncoding.DecodeString(parts[i])
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(raw, v))
	}
	return header, claims
}

// cnServer is a Chat API for Connect: createUser issues keys, and
// getOrCreateUser accepts keys signed with cnSecret, or cnIssued.
type cnServer struct {
	*httptest.Server
	mu     sync.Mutex
	calls  []string // "METHOD path key"
	bodies []string
}

const (
	cnSecret = "integration-encryption-key"
	cnIssued = "key-issued-by-the-integration"
)

func newCNServer(t *testing.T) *cnServer {
	s := &cnServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		key := r.Header.Get(chat.HeaderUserKey)
		s.mu.Lock()
		s.calls = append(s.calls, r.Method+" "+r.URL.Path+" "+key)
		s.bodies = append(s.bodies, string(body))
		s.mu.Unlock()
		user := func(id string) string {
			return `{"id":"` + id + `","createdAt":"2026-01-01T00:00:00Z","updatedAt":"2026-01-01T00:00:00Z"}`
		}
		switch {
		case r.URL.Path == "/users" && r.Method == "POST":
			var in struct{ ID string }
			_ = json.Unmarshal(body, &in)
			if in.ID == "" {
				in.ID = "user_new"
			}
			fkReply(w, 201, `{"user":`+user(in.ID)+`,"key":"`+cnIssued+`"}`)
		case key == cnIssued:
			fkReply(w, 200, `{"user":`+user("user_new")+`}`)
		case cnVerify(key) != "":
			fkReply(w, 201, `{"user":`+user(cnVerify(key))+`}`)
		default:
			fkReply(w, 401, `{"code":401,"type":"Unauthorized","message":"invalid key `+key+`"}`)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *cnServer) log() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.calls...)
}

// cnVerify checks an HS256 key against cnSecret as a server would, and
// returns its id claim; "" for an invalid key.
func cnVerify(key string) string {
	parts := strings.Split(key, ".")
	if len(parts) != 3 {
		return ""
	}
	mac := hmac.New(sha256.New, []byte(cnSecret))
	mac.Write([]byte(parts[0] + "." + parts[1]))
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || !hmac.Equal(sig, mac.Sum(nil)) {
		return ""
	}
	raw, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var claims struct{ ID string }
	_ = json.Unmarshal(raw, &claims)
	return claims.ID
}

func TestConnectCreatesAUser(t *testing.T) {
	s := newCNServer(t)
	c, err := chat.Connect(context.Background(), "", chat.WithBaseURL(s.URL), chat.WithUserID("user_9"))
	require.NoError(t, err)
	assert.Equal(t, cnIssued, c.UserKey())
	assert.Equal(t, "user_9", c.UserID())
	assert.Equal(t, "user_9", c.User().ID)
	_, err = c.GetUser(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []string{"POST /users ", "GET /users/me " + cnIssued}, s.log(), "createUser sends no key; the next call sends the one answered")
	assert.JSONEq(t, `{"id":"user_9"}`, s.bodies[0])
}

func TestConnectWithEncryptionKey(t *testing.T) {
	s := newCNServer(t)
	c, err := chat.Connect(context.Background(), "", chat.WithBaseURL(s.URL),
		chat.WithEncryptionKey(cnSecret), chat.WithUserID("user-42"))
	require.NoError(t, err)
	assert.Equal(t, "user-42", cnVerify(c.UserKey()), "a key of user-42 signed with the encryption key")
	assert.Equal(t, "user-42", c.User().ID)
	assert.Equal(t, []string{"POST /users/get-or-create " + c.UserKey()}, s.log())
	assert.NotContains(t, strings.Join(s.log(), " ")+strings.Join(s.bodies, " "), cnSecret, "the encryption key is never sent")

	// Without a user ID there is no key to sign: nothing is sent.
	_, err = chat.Connect(context.Background(), "", chat.WithBaseURL(s.URL), chat.WithEncryptionKey(cnSecret))
	assert.ErrorIs(t, err, chat.ErrMissingArgument)
	assert.Len(t, s.log(), 1)
}

func TestConnectWithUserKey(t *testing.T) {
	s := newCNServer(t)
	c, err := chat.Connect(context.Background(), "", chat.WithBaseURL(s.URL), chat.WithUserKey(cnIssued))
	require.NoError(t, err)
	assert.Equal(t, "user_new", c.UserID())
	assert.Equal(t, []string{"POST /users/get-or-create " + cnIssued}, s.log())

	// A key the server refuses: the error is the API's, without the key.
	_, err = chat.Connect(context.Background(), "", chat.WithBaseURL(s.URL), chat.WithUserKey("some-wrong-key"))
	require.ErrorIs(t, err, bperrors.ErrUnauthorized)
	assert.NotContains(t, err.Error(), "some-wrong-key")
}

func TestNewUserKeyFromEncryptionKey(t *testing.T) {
	c, err := chat.New("wh", chat.WithEncryptionKey(cnSecret), chat.WithUserID("u1"))
	require.NoError(t, err)
	assert.Equal(t, "u1", cnVerify(c.UserKey()))
	assert.Equal(t, "u1", c.UserID())
	assert.Nil(t, c.User())
	_, claims := jwtParts(t, c.UserKey())
	assert.Contains(t, claims, "iat", "a 1.x key")

	// A call sends the client's key, whatever options it takes; one that
	// changes the user signs anew (see also TestKeySignedOnce).
	s := newCNServer(t)
	c, err = chat.New("", chat.WithBaseURL(s.URL), chat.WithEncryptionKey(cnSecret), chat.WithUserID("u1"))
	require.NoError(t, err)
	_, err = c.GetUser(context.Background(), chat.WithTimeout(time.Minute))
	require.NoError(t, err)
	_, err = c.GetUser(context.Background(), chat.WithUserID("u2"))
	require.NoError(t, err)
	log := s.log()
	require.Len(t, log, 2)
	assert.Equal(t, "GET /users/me "+c.UserKey(), log[0])
	assert.Equal(t, "u2", cnVerify(strings.TrimPrefix(log[1], "GET /users/me ")))

	c, err = chat.New("wh", chat.WithEncryptionKey(cnSecret), chat.WithUserID("u1"), chat.WithUserKey("explicit"))
	require.NoError(t, err)
	assert.Equal(t, "explicit", c.UserKey(), "WithUserKey wins")
	assert.Equal(t, "", c.UserID(), "not a token")
}

func TestNewAPIURL(t *testing.T) {
	t.Setenv(chat.EnvAPIURL, "")
	t.Setenv(chat.EnvWebhookID, "")
	url := func(webhookID string, opts ...chat.Option) string {
		t.Helper()
		c, err := chat.New(webhookID, opts...)
		require.NoError(t, err)
		return c.BaseURL()
	}
	assert.Equal(t, "https://chat.botpress.cloud/wh-1", url("wh-1"))
	assert.Equal(t, "https://chat.botpress.cloud/a%2Fb", url("a/b"), "the webhook ID is one segment")
	assert.Equal(t, "http://127.0.0.1:9/x", url("wh-1", chat.WithBaseURL("http://127.0.0.1:9/x/")))
	_, err := chat.New("")
	assert.ErrorContains(t, err, chat.EnvWebhookID)

	t.Setenv(chat.EnvWebhookID, "from-env")
	assert.Equal(t, "https://chat.botpress.cloud/from-env", url(""))
	t.Setenv(chat.EnvAPIURL, "https://proxy.example/chat/abc")
	assert.Equal(t, "https://proxy.example/chat/abc", url(""))
	assert.Equal(t, "https://chat.botpress.cloud/arg", url("arg"), "the argument wins over the environment")

	_, err = chat.New("", chat.WithBaseURL("ftp://x"))
	assert.Error(t, err)
	_, err = chat.New("..")
	assert.ErrorIs(t, err, chat.ErrInvalidArgument)
	_, err = chat.New("wh", chat.WithUserKey("bad\nkey"))
	assert.ErrorContains(t, err, "user key contains a control character")
	assert.NotContains(t, err.Error(), "bad")
	_, err = chat.New("wh", chat.WithTimeout(-1))
	assert.Error(t, err)
	_, err = chat.New("wh", chat.WithIdempotent())
	assert.Error(t, err)
}

func TestCallsNeedAUserKey(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { n.Add(1) }))
	defer srv.Close()
	c, err := chat.New("", chat.WithBaseURL(srv.URL))
	require.NoError(t, err)
	_, err = c.GetUser(context.Background())
	assert.ErrorIs(t, err, chat.ErrMissingArgument)
	for _, err := range c.Listen(context.Background(), "conv_1") {
		assert.ErrorIs(t, err, chat.ErrMissingArgument)
	}
	_, err = c.GetConversation(context.Background(), "")
	assert.ErrorIs(t, err, chat.ErrMissingArgument)
	_, err = c.GetMessage(context.Background(), "..", chat.WithUserKey("k"))
	assert.ErrorIs(t, err, chat.ErrInvalidArgument)
	assert.Zero(t, n.Load(), "nothing sent")
}

// A success answer whose body is an error object is that error, as the
// official client's _checkPayloadForError has it: retried when its code
// is (a GET's 503), returned as an *errors.APIError otherwise.
func TestErrorInSuccessBody(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/conversations/gone":
			fkReply(w, 200, `{"code":404,"type":"ResourceNotFound","message":"Conversation gone not found","id":"err_1"}`)
		case r.URL.Path == "/conversations/busy":
			if n.Add(1) == 1 {
				fkReply(w, 200, `{"code":503,"message":"try again"}`)
				return
			}
			fkReply(w, 200, `{"conversation":`+wtConv("busy")+`}`)
		case r.URL.Path == "/messages":
			n.Add(1)
			fkReply(w, 200, `{"code":500,"message":"An error occurred"}`)
		case r.URL.Path == "/conversations/code-ok":
			fkReply(w, 200, `{"code":200,"conversation":`+wtConv("code-ok")+`}`)
		}
	}))
	defer srv.Close()
	c, err := chat.New("", chat.WithBaseURL(srv.URL), chat.WithUserKey("k"), chat.WithRetryDelay(1, 1))
	require.NoError(t, err)
	ctx := context.Background()

	_, err = c.GetConversation(ctx, "gone")
	require.ErrorIs(t, err, bperrors.ErrResourceNotFound)
	var apiErr *bperrors.APIError
	require.True(t, errors.As(err, &apiErr))
	assert.Equal(t, 404, apiErr.StatusCode)
	assert.Equal(t, "getConversation", apiErr.Operation)
	assert.Equal(t, "err_1", apiErr.ID)
	assert.Contains(t, err.Error(), "Conversation gone not found")

	out, err := c.GetConversation(ctx, "busy")
	require.NoError(t, err)
	assert.Equal(t, "busy", out.Conversation.ID)
	assert.EqualValues(t, 2, n.Load(), "the 503 in the body was retried")

	n.Store(0)
	_, err = c.CreateMessage(ctx, chatgen.CreateMessageBody{ConversationID: "c", Payload: &message.TextPayload{Text: "x"}})
	require.True(t, errors.As(err, &apiErr))
	assert.Equal(t, 500, apiErr.StatusCode)
	assert.EqualValues(t, 1, n.Load(), "a POST is not retried")

	_, err = c.GetConversation(ctx, "code-ok")
	assert.NoError(t, err, "a code outside 400-599 is not an error")
}

// The user key does not follow a redirect to another origin.
// ... and the headers of WithHeader.
func TestRedirectDropsTheUserKey(t *testing.T) {
	var got atomic.Value
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Store(r.Header.Get(chat.HeaderUserKey) + "|" + r.Header.Get("X-Trace"))
		fkReply(w, 200, `{"user":`+wtUser("u")+`}`)
	}))
	defer other.Close()
	srv := httptest.NewServer(http.RedirectHandler(other.URL+"/users/me", http.StatusTemporaryRedirect))
	defer srv.Close()
	c, err := chat.New("", chat.WithBaseURL(srv.URL), chat.WithUserKey("secret-key"), chat.WithHeader("X-Trace", "t1"))
	require.NoError(t, err)
	_, err = c.GetUser(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "|", got.Load())
}

// WithHeader adds headers but cannot replace the user key.
func TestWithHeader(t *testing.T) {
	var got http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		fkReply(w, 200, `{"user":`+wtUser("u")+`}`)
	}))
	defer srv.Close()
	c, err := chat.New("", chat.WithBaseURL(srv.URL), chat.WithUserKey("real"), chat.WithHeader("X-User-Key", "other"), chat.WithHeader("X-Trace", "t1"))
	require.NoError(t, err)
	_, err = c.GetUser(context.Background(), chat.WithHeader("X-Trace", "t2"))
	require.NoError(t, err)
	assert.Equal(t, []string{"real"}, got.Values(chat.HeaderUserKey))
	assert.Equal(t, []string{"t1", "t2"}, got.Values("X-Trace"))
	_, err = c.GetUser(context.Background(), chat.WithUserKey("per-call"))
	require.NoError(t, err)
	assert.Equal(t, []string{"per-call"}, got.Values(chat.HeaderUserKey))
}

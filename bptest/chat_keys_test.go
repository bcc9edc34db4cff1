package bptest_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/bptest"
	"github.com/botpress-go/sdk/chat"
	"github.com/botpress-go/sdk/chat/chatgen"
	"github.com/botpress-go/sdk/message"
)

// signRaw signs a header and claims, JSON texts as given, as an HS256 JWT.
func signRaw(secret, header, claims string) string {
	unsigned := base64.RawURLEncoding.EncodeToString([]byte(header)) + "." + base64.RawURLEncoding.EncodeToString([]byte(claims))
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(unsigned))
	return unsigned + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// The keys of both versions of @botpress/chat are accepted: 1.x signs with
// jose (header {"alg":"HS256"}, claims {id, iat}), 0.5.5 with jsonwebtoken
// (header {"alg":"HS256","typ":"JWT"}, claims {id, iat}); so are claims
// {id} alone. What the Chat integration's jsonwebtoken.verify refuses is
// refused; it does not look at iat.
func TestChatKeyForms(t *testing.T) {
	srv := bptest.Start(t)
	secret := srv.ChatEncryptionKey()
	now := time.Now().Unix()
	for _, tc := range []struct{ name, id, key string }{
		{"1.x, chat.SignUserKey", "k-1x", chat.SignUserKey("k-1x", secret)},
		{"1.x, by hand", "k-1x-hand", signRaw(secret, `{"alg":"HS256"}`, fmt.Sprintf(`{"id":"k-1x-hand","iat":%d}`, now))},
		{"0.5.5", "k-055", signRaw(secret, `{"alg":"HS256","typ":"JWT"}`, fmt.Sprintf(`{"id":"k-055","iat":%d}`, now))},
		{"id alone", "k-id", signRaw(secret, `{"alg":"HS256","typ":"JWT"}`, `{"id":"k-id"}`)},
		{"iat in the future", "k-future", signRaw(secret, `{"alg":"HS256"}`, fmt.Sprintf(`{"id":"k-future","iat":%d}`, now+3600))},
		{"other header fields", "k-kid", signRaw(secret, `{"typ":"JWT","kid":"1","alg":"HS256"}`, `{"iat":1,"id":"k-kid","extra":true}`)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := chatUser{t: t, srv: srv, key: tc.key}
			var out chatgen.GetOrCreateUserResponse
			a := u.call("POST", "/users/get-or-create", `{}`)
			require.Equal(t, 201, a.status, "%s", a.body)
			a.into(t, &out)
			assert.Equal(t, tc.id, out.User.ID)
			var me chatgen.GetUserResponse
			u.call("GET", "/users/me", nil).into(t, &me)
			assert.Equal(t, tc.id, me.User.ID)
		})
	}
	for name, key := range map[string]string{
		"alg none":          base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none"}`)) + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"id":"x"}`)) + ".",
		"alg HS512":         signRaw(secret, `{"alg":"HS512"}`, `{"id":"x","iat":1}`),
		"expired":           signRaw(secret, `{"alg":"HS256"}`, fmt.Sprintf(`{"id":"x","iat":1,"exp":%d}`, now-60)),
		"not valid yet":     signRaw(secret, `{"alg":"HS256"}`, fmt.Sprintf(`{"id":"x","iat":1,"nbf":%d}`, now+3600)),
		"exp not a number":  signRaw(secret, `{"alg":"HS256"}`, `{"id":"x","exp":"tomorrow"}`),
		"id not a string":   signRaw(secret, `{"alg":"HS256"}`, `{"id":42,"iat":1}`),
		"another secret":    chat.SignUserKey("x", "not the secret"),
		"claims not object": signRaw(secret, `{"alg":"HS256"}`, `"x"`),
	} {
		a := chatUser{t: t, srv: srv, key: key}.call("POST", "/users/get-or-create", `{}`)
		assert.Equal(t, 401, a.status, "%s: %s", name, a.body)
	}
}

// The Go client against bptest, both ways: a client that signs its key
// (1.x form) and one handed a key of the 0.5.5 form talk in the same
// conversation.
func TestChatKeysBothWays(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	srv := bptest.Start(t)
	srv.OnMessage(nil)
	signed, err := chat.Connect(ctx, "", chat.WithBaseURL(srv.ChatURL()),
		chat.WithEncryptionKey(srv.ChatEncryptionKey()), chat.WithUserID("new-ada"))
	require.NoError(t, err)
	old := signRaw(srv.ChatEncryptionKey(), `{"alg":"HS256","typ":"JWT"}`, fmt.Sprintf(`{"id":"old-bob","iat":%d}`, time.Now().Unix()))
	handed, err := chat.Connect(ctx, "", chat.WithBaseURL(srv.ChatURL()), chat.WithUserKey(old))
	require.NoError(t, err)
	assert.Equal(t, "new-ada", signed.UserID())
	assert.Equal(t, "old-bob", handed.UserID())

	conv, err := signed.CreateConversation(ctx, chatgen.CreateConversationBody{})
	require.NoError(t, err)
	_, err = signed.AddParticipant(ctx, conv.Conversation.ID, chatgen.AddParticipantBody{UserID: "old-bob"})
	require.NoError(t, err)
	_, err = handed.CreateMessage(ctx, chatgen.CreateMessageBody{ConversationID: conv.Conversation.ID, Payload: message.Text("hi")})
	require.NoError(t, err)
	msgs, err := chat.Collect(signed.AllMessages(ctx, conv.Conversation.ID, nil), 0)
	require.NoError(t, err)
	require.Len(t, msgs, 1)
	assert.Equal(t, "old-bob", msgs[0].UserID)
}

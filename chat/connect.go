package chat

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"time"

	"github.com/botpress-go/sdk/chat/chatgen"

	"github.com/botpress-go/sdk/internal/transport"
)

// Connect gets or creates a user and returns a client acting as that user,
// as the official client's connect does. opts are New's; which user
// depends on them:
//
//   - WithUserKey(key): the user the key names, got or created with
//     getOrCreateUser;
//   - WithEncryptionKey(key) with WithUserID(id): the key of user id,
//     signed here (SignUserKey), then getOrCreateUser;
//   - neither: a new user, made by createUser (with WithUserID's ID when
//     given), whose key is the one the API answers. This works only when
//     the Chat integration issues the keys itself.
//
// The returned client's User, UserID and UserKey say who it acts as.
func Connect(ctx context.Context, webhookID string, opts ...Option) (*Client, error) {
	c, err := New(webhookID, opts...)
	if err != nil {
		return nil, err
	}
	if c.cfg.userKey != "" {
		res, err := c.GetOrCreateUser(ctx, chatgen.GetOrCreateUserBody{})
		if err != nil {
			return nil, transport.Errorf("botpress: connect: %w", err)
		}
		c.user = &res.User
		return c, nil
	}
	var body chatgen.CreateUserBody
	if c.cfg.userID != "" {
		body.ID = Ptr(c.cfg.userID)
	}
	res, err := c.CreateUser(ctx, body)
	if err != nil {
		return nil, transport.Errorf("botpress: connect: %w", err)
	}
	c.cfg.key = res.Key
	if err := c.cfg.validate(); err != nil {
		return nil, transport.Errorf("botpress: connect: the key createUser answered: %w", err)
	}
	c.user = &res.User
	return c, nil
}

// jwtHeader is the encoded header of every key SignUserKey makes:
// base64url of {"alg":"HS256"}, as @botpress/chat 1.x writes it
// (TestSignUserKey checks it).
const jwtHeader = "eyJhbGciOiJIUzI1NiJ9"

// SignUserKey returns the user key of the user userID for a Chat
// integration configured with encryptionKey, as @botpress/chat 1.x signs
// it: a JSON Web Token signed with HMAC-SHA256, header {"alg":"HS256"},
// claims {"id": userID, "iat": now, in seconds since the epoch}. The Chat
// integration accepts it, as it accepts the keys of 0.5.5 (header with
// "typ":"JWT"); such a key does not expire. Keep the encryption key on
// your server, never in an app. New and Connect sign with it once per
// client; SignUserKeyAt gives the same key for the same instant.
func SignUserKey(userID, encryptionKey string) string {
	return SignUserKeyAt(userID, encryptionKey, time.Now())
}

// SignUserKeyAt is SignUserKey with the time the key says it was issued
// at (its claim iat, whole seconds): the same arguments make the same key.
func SignUserKeyAt(userID, encryptionKey string, issuedAt time.Time) string {
	// As JSON.stringify writes it: <, > and & as they are; id, then iat.
	var claims bytes.Buffer
	enc := json.NewEncoder(&claims)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(struct {
		ID  string `json:"id"`
		Iat int64  `json:"iat"`
	}{userID, issuedAt.Unix()}) // a string and a number always encode
	signing := jwtHeader + "." + base64.RawURLEncoding.EncodeToString(bytes.TrimSuffix(claims.Bytes(), []byte("\n")))
	mac := hmac.New(sha256.New, []byte(encryptionKey))
	mac.Write([]byte(signing))
	return signing + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

package bptest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"
)

// User keys of the Chat API: HS256 JSON Web Tokens whose claim id is the
// Chat user's ID, signed with the integration's encryption key. Only what
// the keys use is read: the header's alg, the claims id and, when present,
// exp and nbf (seconds since the epoch), as the integration's
// jsonwebtoken.verify checks them (it does not look at iat). So the keys of
// both versions of @botpress/chat are accepted: 1.x signs with jose, header
// {"alg":"HS256"} and claims {id, iat}; 0.5.5 with jsonwebtoken, header
// {"alg":"HS256","typ":"JWT"} and claims {id, iat}. The keys the server
// issues (createUser) are of the integration's form, jsonwebtoken's.

// jwtHeader is the header of every key the server signs.
var jwtHeader = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))

// signUserKey signs the key of the user with this ID, issued at now.
func signUserKey(secret, userID string, now time.Time) string {
	claims, _ := json.Marshal(struct {
		ID  string `json:"id"`
		Iat int64  `json:"iat"`
	}{userID, now.Unix()})
	unsigned := jwtHeader + "." + base64.RawURLEncoding.EncodeToString(claims)
	return unsigned + "." + jwtSignature(secret, unsigned)
}

func jwtSignature(secret, unsigned string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(unsigned))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// verifyUserKey checks a user key and returns the user ID it names. The
// error says why the key is refused, never what it holds.
func verifyUserKey(secret, key string, now time.Time) (string, error) {
	if key == "" {
		return "", errors.New("the x-user-key header is missing: every call but createUser needs a user key")
	}
	parts := strings.Split(key, ".")
	if len(parts) != 3 {
		return "", errors.New("invalid user key: not a JSON Web Token")
	}
	var header struct {
		Alg string `json:"alg"`
	}
	if err := jwtPart(parts[0], &header); err != nil || header.Alg != "HS256" {
		return "", errors.New("invalid user key: not signed with HS256")
	}
	want := jwtSignature(secret, parts[0]+"."+parts[1])
	if !hmac.Equal([]byte(want), []byte(parts[2])) {
		return "", errors.New("invalid user key: wrong signature")
	}
	var claims struct {
		ID  any      `json:"id"`
		Exp *float64 `json:"exp"`
		Nbf *float64 `json:"nbf"`
	}
	if err := jwtPart(parts[1], &claims); err != nil {
		return "", errors.New("invalid user key: its claims are not a JSON object")
	}
	id, ok := claims.ID.(string)
	if !ok {
		return "", errors.New("invalid user key: its claim id is not a string")
	}
	unix := float64(now.Unix())
	if claims.Exp != nil && unix >= *claims.Exp {
		return "", errors.New("invalid user key: expired")
	}
	if claims.Nbf != nil && unix < *claims.Nbf {
		return "", errors.New("invalid user key: not valid yet")
	}
	return id, nil
}

// jwtPart decodes one base64url part of a token as JSON.
func jwtPart(part string, v any) error {
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(part, "="))
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, v)
}

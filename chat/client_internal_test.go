package chat

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A key signed from an encryption key is signed once per client: the
// config of a call keeps it (its iat does not move with the clock), unless
// the call's options change the user or the encryption key.
func TestKeySignedOnce(t *testing.T) {
	c, err := New("wh", WithEncryptionKey("secret"), WithUserID("u1"))
	require.NoError(t, err)
	// As if signed long ago: a call must not sign again.
	old := SignUserKeyAt("u1", "secret", time.Unix(1, 0))
	c.cfg.userKey = old
	cfg, err := c.with([]Option{WithTimeout(time.Minute)})
	require.NoError(t, err)
	assert.Equal(t, old, cfg.userKey)
	cfg, err = c.with([]Option{WithUserID("u2")})
	require.NoError(t, err)
	assert.Equal(t, "u2", userIDOfKey(cfg.userKey))
	cfg, err = c.with([]Option{WithEncryptionKey("other")})
	require.NoError(t, err)
	assert.NotEqual(t, old, cfg.userKey, "another encryption key: signed anew")
	assert.Equal(t, "u1", userIDOfKey(cfg.userKey))
}

package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// With no token in the environment, the quickstart runs offline end to end.
func TestQuickstartOffline(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, func(string) string { return "" }))
	s := out.String()
	assert.Contains(t, s, "in-memory Botpress API")
	assert.Contains(t, s, "walked 5 messages")
	assert.Contains(t, s, "text: message 1")
	assert.Contains(t, s, "choice: message 5: anything else? (2 options)")
	assert.Contains(t, s, "state: 2")
	assert.Contains(t, s, "unknown user: ResourceNotFound, status 404")
	assert.Equal(t, 5, strings.Count(s, "  msg_"))
}

func TestQuickstartNeedsBotWithToken(t *testing.T) {
	env := map[string]string{"BP_TOKEN": "bp_pat_x"}
	err := run(context.Background(), &bytes.Buffer{}, func(k string) string { return env[k] })
	require.ErrorContains(t, err, "BP_BOT_ID")
}

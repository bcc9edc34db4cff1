package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSupportOffline(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, func(string) string { return "" }))
	assert.Equal(t, `Grace: Hi, I was charged twice this month.
bot: Is this about billing or a bug? [Billing] [A bug]
Grace: billing
bot: (image "Where to find your invoice") https://example.com/invoice-help.png
bot: (card) Talk to a person [Open a ticket -> url https://example.com/tickets/new] [Call me back -> postback callback]
`, out.String())
}

func TestSupportNeedsBotWithToken(t *testing.T) {
	env := map[string]string{"BP_TOKEN": "bp_pat_x"}
	err := run(context.Background(), &bytes.Buffer{}, func(k string) string { return env[k] })
	require.ErrorContains(t, err, "BP_BOT_ID")
}

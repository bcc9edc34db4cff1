package client_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/client"
)

func TestNullableStrings(t *testing.T) {
	assert.Nil(t, client.NullableStrings(nil))
	m := client.NullableStrings(map[string]string{"a": "1", "b": "2"})
	m["c"] = nil
	b, err := json.Marshal(m)
	require.NoError(t, err)
	assert.JSONEq(t, `{"a":"1","b":"2","c":null}`, string(b))
}

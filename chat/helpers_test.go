package chat_test

import (
	"encoding/json"
	"strings"
)

// jsonUnmarshal decodes s, keeping numbers as float64, as kin-openapi wants.
func jsonUnmarshal(s string, v any) error { return json.NewDecoder(strings.NewReader(s)).Decode(v) }

package client

// NullableStrings turns a map of strings into the form that get-or-create
// and update bodies take for tags and properties, whose values may be null
// (a null value removes a key in an update):
// gen.GetOrCreateUserBody{Tags: client.NullableStrings(map[string]string{"email": "ada@example.com"})}.
// It returns nil for a nil map. To remove a key, set it to nil in the
// result.
func NullableStrings(m map[string]string) map[string]*string {
	if m == nil {
		return nil
	}
	out := make(map[string]*string, len(m))
	for k, v := range m {
		out[k] = &v
	}
	return out
}

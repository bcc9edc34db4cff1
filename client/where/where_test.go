package where_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/botpress-go/sdk/client/where"
)

func TestOperators(t *testing.T) {
	cases := []struct {
		f    where.Filter
		want string
	}{
		{where.Eq("name", "John"), `{"name":{"$eq":"John"}}`},
		{where.Ne("name", "John"), `{"name":{"$ne":"John"}}`},
		{where.Gt("age", 30), `{"age":{"$gt":30}}`},
		{where.Gte("age", 30.5), `{"age":{"$gte":30.5}}`},
		{where.Lt("age", 1), `{"age":{"$lt":1}}`},
		{where.Lte("age", 1), `{"age":{"$lte":1}}`},
		{where.In("team", "a", "b"), `{"team":{"$in":["a","b"]}}`},
		{where.In("team"), `{"team":{"$in":[]}}`},
		{where.Nin("team", 1, 2), `{"team":{"$nin":[1,2]}}`},
		{where.Exists("email", true), `{"email":{"$exists":true}}`},
		{where.Regex("name", "^jo", "i"), `{"name":{"$regex":"^jo","$options":"i"}}`},
		{where.Regex("name", "^jo", ""), `{"name":{"$regex":"^jo"}}`},
		{where.And(where.Eq("a", 1), where.Eq("b", 2)), `{"$and":[{"a":{"$eq":1}},{"b":{"$eq":2}}]}`},
		{where.Or(where.Eq("a", 1), where.Not(where.Eq("b", 2))), `{"$or":[{"a":{"$eq":1}},{"$not":{"b":{"$eq":2}}}]}`},
		{where.Raw(map[string]any{"a": map[string]any{"$mod": []any{4, 0}}}), `{"a":{"$mod":[4,0]}}`},
		{where.Filter{}, `{}`},
	}
	for _, tc := range cases {
		b, err := json.Marshal(tc.f)
		assert.NoError(t, err)
		assert.JSONEq(t, tc.want, string(b))
		m, err := json.Marshal(tc.f.Map())
		assert.NoError(t, err)
		assert.JSONEq(t, tc.want, string(m), "Map() gives the same object")
		assert.JSONEq(t, tc.want, tc.f.String())
	}
}

// Changing what Map returns, or the map given to Raw, leaves the filter as it was.
func TestFiltersAreValues(t *testing.T) {
	raw := map[string]any{"a": map[string]any{"$eq": 1}}
	f := where.And(where.Raw(raw), where.Eq("b", 2))
	raw["a"] = "changed"
	m := f.Map()
	m["$and"].([]any)[1].(map[string]any)["b"] = "changed"
	assert.JSONEq(t, `{"$and":[{"a":{"$eq":1}},{"b":{"$eq":2}}]}`, f.String())
}

func Example() {
	f := where.And(
		where.Eq("status", "open"),
		where.Gte("priority", 2),
		where.In("team", "sales", "support"),
	)
	fmt.Println(f)
	// Output: {"$and":[{"status":{"$eq":"open"}},{"priority":{"$gte":2}},{"team":{"$in":["sales","support"]}}]}
}

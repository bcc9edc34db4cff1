// Package where builds the row filters that the Tables operations take
// (findTableRows, deleteTableRows, updateTableRows ...).
//
// The spec types a filter as a free JSON object in a MongoDB-like language:
// a column name mapped to an operator and its operand, combined with $and,
// $or and $not. This package writes that object with types, so that a typo
// in an operator is a compile error:
//
//	f := where.And(
//		where.Eq("status", "open"),
//		where.Gte("priority", 2),
//		where.In("team", "sales", "support"),
//	)
//	body := gen.FindTableRowsJSONRequestBody{Filter: f.Map()}
//
// Raw accepts any other expression the API understands.
package where

import "encoding/json"

// Filter is one filter expression. The zero Filter matches every row.
type Filter struct {
	m map[string]any
}

// Map returns the filter as the JSON object the API reads, ready for the
// Filter field of a request body. It is a fresh copy on every call.
func (f Filter) Map() map[string]any {
	return copyMap(f.m)
}

// MarshalJSON writes the filter as its JSON object.
func (f Filter) MarshalJSON() ([]byte, error) {
	if f.m == nil {
		return []byte("{}"), nil
	}
	return json.Marshal(f.m)
}

// String returns the filter's JSON, for logs and tests.
func (f Filter) String() string {
	b, err := f.MarshalJSON()
	if err != nil {
		return "<invalid filter: " + err.Error() + ">"
	}
	return string(b)
}

func op(column, operator string, operand any) Filter {
	return Filter{m: map[string]any{column: map[string]any{operator: operand}}}
}

// Eq matches rows whose column equals value.
func Eq(column string, value any) Filter { return op(column, "$eq", value) }

// Ne matches rows whose column differs from value.
func Ne(column string, value any) Filter { return op(column, "$ne", value) }

// Gt matches rows whose column is greater than value.
func Gt(column string, value any) Filter { return op(column, "$gt", value) }

// Gte matches rows whose column is greater than or equal to value.
func Gte(column string, value any) Filter { return op(column, "$gte", value) }

// Lt matches rows whose column is less than value.
func Lt(column string, value any) Filter { return op(column, "$lt", value) }

// Lte matches rows whose column is less than or equal to value.
func Lte(column string, value any) Filter { return op(column, "$lte", value) }

// In matches rows whose column equals one of values.
func In(column string, values ...any) Filter { return op(column, "$in", nonNil(values)) }

// Nin matches rows whose column equals none of values.
func Nin(column string, values ...any) Filter { return op(column, "$nin", nonNil(values)) }

// Exists matches rows that have (exists true) or lack (false) a value in
// column.
func Exists(column string, exists bool) Filter { return op(column, "$exists", exists) }

// Regex matches rows whose text column matches a regular expression;
// options such as "i" (case-insensitive) are passed as $options.
func Regex(column, pattern, options string) Filter {
	expr := map[string]any{"$regex": pattern}
	if options != "" {
		expr["$options"] = options
	}
	return Filter{m: map[string]any{column: expr}}
}

// And matches rows that every filter matches.
func And(filters ...Filter) Filter { return combine("$and", filters) }

// Or matches rows that at least one filter matches.
func Or(filters ...Filter) Filter { return combine("$or", filters) }

// Not matches rows that f does not match.
func Not(f Filter) Filter { return Filter{m: map[string]any{"$not": f.Map()}} }

// Raw wraps an expression written by hand. It is copied.
func Raw(expr map[string]any) Filter { return Filter{m: copyMap(expr)} }

func combine(operator string, filters []Filter) Filter {
	list := make([]any, 0, len(filters))
	for _, f := range filters {
		list = append(list, f.Map())
	}
	return Filter{m: map[string]any{operator: list}}
}

func nonNil(values []any) []any {
	if values == nil {
		return []any{}
	}
	return values
}

// copyMap copies a JSON-like value deeply enough that the copy can be
// changed without touching the filter.
func copyMap(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = copyValue(v)
	}
	return out
}

func copyValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		return copyMap(v)
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = copyValue(e)
		}
		return out
	}
	return v
}

package bptest

import "github.com/oapi-codegen/nullable"

// setNullable applies an update field that may be absent (keep), null
// (clear) or a value (set).
func setNullable[T any](dst **T, v nullable.Nullable[T]) {
	if !v.IsSpecified() {
		return
	}
	if v.IsNull() {
		*dst = nil
		return
	}
	x := v.MustGet()
	*dst = &x
}

// ptr returns a pointer to v.
func ptr[T any](v T) *T { return &v }

// nullableOf is *p, or null where p is nil.
func nullableOf[T any](p *T) nullable.Nullable[T] {
	if p == nil {
		return nullable.NewNullNullable[T]()
	}
	return nullable.NewNullableWithValue(*p)
}

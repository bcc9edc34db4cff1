package client

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"iter"
)

// ErrRepeatedToken is yielded by a walker when the server hands back a
// page token it already gave during the same walk, which would otherwise
// make the walk loop forever.
var ErrRepeatedToken = errors.New("server repeated a page token")

// fetchPage gets one page: its items and the token of the next page, ""
// on the last one.
type fetchPage[T any] func(ctx context.Context, token *string) ([]T, string, error)

// tokenString reads a page token whether the answer holds it as a string
// or as a pointer to one.
func tokenString(t any) string {
	switch v := t.(type) {
	case string:
		return v
	case *string:
		if v != nil {
			return *v
		}
	}
	return ""
}

// walk is the one page walker behind every All* method. It fetches a page
// only when the loop has consumed the previous one, keeps one page in
// memory, follows nextToken through empty pages, stops when the loop
// breaks, and yields an error at most once, as the last element.
func walk[T any](ctx context.Context, op string, start *string, fetch fetchPage[T]) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		if ctx == nil {
			yield(zero, fmt.Errorf("botpress: %s: nil context", op))
			return
		}
		token := start
		// Tokens are remembered as 64-bit hashes: a few bytes per page.
		seed := maphash.MakeSeed()
		seen := map[uint64]struct{}{}
		if token != nil {
			seen[maphash.String(seed, *token)] = struct{}{}
		}
		for {
			if err := ctx.Err(); err != nil {
				yield(zero, fmt.Errorf("botpress: %s: %w", op, err))
				return
			}
			items, next, err := fetch(ctx, token)
			if err != nil {
				yield(zero, err)
				return
			}
			for _, item := range items {
				if !yield(item, nil) {
					return
				}
			}
			if next == "" {
				return
			}
			h := maphash.String(seed, next)
			if _, dup := seen[h]; dup {
				yield(zero, fmt.Errorf("botpress: %s: %w: %.32q", op, ErrRepeatedToken, next))
				return
			}
			seen[h] = struct{}{}
			token = &next
		}
	}
}

// failedWalk is a walk that yields err and ends.
func failedWalk[T any](err error) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		yield(zero, err)
	}
}

// Collect gathers the items of a walk into a slice, stopping after limit
// items when limit > 0. It returns the items gathered so far with the
// first error.
func Collect[T any](seq iter.Seq2[T, error], limit int) ([]T, error) {
	var out []T
	for item, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, item)
		if limit > 0 && len(out) >= limit {
			break
		}
	}
	return out, nil
}

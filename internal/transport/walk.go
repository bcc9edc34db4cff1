package transport

import (
	"context"
	"errors"
	"hash/maphash"
	"iter"
)

// ErrRepeatedToken is yielded by a walker when the server hands back a
// page token it already gave during the same walk, which would otherwise
// make the walk loop forever.
var ErrRepeatedToken = errors.New("server repeated a page token")

// ErrEmptyPages is yielded by a walker when the server hands more empty
// pages in a row than the walk allows (MaxEmptyPages), each with a new
// token, which would otherwise make the walk go on forever.
var ErrEmptyPages = errors.New("server gave too many empty pages in a row")

// DefaultMaxEmptyPages is how many empty pages in a row, each followed by
// another, a walk takes before it ends with ErrEmptyPages.
const DefaultMaxEmptyPages = 100

// FetchPage gets one page: its items and the token of the next page, ""
// on the last one.
type FetchPage[T any] func(ctx context.Context, token *string) ([]T, string, error)

// TokenString reads a page token whether the answer holds it as a string
// or as a pointer to one.
func TokenString(t any) string {
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

// Page is one page of a list operation, as its page iterator yields it.
type Page[T any] struct {
	// Items are the page's items, in the order the API gave them. A page
	// may be empty and still be followed by others.
	Items []T
	// Token is the token this page was fetched with; "" for the first page
	// of a walk that started without one.
	Token string
	// NextToken is the token of the page after this one; "" on the last
	// page. Once the items are handled, save it: a walk started with it
	// (params.NextToken) resumes right after this page, with nothing
	// skipped or repeated.
	NextToken string
}

// Last reports whether no page follows this one.
func (p Page[T]) Last() bool { return p.NextToken == "" }

// Pages is the one page iterator behind every *Pages method of packages
// client and chat and, through ItemsOf, every All* method. It fetches a
// page only when the loop has consumed the previous one, follows nextToken
// through empty pages, stops when the loop breaks or ctx ends (checked
// before each page), and yields an error at most once, as the last
// element. A walk that gets more than maxEmpty empty pages in a row, each
// with a next token, ends with ErrEmptyPages (maxEmpty <= 0: no bound).
func Pages[T any](ctx context.Context, op string, start *string, maxEmpty int, fetch FetchPage[T]) iter.Seq2[Page[T], error] {
	return func(yield func(Page[T], error) bool) {
		if ctx == nil {
			yield(Page[T]{}, Errorf("botpress: %s: nil context", op))
			return
		}
		token := start
		// Tokens are remembered as 64-bit hashes: a few bytes per page.
		seed := maphash.MakeSeed()
		seen := map[uint64]struct{}{}
		if token != nil {
			seen[maphash.String(seed, *token)] = struct{}{}
		}
		empty := 0 // empty pages in a row
		for {
			if ctx.Err() != nil {
				yield(Page[T]{}, Errorf("botpress: %s: %w", op, context.Cause(ctx)))
				return
			}
			items, next, err := fetch(ctx, token)
			if err != nil {
				yield(Page[T]{}, err)
				return
			}
			page := Page[T]{Items: items, NextToken: next}
			if token != nil {
				page.Token = *token
			}
			if next != "" {
				h := maphash.String(seed, next)
				if _, dup := seen[h]; dup {
					// The page is yielded with no next token: the caller
					// gets its items, then the error.
					page.NextToken = ""
					if yield(page, nil) {
						yield(Page[T]{}, Errorf("botpress: %s: %w: %.32q", op, ErrRepeatedToken, next))
					}
					return
				}
				seen[h] = struct{}{}
			}
			if len(items) == 0 && next != "" {
				empty++
			} else {
				empty = 0
			}
			if ctx.Err() != nil {
				yield(Page[T]{}, Errorf("botpress: %s: %w", op, context.Cause(ctx)))
				return
			}
			if !yield(page, nil) || next == "" {
				return
			}
			if maxEmpty > 0 && empty >= maxEmpty {
				yield(Page[T]{}, Errorf("botpress: %s: %w: %d (the bound is set with WithMaxEmptyPages)", op, ErrEmptyPages, empty))
				return
			}
			token = &next
		}
	}
}

// ItemsOf is the item walker behind every All* method: the items of the
// pages seq yields, one at a time, and its error, if any, at the end. It
// checks ctx before each item: once ctx ends, no item comes, only ctx's
// error (named after op).
func ItemsOf[T any](ctx context.Context, op string, seq iter.Seq2[Page[T], error]) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		for page, err := range seq {
			if err != nil {
				yield(zero, err)
				return
			}
			for _, item := range page.Items {
				if ctx != nil && ctx.Err() != nil {
					yield(zero, Errorf("botpress: %s: %w", op, context.Cause(ctx)))
					return
				}
				if !yield(item, nil) {
					return
				}
			}
		}
	}
}

// FailedWalk is a walk, or a page iterator, that yields err and ends.
func FailedWalk[T any](err error) iter.Seq2[T, error] {
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

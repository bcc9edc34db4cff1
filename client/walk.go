package client

import (
	"context"
	"iter"

	"github.com/botpress-go/sdk/internal/transport"
)

// ErrRepeatedToken is yielded by a walker when the server hands back a
// page token it already gave during the same walk, which would otherwise
// make the walk loop forever.
var ErrRepeatedToken = transport.ErrRepeatedToken

// ErrEmptyPages is yielded by a walker when the server hands more empty
// pages in a row, each with a new token, than WithMaxEmptyPages allows
// (DefaultMaxEmptyPages, 100, by default), which would otherwise make the
// walk go on forever.
var ErrEmptyPages = transport.ErrEmptyPages

// DefaultMaxEmptyPages is how many empty pages in a row a walk takes
// unless WithMaxEmptyPages says otherwise.
const DefaultMaxEmptyPages = transport.DefaultMaxEmptyPages

// Page is one page of a list operation, as its page iterator yields it:
// its Items, the Token it was fetched with ("" for the first page of a walk
// that started without one) and the NextToken of the page after it ("" on
// the last page). Once the items are handled, save NextToken: a walk
// started with it (params.NextToken) resumes right after this page, with
// nothing skipped or repeated. Last reports whether no page follows.
//
// It is the same type as chat.Page: both API packages walk pages alike.
type Page[T any] = transport.Page[T]

// Collect gathers the items of a walk into a slice, stopping after limit
// items when limit > 0. It returns the items gathered so far with the
// first error.
func Collect[T any](seq iter.Seq2[T, error], limit int) ([]T, error) {
	return transport.Collect(seq, limit)
}

// The generated walkers' helpers; see package transport.

// pages walks the pages of op with the walk bounds of the client's config
// with opts applied.
func pages[T any](ctx context.Context, c *Client, opts []Option, op string, start *string, fetch transport.FetchPage[T]) iter.Seq2[Page[T], error] {
	cfg, err := c.with(opts)
	if err != nil {
		return failedWalk[Page[T]](transport.Errorf("botpress: %s: %w", op, transport.Unprefix(err)))
	}
	return transport.Pages(ctx, op, start, cfg.MaxEmptyPages, fetch)
}

// itemsOf walks the items of the pages of op, checking ctx before each.
func itemsOf[T any](ctx context.Context, op string, seq iter.Seq2[Page[T], error]) iter.Seq2[T, error] {
	return transport.ItemsOf(ctx, op, seq)
}

func failedWalk[T any](err error) iter.Seq2[T, error] { return transport.FailedWalk[T](err) }

func tokenString(t any) string { return transport.TokenString(t) }

package client

import (
	"context"
	"iter"
	"strconv"

	"github.com/botpress-go/sdk/gen"
)

// AllTableRows walks every row of table that body selects (filter, search,
// order, columns), calling findTableRows as the loop asks for more rows:
// body.Limit rows a call (the API's default, 100, when nil), from
// body.Offset (0 when nil), until the API says no row remains. Rows come
// in the order body.OrderBy and body.OrderDirection ask for (by ID,
// ascending, when they are nil). An error is yielded once and ends the walk.
//
// findTableRows pages by offset: rows inserted or deleted during a walk
// shift the rows after them, which may then be skipped or repeated.
func (c *Client) AllTableRows(ctx context.Context, table string, body gen.FindTableRowsJSONRequestBody, opts ...Option) iter.Seq2[gen.Row, error] {
	start := 0
	if body.Offset != nil {
		start = *body.Offset
	}
	first := strconv.Itoa(start)
	// The offset of each call travels as the page token, so that pages'
	// guard against a token that does not move covers an answer claiming
	// more rows while giving none.
	return itemsOf(pages(ctx, "findTableRows", &first, func(ctx context.Context, token *string) ([]gen.Row, string, error) {
		offset, _ := strconv.Atoi(*token) // always written by this function
		b := body
		b.Offset = &offset
		page, err := c.FindTableRows(ctx, table, b, opts...)
		if err != nil {
			return nil, "", err
		}
		if !page.HasMore {
			return page.Rows, "", nil
		}
		return page.Rows, strconv.Itoa(offset + len(page.Rows)), nil
	}))
}

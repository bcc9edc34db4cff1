package bptest

import (
	"context"

	gen "github.com/botpress-go/sdk/bptest/internal/server"
)

// Tags: the distinct values a tag key takes on the conversations, users
// or messages of a bot, in the order they first appeared, paginated.

func (h *server) ListTagValues(ctx context.Context, req gen.ListTagValuesRequestObject) (gen.ListTagValuesResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	b := st.bot(botOf(ctx))
	var recs []*record[gen.TagValue]
	seen := map[string]bool{}
	add := func(seq int64, tags map[string]string) {
		if v, ok := tags[req.Key]; ok && v != "" && !seen[v] {
			seen[v] = true
			recs = append(recs, &record[gen.TagValue]{seq: seq, v: gen.TagValue{Value: v}})
		}
	}
	switch req.Params.Type {
	case gen.ListTagValuesParamsTypeConversation:
		for _, r := range b.conversations.filter(nil) {
			add(r.seq, r.v.Tags)
		}
	case gen.ListTagValuesParamsTypeUser:
		for _, r := range b.users.filter(nil) {
			add(r.seq, r.v.Tags)
		}
	case gen.ListTagValuesParamsTypeMessage:
		for _, r := range b.messages.filter(nil) {
			add(r.seq, r.v.Tags)
		}
	default:
		return nil, errorf(400, "InvalidQuery", "type must be conversation, user or message, not %q", req.Params.Type)
	}
	values, next, err := paginate(recs, req.Params.NextToken, st.pageSizeOf(req.Params.PageSize), false)
	if err != nil {
		return nil, err
	}
	return gen.ListTagValues200JSONResponse{Tags: values, Meta: gen.PageMeta{NextToken: next}}, nil
}

package client_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/client"
	bperrors "github.com/botpress-go/sdk/errors"
	"github.com/botpress-go/sdk/gen"
)

// walktNone stands for "no nextToken in the query" in the lists of tokens
// a test expects the server to receive.
const walktNone = "(none)"

// walktKind describes one page walker: where its pages live, how its
// items are keyed in the answer, the filters the test passes (which must
// travel on every page), and how to start it. walk maps each item to its
// identifier so that every walker can run through the same table.
type walktKind struct {
	name     string
	path     string // decoded path the server sees
	itemsKey string
	item     func(id string) string
	filters  url.Values // query sent on every page besides nextToken
	walk     func(ctx context.Context, c *client.Client, start *string) iter.Seq2[string, error]
}

// walktIDs maps a typed walk to the identifiers of its items, keeping
// laziness, early break and errors as they are.
func walktIDs[T any](seq iter.Seq2[T, error], id func(T) string) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		for item, err := range seq {
			var s string
			if err == nil {
				s = id(item)
			}
			if !yield(s, err) {
				return
			}
		}
	}
}

func walktKinds() []walktKind {
	return []walktKind{
		{
			name: "AllConversations", path: "/v1/chat/conversations", itemsKey: "conversations", item: wtConversationJSON,
			filters: url.Values{"tags.channel": {"web"}, "tags.lang": {"fr"}, "participantIds": {"u1", "u2"}, "channel": {"channel"}},
			walk: func(ctx context.Context, c *client.Client, start *string) iter.Seq2[string, error] {
				return walktIDs(c.AllConversations(ctx, &gen.ListConversationsParams{
					NextToken: start, Tags: map[string]string{"channel": "web", "lang": "fr"},
					ParticipantIDs: []string{"u1", "u2"}, Channel: wtPtr("channel"),
				}), func(v gen.Conversation) string { return v.ID })
			},
		},
		{
			name: "AllMessages", path: "/v1/chat/messages", itemsKey: "messages", item: wtMessageJSON,
			filters: url.Values{"conversationId": {"conv_1"}, "tags.ref": {"r1"}},
			walk: func(ctx context.Context, c *client.Client, start *string) iter.Seq2[string, error] {
				return walktIDs(c.AllMessages(ctx, &gen.ListMessagesParams{
					NextToken: start, ConversationID: wtPtr("conv_1"), Tags: map[string]string{"ref": "r1"},
				}), func(v gen.Message) string { return v.ID })
			},
		},
		{
			name: "AllParticipants", path: "/v1/chat/conversations/conv 1/participants", itemsKey: "participants", item: wtUserJSON,
			walk: func(ctx context.Context, c *client.Client, start *string) iter.Seq2[string, error] {
				var params *gen.ListParticipantsParams
				if start != nil {
					params = &gen.ListParticipantsParams{NextToken: start}
				}
				return walktIDs(c.AllParticipants(ctx, "conv 1", params), func(v gen.User) string { return v.ID })
			},
		},
		{
			name: "AllTagValues", path: "/v1/chat/tags/channel/values", itemsKey: "tags",
			item:    func(id string) string { return fmt.Sprintf(`{"value":%q}`, id) },
			filters: url.Values{"type": {"conversation"}},
			walk: func(ctx context.Context, c *client.Client, start *string) iter.Seq2[string, error] {
				return walktIDs(c.AllTagValues(ctx, "channel", &gen.ListTagValuesParams{
					NextToken: start, Type: gen.ListTagValuesParamsTypeConversation,
				}), func(v gen.TagValue) string { return v.Value })
			},
		},
		{
			name: "AllUsers", path: "/v1/chat/users", itemsKey: "users", item: wtUserJSON,
			filters: url.Values{"conversationId": {"conv_1"}, "sortField": {"createdAt"}},
			walk: func(ctx context.Context, c *client.Client, start *string) iter.Seq2[string, error] {
				return walktIDs(c.AllUsers(ctx, &gen.ListUsersParams{
					NextToken: start, ConversationID: wtPtr("conv_1"), SortField: wtPtr(gen.DateFieldCreatedAt),
				}), func(v gen.User) string { return v.ID })
			},
		},
		{
			name: "AllEvents", path: "/v1/chat/events", itemsKey: "events", item: wtEventJSON,
			filters: url.Values{"type": {"reminder"}, "status": {"scheduled"}},
			walk: func(ctx context.Context, c *client.Client, start *string) iter.Seq2[string, error] {
				return walktIDs(c.AllEvents(ctx, &gen.ListEventsParams{
					NextToken: start, Type: wtPtr("reminder"), Status: wtPtr(gen.ListEventsParamsStatusScheduled),
				}), func(v gen.Event) string { return v.ID })
			},
		},
		{
			name: "AllTasks", path: "/v1/chat/tasks", itemsKey: "tasks", item: wtTaskJSON,
			filters: url.Values{"status": {"pending", "in_progress"}},
			walk: func(ctx context.Context, c *client.Client, start *string) iter.Seq2[string, error] {
				return walktIDs(c.AllTasks(ctx, &gen.ListTasksParams{
					NextToken: start,
					Status:    []gen.TaskStatus{gen.TaskStatusPending, gen.TaskStatusInProgress},
				}), func(v gen.Task) string { return v.ID })
			},
		},
		{
			name: "AllWorkflows", path: "/v1/chat/workflows", itemsKey: "workflows", item: wtWorkflowJSON,
			filters: url.Values{"statuses": {"in_progress", "listening"}, "name": {"onboarding"}},
			walk: func(ctx context.Context, c *client.Client, start *string) iter.Seq2[string, error] {
				return walktIDs(c.AllWorkflows(ctx, &gen.ListWorkflowsParams{
					NextToken: start, Name: wtPtr("onboarding"),
					Statuses: []gen.WorkflowStatus{gen.WorkflowStatusInProgress, gen.WorkflowStatusListening},
				}), func(v gen.Workflow) string { return v.ID })
			},
		},
	}
}

// walktPage is what the server answers for one token: items and the next
// token, or an error status with its body.
type walktPage struct {
	ids    []string
	next   string // "" = last page (no nextToken in meta)
	status int    // 0 = 200 with the page
	raw    string // body to send instead of the page
}

// walktServe serves pages keyed by the nextToken of the query ("" for the
// first page). An unknown token gets a 400.
func walktServe(t *testing.T, k walktKind, pages map[string]walktPage) *server {
	t.Helper()
	return newServer(t, func(w http.ResponseWriter, r *http.Request) {
		p, ok := pages[r.URL.Query().Get("nextToken")]
		if !ok {
			reply(w, 400, `{"id":"err_q","code":400,"type":"InvalidQuery","message":"unknown token"}`)
			return
		}
		if p.status != 0 || p.raw != "" {
			status := p.status
			if status == 0 {
				status = 200
			}
			reply(w, status, p.raw)
			return
		}
		items := make([]string, len(p.ids))
		for i, id := range p.ids {
			items[i] = k.item(id)
		}
		meta := `{}`
		if p.next != "" {
			meta = fmt.Sprintf(`{"nextToken":%q}`, p.next)
		}
		reply(w, 200, fmt.Sprintf(`{%q:[%s],"meta":%s}`, k.itemsKey, strings.Join(items, ","), meta))
	})
}

// walktThreePages is three pages of two items.
func walktThreePages() map[string]walktPage {
	return map[string]walktPage{
		"":   {ids: []string{"i1", "i2"}, next: "t2"},
		"t2": {ids: []string{"i3", "i4"}, next: "t3"},
		"t3": {ids: []string{"i5", "i6"}},
	}
}

// walktElem is one element a walk yielded.
type walktElem struct {
	id  string
	err error
}

// walktDrain ranges over seq to its end.
func walktDrain(seq iter.Seq2[string, error]) []walktElem {
	var out []walktElem
	for id, err := range seq {
		out = append(out, walktElem{id, err})
	}
	return out
}

// walktSplit returns the items of a drained walk and checks that at most
// one error came, as the last element; it returns that error.
func walktSplit(t *testing.T, elems []walktElem) ([]string, error) {
	t.Helper()
	var ids []string
	var err error
	for i, e := range elems {
		if e.err != nil {
			require.Nil(t, err, "a second error was yielded: %v", e.err)
			require.Equal(t, len(elems)-1, i, "the error %v is not the last element", e.err)
			err = e.err
			continue
		}
		ids = append(ids, e.id)
	}
	return ids, err
}

// walktCheckRequests checks the tokens the server received, in order, and
// that every request was a GET of the walker's path carrying its filters.
func walktCheckRequests(t *testing.T, k walktKind, s *server, want ...string) {
	t.Helper()
	reqs := s.requests()
	got := make([]string, len(reqs))
	for i, r := range reqs {
		q, err := url.ParseQuery(r.Query)
		require.NoError(t, err)
		got[i] = walktNone
		if q.Has("nextToken") {
			got[i] = q.Get("nextToken")
			assert.Len(t, q["nextToken"], 1, "one nextToken")
		}
		q.Del("nextToken")
		filters := k.filters
		if filters == nil {
			filters = url.Values{}
		}
		assert.Equal(t, filters, q, "request %d carries the filters", i)
		assert.Equal(t, http.MethodGet, r.Method)
		assert.Equal(t, k.path, r.Path)
		assert.Equal(t, "bot_1", r.Header.Get("X-Bot-Id"))
	}
	assert.Equal(t, want, got, "tokens received")
}

func walktEach(t *testing.T, f func(t *testing.T, k walktKind)) {
	for _, k := range walktKinds() {
		t.Run(k.name, func(t *testing.T) { f(t, k) })
	}
}

// TestWalkAllPages walks three pages of two items: every item in order,
// the first request without nextToken, then one per token, and the
// filters on every page.
func TestWalkAllPages(t *testing.T) {
	walktEach(t, func(t *testing.T, k walktKind) {
		s := walktServe(t, k, walktThreePages())
		c := newClient(t, s)
		ids, err := walktSplit(t, walktDrain(k.walk(context.Background(), c, nil)))
		require.NoError(t, err)
		assert.Equal(t, []string{"i1", "i2", "i3", "i4", "i5", "i6"}, ids)
		walktCheckRequests(t, k, s, walktNone, "t2", "t3")
	})
}

// TestWalkFollowsEmptyPages checks that an empty page carrying a
// nextToken is not the end.
func TestWalkFollowsEmptyPages(t *testing.T) {
	walktEach(t, func(t *testing.T, k walktKind) {
		s := walktServe(t, k, map[string]walktPage{
			"":   {next: "e1"},
			"e1": {ids: []string{"i1"}, next: "e2"},
			"e2": {next: "e3"},
			"e3": {next: "e4"},
			"e4": {ids: []string{"i2"}},
		})
		c := newClient(t, s)
		ids, err := walktSplit(t, walktDrain(k.walk(context.Background(), c, nil)))
		require.NoError(t, err)
		assert.Equal(t, []string{"i1", "i2"}, ids)
		walktCheckRequests(t, k, s, walktNone, "e1", "e2", "e3", "e4")
	})
}

// TestWalkEndsOnEmptyNextToken checks that a last page, empty or not,
// whose meta has no token (or an empty one) ends the walk without error.
func TestWalkEndsOnEmptyNextToken(t *testing.T) {
	k := walktKinds()[0]
	for name, body := range map[string]string{
		"no meta token":    `{"conversations":[],"meta":{}}`,
		"empty meta token": `{"conversations":[],"meta":{"nextToken":""}}`,
		"no meta":          `{"conversations":[]}`,
	} {
		t.Run(name, func(t *testing.T) {
			s := walktServe(t, k, map[string]walktPage{"": {raw: body}})
			c := newClient(t, s)
			elems := walktDrain(k.walk(context.Background(), c, nil))
			assert.Empty(t, elems)
			assert.Len(t, s.requests(), 1)
		})
	}
}

// TestWalkEarlyBreak checks that breaking out of the loop stops fetching.
func TestWalkEarlyBreak(t *testing.T) {
	walktEach(t, func(t *testing.T, k walktKind) {
		s := walktServe(t, k, walktThreePages())
		c := newClient(t, s)
		ctx := context.Background()

		var got []string
		for id, err := range k.walk(ctx, c, nil) {
			require.NoError(t, err)
			got = append(got, id)
			break
		}
		assert.Equal(t, []string{"i1"}, got)
		walktCheckRequests(t, k, s, walktNone)

		// Breaking after the last item of a page does not fetch the next.
		got = nil
		for id, err := range k.walk(ctx, c, nil) {
			require.NoError(t, err)
			got = append(got, id)
			if len(got) == 2 {
				break
			}
		}
		assert.Equal(t, []string{"i1", "i2"}, got)
		walktCheckRequests(t, k, s, walktNone, walktNone)

		// And breaking on page 2 stops before page 3.
		got = nil
		for id, err := range k.walk(ctx, c, nil) {
			require.NoError(t, err)
			got = append(got, id)
			if id == "i3" {
				break
			}
		}
		assert.Equal(t, []string{"i1", "i2", "i3"}, got)
		walktCheckRequests(t, k, s, walktNone, walktNone, walktNone, "t2")
	})
}

// TestWalkRepeatedToken checks that a server handing back a token it
// already gave ends the walk with ErrRepeatedToken, after each item once.
func TestWalkRepeatedToken(t *testing.T) {
	walktEach(t, func(t *testing.T, k walktKind) {
		s := walktServe(t, k, map[string]walktPage{
			"":  {ids: []string{"i1", "i2"}, next: "A"},
			"A": {ids: []string{"i3", "i4"}, next: "B"},
			"B": {ids: []string{"i5", "i6"}, next: "A"},
		})
		c := newClient(t, s)
		ids, err := walktSplit(t, walktDrain(k.walk(context.Background(), c, nil)))
		require.ErrorIs(t, err, client.ErrRepeatedToken)
		assert.Equal(t, []string{"i1", "i2", "i3", "i4", "i5", "i6"}, ids)
		walktCheckRequests(t, k, s, walktNone, "A", "B")
	})

	k := walktKinds()[0]
	t.Run("self loop", func(t *testing.T) {
		s := walktServe(t, k, map[string]walktPage{
			"":  {ids: []string{"i1"}, next: "A"},
			"A": {ids: []string{"i2"}, next: "A"},
		})
		ids, err := walktSplit(t, walktDrain(k.walk(context.Background(), newClient(t, s), nil)))
		require.ErrorIs(t, err, client.ErrRepeatedToken)
		assert.Equal(t, []string{"i1", "i2"}, ids)
		walktCheckRequests(t, k, s, walktNone, "A")
	})
	t.Run("back to the start token", func(t *testing.T) {
		s := walktServe(t, k, map[string]walktPage{
			"S": {ids: []string{"i1"}, next: "T"},
			"T": {ids: []string{"i2"}, next: "S"},
		})
		ids, err := walktSplit(t, walktDrain(k.walk(context.Background(), newClient(t, s), wtPtr("S"))))
		require.ErrorIs(t, err, client.ErrRepeatedToken)
		assert.Equal(t, []string{"i1", "i2"}, ids)
		walktCheckRequests(t, k, s, "S", "T")
	})
}

// TestWalkErrorMidWalk checks that an error on page 2 comes once, as the
// last element, after page 1's items, and that nothing else is fetched.
func TestWalkErrorMidWalk(t *testing.T) {
	failures := []struct {
		name    string
		page    walktPage
		opts    []client.Option
		reqs    int
		checkFn func(t *testing.T, err error)
	}{
		{
			name: "500 retries off",
			page: walktPage{status: 500, raw: `{"id":"err_5","code":500,"type":"Internal","message":"boom"}`},
			opts: []client.Option{client.WithMaxRetries(0)},
			reqs: 2,
			checkFn: func(t *testing.T, err error) {
				var apiErr *bperrors.APIError
				require.ErrorAs(t, err, &apiErr)
				assert.Equal(t, 500, apiErr.StatusCode)
				assert.ErrorIs(t, err, bperrors.ErrInternal)
			},
		},
		{
			name: "500 after retries",
			page: walktPage{status: 503, raw: `{"type":"Unknown","description":"unavailable","status":503}`},
			opts: []client.Option{client.WithMaxRetries(2)},
			reqs: 4, // page 1, then page 2 three times
			checkFn: func(t *testing.T, err error) {
				var apiErr *bperrors.APIError
				require.ErrorAs(t, err, &apiErr)
				assert.Equal(t, 503, apiErr.StatusCode)
			},
		},
		{
			name: "404",
			page: walktPage{status: 404, raw: `{"id":"err_4","code":404,"type":"ResourceNotFound","message":"gone"}`},
			reqs: 2,
			checkFn: func(t *testing.T, err error) {
				assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
			},
		},
		{
			name: "malformed 200",
			page: walktPage{raw: `[1,2,3]`},
			reqs: 2,
			checkFn: func(t *testing.T, err error) {
				assert.ErrorIs(t, err, client.ErrMalformedResponse)
			},
		},
	}
	for _, f := range failures {
		t.Run(f.name, func(t *testing.T) {
			walktEach(t, func(t *testing.T, k walktKind) {
				s := walktServe(t, k, map[string]walktPage{
					"":   {ids: []string{"i1", "i2"}, next: "t2"},
					"t2": f.page,
					"t3": {ids: []string{"i5"}},
				})
				c := newClient(t, s, f.opts...)
				elems := walktDrain(k.walk(context.Background(), c, nil))
				ids, err := walktSplit(t, elems)
				require.Error(t, err)
				assert.Equal(t, []string{"i1", "i2"}, ids)
				assert.Len(t, elems, 3, "two items and one error")
				f.checkFn(t, err)
				assert.Len(t, s.requests(), f.reqs)
			})
		})
	}
}

// TestWalkIsLazy checks that creating the iterator sends nothing, and that
// pages are fetched only as the loop asks for items.
func TestWalkIsLazy(t *testing.T) {
	walktEach(t, func(t *testing.T, k walktKind) {
		s := walktServe(t, k, walktThreePages())
		c := newClient(t, s)
		seq := k.walk(context.Background(), c, nil)
		assert.Empty(t, s.requests(), "creating the iterator sends nothing")

		n := 0
		for _, err := range seq {
			require.NoError(t, err)
			n++
			// Page p (from 1) holds items 2p-1 and 2p: after item n the
			// server has seen exactly ceil(n/2) requests.
			assert.Len(t, s.requests(), (n+1)/2, "after item %d", n)
		}
		assert.Equal(t, 6, n)
	})
}

// TestWalkStartsAtNextToken checks that a walk whose params carry a
// NextToken starts at that page.
func TestWalkStartsAtNextToken(t *testing.T) {
	walktEach(t, func(t *testing.T, k walktKind) {
		s := walktServe(t, k, walktThreePages())
		c := newClient(t, s)
		ids, err := walktSplit(t, walktDrain(k.walk(context.Background(), c, wtPtr("t2"))))
		require.NoError(t, err)
		assert.Equal(t, []string{"i3", "i4", "i5", "i6"}, ids)
		walktCheckRequests(t, k, s, "t2", "t3")
	})
}

// TestWalkRangeTwice checks that ranging the same iterator again restarts
// from the start, with a fresh memory of tokens.
func TestWalkRangeTwice(t *testing.T) {
	walktEach(t, func(t *testing.T, k walktKind) {
		s := walktServe(t, k, walktThreePages())
		c := newClient(t, s)
		seq := k.walk(context.Background(), c, nil)
		want := []string{"i1", "i2", "i3", "i4", "i5", "i6"}
		for range 2 {
			ids, err := walktSplit(t, walktDrain(seq))
			require.NoError(t, err, "the second walk must not see the first one's tokens as repeated")
			assert.Equal(t, want, ids)
		}
		walktCheckRequests(t, k, s, walktNone, "t2", "t3", walktNone, "t2", "t3")
	})
}

// TestWalkCancelledContext checks that a cancelled context yields
// context.Canceled once: before any request when cancelled up front, and
// without fetching further pages when cancelled mid-walk.
func TestWalkCancelledContext(t *testing.T) {
	walktEach(t, func(t *testing.T, k walktKind) {
		s := walktServe(t, k, walktThreePages())
		c := newClient(t, s)

		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		elems := walktDrain(k.walk(ctx, c, nil))
		require.Len(t, elems, 1)
		require.ErrorIs(t, elems[0].err, context.Canceled)
		assert.Empty(t, s.requests(), "nothing sent on a cancelled context")

		ctx, cancel = context.WithCancel(context.Background())
		defer cancel()
		var ids []string
		var errs []error
		for id, err := range k.walk(ctx, c, nil) {
			if err != nil {
				errs = append(errs, err)
				continue
			}
			ids = append(ids, id)
			cancel()
		}
		require.Len(t, errs, 1, "one error")
		assert.ErrorIs(t, errs[0], context.Canceled)
		require.NotEmpty(t, ids)
		assert.Equal(t, []string{"i1", "i2"}[:len(ids)], ids, "only page 1's items")
		walktCheckRequests(t, k, s, walktNone)
	})
}

// TestWalkCollect checks client.Collect on every walker: limit 0 takes
// everything, a limit stops after that many items and fetches only the
// pages needed, and an error returns the items gathered so far.
func TestWalkCollect(t *testing.T) {
	cases := []struct {
		limit  int
		want   []string
		tokens []string
	}{
		{0, []string{"i1", "i2", "i3", "i4", "i5", "i6"}, []string{walktNone, "t2", "t3"}},
		{-1, []string{"i1", "i2", "i3", "i4", "i5", "i6"}, []string{walktNone, "t2", "t3"}},
		{1, []string{"i1"}, []string{walktNone}},
		{2, []string{"i1", "i2"}, []string{walktNone}},
		{3, []string{"i1", "i2", "i3"}, []string{walktNone, "t2"}},
		{6, []string{"i1", "i2", "i3", "i4", "i5", "i6"}, []string{walktNone, "t2", "t3"}},
		{50, []string{"i1", "i2", "i3", "i4", "i5", "i6"}, []string{walktNone, "t2", "t3"}},
	}
	walktEach(t, func(t *testing.T, k walktKind) {
		for _, tc := range cases {
			t.Run(fmt.Sprint("limit ", tc.limit), func(t *testing.T) {
				s := walktServe(t, k, walktThreePages())
				c := newClient(t, s)
				got, err := client.Collect(k.walk(context.Background(), c, nil), tc.limit)
				require.NoError(t, err)
				assert.Equal(t, tc.want, got)
				walktCheckRequests(t, k, s, tc.tokens...)
			})
		}
		t.Run("error", func(t *testing.T) {
			s := walktServe(t, k, map[string]walktPage{
				"":   {ids: []string{"i1", "i2"}, next: "t2"},
				"t2": {status: 404, raw: `{"id":"err_4","code":404,"type":"ResourceNotFound","message":"gone"}`},
			})
			c := newClient(t, s)
			got, err := client.Collect(k.walk(context.Background(), c, nil), 0)
			require.ErrorIs(t, err, bperrors.ErrResourceNotFound)
			assert.Equal(t, []string{"i1", "i2"}, got, "the items so far")
		})
	})
}

// TestWalkCollectTyped checks Collect on the typed walkers themselves.
func TestWalkCollectTyped(t *testing.T) {
	k := walktKinds()[0] // conversations
	s := walktServe(t, k, walktThreePages())
	c := newClient(t, s)
	ctx := context.Background()

	convs, err := client.Collect(c.AllConversations(ctx, nil), 3)
	require.NoError(t, err)
	require.Len(t, convs, 3)
	assert.Equal(t, "i3", convs[2].ID)
	assert.Equal(t, "webchat", convs[2].Integration)
	assert.Len(t, s.requests(), 2)

	tk := walktKinds()[3] // tag values
	ts := walktServe(t, tk, walktThreePages())
	tc := newClient(t, ts)
	values, err := client.Collect(tc.AllTagValues(ctx, "channel", &gen.ListTagValuesParams{Type: gen.ListTagValuesParamsTypeConversation}), 0)
	require.NoError(t, err)
	assert.Equal(t, []gen.TagValue{{Value: "i1"}, {Value: "i2"}, {Value: "i3"}, {Value: "i4"}, {Value: "i5"}, {Value: "i6"}}, values)

	// Collect of a walk that fails at once returns no items and the error.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	none, err := client.Collect(c.AllConversations(cctx, nil), 0)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Empty(t, none)
}

// TestWalkMissingArguments checks that a walker whose call cannot be made
// yields ErrMissingArgument once and sends nothing.
func TestWalkMissingArguments(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, `{"participants":[],"tags":[],"meta":{}}`)
	})
	c := newClient(t, s)
	ctx := context.Background()

	t.Run("AllParticipants empty id", func(t *testing.T) {
		elems := walktDrain(walktIDs(c.AllParticipants(ctx, "", nil), func(v gen.User) string { return v.ID }))
		require.Len(t, elems, 1)
		assert.ErrorIs(t, elems[0].err, client.ErrMissingArgument)
	})
	t.Run("AllTagValues empty key", func(t *testing.T) {
		elems := walktDrain(walktIDs(c.AllTagValues(ctx, "", &gen.ListTagValuesParams{Type: gen.ListTagValuesParamsTypeUser}), func(v gen.TagValue) string { return v.Value }))
		require.Len(t, elems, 1)
		assert.ErrorIs(t, elems[0].err, client.ErrMissingArgument)
	})
	// listTagValues requires its type query parameter: ListTagValues
	// refuses nil params, and the walker must refuse them too rather than
	// send type= with an empty value.
	t.Run("AllTagValues nil params", func(t *testing.T) {
		before := len(s.requests())
		elems := walktDrain(walktIDs(c.AllTagValues(ctx, "channel", nil), func(v gen.TagValue) string { return v.Value }))
		for _, r := range s.requests()[before:] {
			t.Errorf("sent %s %s?%s", r.Method, r.Path, r.Query)
		}
		require.Len(t, elems, 1)
		assert.ErrorIs(t, elems[0].err, client.ErrMissingArgument)
	})
}

// TestWalkNoDuplicateAcrossRetries checks that a page retried after a 503
// yields its items once.
func TestWalkNoDuplicateAcrossRetries(t *testing.T) {
	k := walktKinds()[1] // messages
	var failed atomic.Bool
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("nextToken") == "t2" && failed.CompareAndSwap(false, true) {
			reply(w, 503, `{"type":"Unknown","message":"try again"}`)
			return
		}
		token := r.URL.Query().Get("nextToken")
		p := walktThreePages()[token]
		items := make([]string, len(p.ids))
		for i, id := range p.ids {
			items[i] = k.item(id)
		}
		meta := `{}`
		if p.next != "" {
			meta = fmt.Sprintf(`{"nextToken":%q}`, p.next)
		}
		reply(w, 200, `{"messages":[`+strings.Join(items, ",")+`],"meta":`+meta+`}`)
	})
	c := newClient(t, s)
	ids, err := walktSplit(t, walktDrain(k.walk(context.Background(), c, nil)))
	require.NoError(t, err)
	assert.Equal(t, []string{"i1", "i2", "i3", "i4", "i5", "i6"}, ids)
	walktCheckRequests(t, k, s, walktNone, "t2", "t2", "t3")
	assert.False(t, errors.Is(err, client.ErrRepeatedToken))
}

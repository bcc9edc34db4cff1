package bptest

import (
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// record is one stored resource with the sequence number that orders it.
type record[T any] struct {
	seq int64
	v   T
}

// collection holds the resources of one kind, by ID and in creation order.
// It is not safe for concurrent use: the server's mutex guards it.
type collection[T any] struct {
	byID  map[string]*record[T]
	order []*record[T] // by seq, ascending
}

func newCollection[T any]() *collection[T] {
	return &collection[T]{byID: map[string]*record[T]{}}
}

func (c *collection[T]) add(id string, seq int64, v T) {
	r := &record[T]{seq: seq, v: v}
	c.byID[id] = r
	c.order = append(c.order, r)
}

func (c *collection[T]) get(id string) (T, bool) {
	r, ok := c.byID[id]
	if !ok {
		var zero T
		return zero, false
	}
	return r.v, true
}

// put replaces a resource, keeping its place in the order.
func (c *collection[T]) put(id string, v T) {
	if r, ok := c.byID[id]; ok {
		r.v = v
	}
}

func (c *collection[T]) remove(id string) bool {
	r, ok := c.byID[id]
	if !ok {
		return false
	}
	delete(c.byID, id)
	i := sort.Search(len(c.order), func(i int) bool { return c.order[i].seq >= r.seq })
	if i < len(c.order) && c.order[i] == r {
		c.order = append(c.order[:i], c.order[i+1:]...)
	}
	return true
}

// find returns the first resource keep accepts.
func (c *collection[T]) find(keep func(T) bool) (T, bool) {
	for _, r := range c.order {
		if keep(r.v) {
			return r.v, true
		}
	}
	var zero T
	return zero, false
}

// filter returns the records keep accepts, in creation order.
func (c *collection[T]) filter(keep func(T) bool) []*record[T] {
	var out []*record[T]
	for _, r := range c.order {
		if keep == nil || keep(r.v) {
			out = append(out, r)
		}
	}
	return out
}

// paginate cuts one page out of recs (in creation order). The token is an
// opaque cursor holding the sequence number of the last item served, so
// that resources created or deleted between two pages neither shift nor
// repeat the others. newestFirst walks from the most recent.
func paginate[T any](recs []*record[T], token *string, size int, newestFirst bool) ([]T, *string, error) {
	var after int64 = -1
	if token != nil && *token != "" {
		v, err := decodeToken(*token)
		if err != nil {
			return nil, nil, errorf(400, "InvalidQuery", "nextToken %q is not a token this server gave", *token)
		}
		after = v
	}
	if newestFirst {
		rev := make([]*record[T], len(recs))
		for i, r := range recs {
			rev[len(recs)-1-i] = r
		}
		recs = rev
	}
	start := 0
	if after >= 0 {
		// Resume after the last item served; if it is gone, after where it
		// was in creation order.
		start = slices.IndexFunc(recs, func(r *record[T]) bool { return r.seq == after }) + 1
		if start == 0 {
			start = len(recs)
			for i, r := range recs {
				if (!newestFirst && r.seq > after) || (newestFirst && r.seq < after) {
					start = i
					break
				}
			}
		}
	}
	end := min(start+size, len(recs))
	items := make([]T, 0, end-start)
	for _, r := range recs[start:end] {
		items = append(items, r.v)
	}
	if end < len(recs) {
		t := encodeToken(recs[end-1].seq)
		return items, &t, nil
	}
	return items, nil, nil
}

const tokenPrefix = "bptest1."

func encodeToken(seq int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(tokenPrefix + strconv.FormatInt(seq, 10)))
}

func decodeToken(t string) (int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(t)
	if err != nil {
		return 0, err
	}
	s, ok := strings.CutPrefix(string(b), tokenPrefix)
	if !ok {
		return 0, fmt.Errorf("not a bptest token")
	}
	return strconv.ParseInt(s, 10, 64)
}

// ids makes identifiers shaped like Botpress's: a prefix and 26 characters
// (28 to 36 in all), unique and ordered by creation.
type ids struct {
	seq int64
	rng *rand.Rand
}

func (g *ids) next(prefix string) (string, int64) {
	g.seq++
	return fmt.Sprintf("%s_%010d%016x", prefix, g.seq, g.rng.Uint64()), g.seq
}

// timestamp formats t as the API does: ISO 8601 in UTC, milliseconds.
func timestamp(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// matchTags reports whether have carries every tag of want.
func matchTags(have, want map[string]string) bool {
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}

// mergeTags applies an update to tags: an empty value removes the key.
func mergeTags(tags, update map[string]string) map[string]string {
	out := make(map[string]string, len(tags)+len(update))
	for k, v := range tags {
		out[k] = v
	}
	for k, v := range update {
		if v == "" {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	return out
}

// instant is t as the API dates things in its answers: UTC, to the
// millisecond (encoded in RFC 3339, as timestamp writes it but for
// trailing zeros of the fraction, which encoding/json leaves out).
func instant(t time.Time) time.Time {
	return t.UTC().Truncate(time.Millisecond)
}

package client

import (
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/botpress-go/sdk/internal/transport"
)

// fzStatus mirrors gen's named string types for enums
// (WorkflowStatus ...).
type fzStatus string

// fzParams mirrors the style of gen's XxxParams: query parameters tagged
// `form:"name,omitempty"` (pointers for optional scalars, slices for
// arrays, maps for dotted objects, interface{} where the spec's schema is
// open), and header parameters with a json tag only.
type fzParams struct {
	NextToken *string           `form:"nextToken,omitempty" json:"nextToken,omitempty"`
	IDs       []string          `form:"ids,omitempty" json:"ids,omitempty"`
	Statuses  []fzStatus        `form:"statuses,omitempty" json:"statuses,omitempty"`
	Tags      map[string]string `form:"tags,omitempty" json:"tags,omitempty"`
	Filter    map[string]any    `form:"filter,omitempty" json:"filter,omitempty"`
	Open      interface{}       `form:"open,omitempty" json:"open,omitempty"`
	Limit     *int              `form:"limit,omitempty" json:"limit,omitempty"`
	Ratio     *float64          `form:"ratio,omitempty" json:"ratio,omitempty"`
	Dev       *bool             `form:"dev,omitempty" json:"dev,omitempty"`
	Skipped   string            `form:"-" json:"skipped,omitempty"`
	XBotID    *string           `json:"x-bot-id,omitempty"`
	XOther    *fzStatus         `json:"x-other,omitempty"`
}

// fzSplit turns one fuzz string into a list: nil for "", else the parts
// between commas (so empty elements are possible).
func fzSplit(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// FuzzEncodeQuery builds a params struct from the fuzz inputs, encodes it
// and checks that the query string parses, carries every tag as
// tags.<key>=<value>, repeats array keys in order, flattens nested maps
// into dotted keys, keeps numbers exact, and leaves header fields out.
func FuzzEncodeQuery(f *testing.F) {
	// tagKey, tagValue, ids (comma separated), nestedKey, nestedValue,
	// limit, ratio, dev, openIsMap
	f.Add("channel", "web", "u1,u2,u3", "lang", "fr", int64(20), 0.5, true, true)
	f.Add("", "", "", "", "", int64(0), 0.0, false, false)
	f.Add("a b", "c&d=e", "x&y,=,", "k.v", "1+1", int64(-1), -0.0, true, false)
	f.Add("é/ü?", "#frag%20", ",,", "a.b", "", int64(math.MaxInt64), math.MaxFloat64, false, true)
	f.Add("\x00\xff", "\xfe\r\n", "\xc3\x28,\n", ";", "a;b", int64(math.MinInt64), math.SmallestNonzeroFloat64, true, true)
	f.Add("tags.x", "tags.x=1", "ids=1&ids=2", "filter.a", "filter.a", int64(7), math.Inf(1), false, false)
	f.Add("x", "y", "same,same,same", "n", "n", int64(3), math.NaN(), true, true)
	f.Add(strings.Repeat("k", 300), strings.Repeat("v", 1000), strings.Repeat("i,", 200), "deep", "er", int64(1e9), 1e-300, false, true)
	f.Fuzz(func(t *testing.T, tagKey, tagValue, idsRaw, nestedKey, nestedValue string, limit int64, ratio float64, dev, openIsMap bool) {
		ids := fzSplit(idsRaw)
		statuses := make([]fzStatus, 0, len(ids))
		for _, id := range ids {
			statuses = append(statuses, fzStatus("s-"+id))
		}
		lim := int(limit)
		nested := map[string]any{
			// A map inside a map, a list inside a map, a pointer, a nil
			// pointer and numbers, as JSON-decoded parameters can hold.
			"obj":   map[string]any{nestedKey: nestedValue},
			"list":  ids,
			"ptr":   &nestedValue,
			"nil":   (*string)(nil),
			"num":   lim,
			"float": ratio,
			"bool":  dev,
		}
		p := &fzParams{
			NextToken: &tagValue,
			IDs:       ids,
			Statuses:  statuses,
			Tags:      map[string]string{tagKey: tagValue, "fixed": nestedValue},
			Filter:    nested,
			Limit:     &lim,
			Ratio:     &ratio,
			Dev:       &dev,
			Skipped:   "never sent",
			XBotID:    &tagKey,
		}
		if openIsMap {
			p.Open = map[string]any{nestedKey: []any{nestedValue, tagValue}}
		} else {
			p.Open = nestedValue
		}

		raw, err := transport.EncodeQuery(p)
		if err != nil {
			t.Fatalf("encodeQuery: %v", err)
		}
		q, err := url.ParseQuery(raw)
		if err != nil {
			t.Fatalf("the query %q does not parse: %v", raw, err)
		}

		// Keys that only one source can produce: compare exactly, in order.
		exact := func(key string, want []string) {
			t.Helper()
			got := q[key]
			if len(want) == 0 {
				if _, ok := q[key]; ok {
					t.Fatalf("%s: got %q, want no key", key, got)
				}
				return
			}
			if !slices.Equal(got, want) {
				t.Fatalf("%s: got %q, want %q (query %q)", key, got, want, raw)
			}
		}
		exact("nextToken", []string{tagValue})
		exact("ids", ids)
		exact("filter.list", ids)
		wantStatuses := make([]string, len(statuses))
		for i, s := range statuses {
			wantStatuses[i] = string(s)
		}
		exact("statuses", wantStatuses)
		exact("limit", []string{strconv.Itoa(lim)})
		exact("filter.num", []string{strconv.Itoa(lim)})
		exact("dev", []string{strconv.FormatBool(dev)})
		exact("filter.bool", []string{strconv.FormatBool(dev)})
		exact("filter.ptr", []string{nestedValue})
		exact("filter.nil", nil)
		for _, key := range []string{"ratio", "filter.float"} {
			vs := q[key]
			if len(vs) != 1 {
				t.Fatalf("%s: got %q, want one value", key, vs)
			}
			back, err := strconv.ParseFloat(vs[0], 64)
			if err != nil || !(back == ratio || math.IsNaN(back) && math.IsNaN(ratio)) {
				t.Fatalf("%s: %q does not read back as %v (%v)", key, vs[0], ratio, err)
			}
		}

		// Every tag appears as tags.<key> with its value. When tagKey is
		// "fixed", the map holds one entry only.
		wantTags := map[string]string{tagKey: tagValue, "fixed": nestedValue}
		for k, v := range wantTags {
			exact("tags."+k, []string{v})
		}

		// Nested values are flattened with dots; the tag key may itself
		// hold dots, so compare as multisets.
		multi := func(key string, want ...string) {
			t.Helper()
			got := slices.Clone(q[key])
			slices.Sort(got)
			want = slices.Clone(want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("%s: got %q, want %q (query %q)", key, q[key], want, raw)
			}
		}
		multi("filter.obj."+nestedKey, nestedValue)
		if openIsMap {
			multi("open."+nestedKey, nestedValue, tagValue)
		} else {
			exact("open", []string{nestedValue})
		}

		// Nothing else: no header field, no form:"-" field, no stray key.
		want := map[string]bool{
			"nextToken": true, "ids": len(ids) > 0, "statuses": len(ids) > 0, "limit": true,
			"ratio": true, "dev": true, "filter.list": len(ids) > 0, "filter.ptr": true,
			"filter.num": true, "filter.float": true, "filter.bool": true,
			"filter.obj." + nestedKey: true, "tags.fixed": true, "tags." + tagKey: true,
		}
		if openIsMap {
			want["open."+nestedKey] = true
		} else {
			want["open"] = true
		}
		for k := range q {
			if !want[k] {
				t.Fatalf("unexpected key %q in %q", k, raw)
			}
		}
		for k, needed := range want {
			if _, ok := q[k]; needed && !ok {
				t.Fatalf("missing key %q in %q", k, raw)
			}
		}

		// The header fields go to headers, never to the query.
		h := http.Header{}
		if err := transport.EncodeHeaders(p, h); err != nil {
			t.Fatalf("encodeHeaders: %v", err)
		}
		if got := h.Get("x-bot-id"); got != tagKey {
			t.Fatalf("x-bot-id: got %q, want %q", got, tagKey)
		}
		if _, ok := h["X-Other"]; ok {
			t.Fatalf("a nil header field was sent: %q", h)
		}
		if len(h) > 1 {
			t.Fatalf("unexpected headers %q", h)
		}
		if h.Get("x-bot-id") == "" && len(h) != 0 {
			t.Fatalf("an empty header field was sent: %q", h)
		}
	})
}

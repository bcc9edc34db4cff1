package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/botpress-go/sdk/gen"
	"github.com/botpress-go/sdk/internal/transport"
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
	return itemsOf(ctx, "findTableRows", pages(ctx, c, opts, "findTableRows", &first, func(ctx context.Context, token *string) ([]gen.Row, string, error) {
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

// MaxRowsPerCall is the most rows createTableRows, updateTableRows and
// upsertTableRows take in one call.
const MaxRowsPerCall = 1000

// DefaultRowsInFlight is how many calls InsertRows, UpdateRows and
// UpsertRows have in flight at most, unless WithRowsInFlight says
// otherwise.
const DefaultRowsInFlight = 4

// WithRowsInFlight sets how many calls InsertRows, UpdateRows and
// UpsertRows have in flight at most; 1 sends them one after the other.
// Default: DefaultRowsInFlight.
func WithRowsInFlight(n int) Option {
	return func(c *config) {
		if n < 1 {
			c.Err = transport.Errorf("botpress: WithRowsInFlight(%d): want 1 or more", n)
			return
		}
		c.rowsInFlight = n
	}
}

// WithRowsPerCall sets how many rows InsertRows, UpdateRows and UpsertRows
// send per call, from 1 to MaxRowsPerCall (the default). Smaller calls
// suit wide rows, whose 1,000 would make a large body.
func WithRowsPerCall(n int) Option {
	return func(c *config) {
		if n < 1 || n > MaxRowsPerCall {
			c.Err = transport.Errorf("botpress: WithRowsPerCall(%d): want 1 to %d", n, MaxRowsPerCall)
			return
		}
		c.rowsPerCall = n
	}
}

// Span is a run of rows given to a bulk write: those at indexes Start to
// End-1.
type Span struct {
	Start, End int
}

// Len is how many rows the span holds.
func (s Span) Len() int { return s.End - s.Start }

// RefusedRow is the API's word about a row it did not store.
type RefusedRow struct {
	// Index is the row's position in the rows given to the bulk write, or
	// -1 when the API's message does not say which row it is about; then
	// Batch says which rows it may be.
	Index int
	// Batch is the span of rows sent in the call that answered this.
	Batch Span
	// Message is the API's message. A leading reference to the row's
	// position in its call ("row 3: "), from which Index is worked out, is
	// cut off.
	Message string
}

// RowsError is the error of a bulk write (InsertRows, UpdateRows,
// UpsertRows) that sent every row and got an answer for every call, but in
// which the API refused some rows: the other rows were stored, and are in
// the result. Find it with errors.As.
type RowsError struct {
	// Operation is the API operation: createTableRows, updateTableRows or
	// upsertTableRows.
	Operation string
	// Total is how many rows the bulk write was given; Stored how many the
	// API stored.
	Total, Stored int
	// Refused holds the API's messages about the other rows, in the order
	// of the rows.
	Refused []RefusedRow
}

// Error summarises the refusals: "botpress: createTableRows: 3 of 2,500
// rows refused: row 17: ...; row 18: ...; row 940: ...", the first three
// messages and how many more there are.
func (e *RowsError) Error() string {
	n := e.Total - e.Stored
	if n < 1 {
		n = len(e.Refused)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "botpress: %s: %s of %s rows refused", e.Operation, thousands(n), thousands(e.Total))
	writeRefused(&b, e.Refused)
	return b.String()
}

// writeRefused writes the first three refusals, and how many more.
func writeRefused(b *strings.Builder, refused []RefusedRow) {
	const shown = 3
	for i, r := range refused {
		if i == shown {
			fmt.Fprintf(b, "; and %d more", len(refused)-shown)
			break
		}
		sep := "; "
		if i == 0 {
			sep = ": "
		}
		if r.Index >= 0 {
			fmt.Fprintf(b, "%srow %d: %s", sep, r.Index, r.Message)
		} else {
			fmt.Fprintf(b, "%srows %d to %d: %s", sep, r.Batch.Start, r.Batch.End-1, r.Message)
		}
	}
}

// BatchError is the error of a bulk write (InsertRows, UpdateRows,
// UpsertRows) cut short by a call that failed: a transport error, or an
// error answer. No call starts after a failure; the calls already in
// flight run to their end, and what they stored is in the result. It
// unwraps to the failure, so errors.Is and errors.As see through it (to an
// *errors.APIError, context.Canceled ...).
type BatchError struct {
	// Operation is the API operation: createTableRows, updateTableRows or
	// upsertTableRows.
	Operation string
	// Total is how many rows the bulk write was given.
	Total int
	// Failed holds the rows of the calls that failed. Whether the API
	// stored them is not known: a call may fail after the API did its
	// work (a timeout, a dropped connection).
	Failed []Span
	// NotSent holds the rows that were never sent.
	NotSent []Span
	// Refused holds the API's messages about rows refused by the calls
	// that were answered, as in RowsError.
	Refused []RefusedRow
	// Err is the failure of the first failed call in the order of the
	// rows, or the context's error when the context ended between calls.
	Err error
}

// Error is the failure's, with which rows it leaves unwritten.
func (e *BatchError) Error() string {
	var b strings.Builder
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	} else {
		fmt.Fprintf(&b, "botpress: %s: a call failed", e.Operation)
	}
	b.WriteString(" (bulk write of ")
	b.WriteString(thousands(e.Total))
	b.WriteString(" rows stopped")
	for _, s := range e.Failed {
		fmt.Fprintf(&b, "; rows %d to %d failed", s.Start, s.End-1)
	}
	if n := spansLen(e.NotSent); n > 0 {
		fmt.Fprintf(&b, "; %s rows not sent", thousands(n))
	}
	if len(e.Refused) > 0 {
		fmt.Fprintf(&b, "; %d refused", len(e.Refused))
		writeRefused(&b, e.Refused)
	}
	b.WriteString(")")
	return b.String()
}

// Unwrap returns the failure.
func (e *BatchError) Unwrap() error { return e.Err }

func spansLen(spans []Span) int {
	n := 0
	for _, s := range spans {
		n += s.Len()
	}
	return n
}

// thousands writes n with a comma every three digits: 2,500.
func thousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// rowRef finds the position of a row at the start of an API message about
// it: "row 3: ...", "Row #3 ...", "rows[3]: ...", "rows.3: ..." or
// "/rows/3: ...". bptest writes the first form.
var rowRef = regexp.MustCompile(`^\s*/?(?i:rows?)(?:\s*#?\s*|\[|\.|/)(\d+)\]?\s*:?\s*`)

// refusals reads a call's messages about refused rows; stored is how many
// of the batch's rows the call stored. A call that stored fewer rows than
// it was sent without a message still gets one, so that no lost row goes
// unreported.
func refusals(batch Span, messages []string, stored int) []RefusedRow {
	var out []RefusedRow
	for _, m := range messages {
		r := RefusedRow{Index: -1, Batch: batch, Message: m}
		if loc := rowRef.FindStringSubmatchIndex(m); loc != nil {
			if k, err := strconv.Atoi(m[loc[2]:loc[3]]); err == nil && k < batch.Len() {
				r.Index, r.Message = batch.Start+k, m[loc[1]:]
			}
		}
		out = append(out, r)
	}
	if len(messages) == 0 && stored < batch.Len() {
		out = append(out, RefusedRow{Index: -1, Batch: batch,
			Message: fmt.Sprintf("%d of the %d rows sent were not stored, and the API said nothing about them", batch.Len()-stored, batch.Len())})
	}
	return out
}

// bulkAnswer is what the bulk machinery reads of one call's answer.
type bulkAnswer struct {
	errors []string
	stored int
}

// bulk sends n rows in calls of at most the configured number of rows,
// with at most the configured number in flight. send makes the call for
// a span of rows; read tells what its answer stored. It returns each
// call's answer (nil for calls that failed or were not sent), in the order
// of the rows, and nil, a *RowsError or a *BatchError.
func bulk[R any](ctx context.Context, c *Client, op string, n int, opts []Option,
	send func(ctx context.Context, s Span) (*R, error), read func(*R) bulkAnswer) ([]*R, error) {
	if ctx == nil {
		return nil, transport.Errorf("botpress: %s: nil context", op)
	}
	cfg, err := c.with(opts)
	if err != nil {
		return nil, transport.Errorf("botpress: %s: %w", op, transport.Unprefix(err))
	}
	per, inFlight := MaxRowsPerCall, DefaultRowsInFlight
	if cfg.rowsPerCall > 0 {
		per = cfg.rowsPerCall
	}
	if cfg.rowsInFlight > 0 {
		inFlight = cfg.rowsInFlight
	}
	var spans []Span
	for start := 0; start < n; start += per {
		spans = append(spans, Span{start, min(start+per, n)})
	}
	answers := make([]*R, len(spans))
	errs := make([]error, len(spans))
	started := len(spans)
	slots := make(chan struct{}, inFlight)
	var failed atomic.Bool
	var wg sync.WaitGroup
	for i, s := range spans {
		slots <- struct{}{}
		// A call that failed sets failed before it frees its slot: once
		// that slot is taken here, the failure is seen.
		if failed.Load() || ctx.Err() != nil {
			<-slots
			started = i
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers[i], errs[i] = send(ctx, s)
			if errs[i] != nil {
				failed.Store(true)
			}
			<-slots
		}()
	}
	wg.Wait()

	var refused []RefusedRow
	var failedSpans, notSent []Span
	var first error
	stored := 0
	for i, s := range spans {
		switch {
		case i >= started:
			notSent = append(notSent, s)
		case errs[i] != nil:
			failedSpans = append(failedSpans, s)
			if first == nil {
				first = errs[i]
			}
		default:
			a := read(answers[i])
			stored += a.stored
			refused = append(refused, refusals(s, a.errors, a.stored)...)
		}
	}
	if len(notSent) > 0 || len(failedSpans) > 0 {
		if first == nil {
			first = transport.Errorf("botpress: %s: %w", op, ctx.Err())
		}
		return answers, &BatchError{Operation: op, Total: n, Failed: failedSpans, NotSent: notSent, Refused: refused, Err: first}
	}
	if len(refused) > 0 {
		return answers, &RowsError{Operation: op, Total: n, Stored: stored, Refused: refused}
	}
	return answers, nil
}

// InsertRows inserts any number of rows into table: it sends them to
// createTableRows in calls of at most MaxRowsPerCall rows
// (WithRowsPerCall), with at most DefaultRowsInFlight calls in flight
// (WithRowsInFlight), and gathers the answers. A nil row is sent as {}.
// Build rows from structs with RowsOf.
//
// The result is never nil. Its Rows are the rows the API stored, with
// their IDs, in the order of rows; Warnings and Errors gather the calls'
// warnings and messages as the API wrote them (positions in a message
// count from the start of its call).
//
// The API stores the rows it can and refuses the others (a value of the
// wrong type, a missing required column, a key column value already
// taken) with a message. When it refused any, the error is a *RowsError
// that lists them by their index in rows; the result still holds the rows
// stored. When a call fails (a transport error, or an error answer such as
// an *errors.APIError), no further call starts, and the error is a
// *BatchError that says which rows failed or were not sent; the result
// holds what the calls that succeeded stored. Any other error (an invalid
// option, a nil context, an empty table name) comes before anything is
// sent.
//
// createTableRows is a POST, which the client does not retry: a call
// retried after a lost answer could insert its rows twice. Pass
// WithIdempotent to retry anyway, or use UpsertRows with a key column.
// opts apply to every call.
func (c *Client) InsertRows(ctx context.Context, table string, rows []map[string]any, opts ...Option) (*gen.CreateTableRowsResponse, error) {
	const name = "createTableRows"
	out := &gen.CreateTableRowsResponse{Rows: []gen.Row{}}
	if err := (operation{name: name}).checkPath("table", table); err != nil {
		return out, err
	}
	answers, err := bulk(ctx, c, name, len(rows), opts,
		func(ctx context.Context, s Span) (*gen.CreateTableRowsResponse, error) {
			return c.CreateTableRows(ctx, table, gen.CreateTableRowsJSONRequestBody{Rows: objects(rows[s.Start:s.End])}, opts...)
		},
		func(r *gen.CreateTableRowsResponse) bulkAnswer { return bulkAnswer{r.Errors, len(r.Rows)} })
	for _, a := range answers {
		if a != nil {
			out.Rows = append(out.Rows, a.Rows...)
			out.Warnings = append(out.Warnings, a.Warnings...)
			out.Errors = append(out.Errors, a.Errors...)
		}
	}
	return out, err
}

// UpdateRows writes column values into any number of rows of table, each
// picked by its "id", which every row must have (an integer, as a Go
// integer, an integral float64 or a json.Number); the other keys are the
// columns to write. It sends them to updateTableRows in calls as
// InsertRows does, and reports rows the API refused (an unknown id, a
// value of the wrong type ...) and failed calls in the same way. The
// result's Rows are the rows as they stand after the update, in the order
// of rows. updateTableRows is a PUT: a failed attempt is retried.
func (c *Client) UpdateRows(ctx context.Context, table string, rows []map[string]any, opts ...Option) (*gen.UpdateTableRowsResponse, error) {
	const name = "updateTableRows"
	out := &gen.UpdateTableRowsResponse{Rows: []gen.Row{}}
	if err := (operation{name: name}).checkPath("table", table); err != nil {
		return out, err
	}
	body := make([]gen.UpdateTableRowsBody_Rows, len(rows))
	for i, r := range rows {
		id, ok, err := rowID(r["id"])
		if err == nil && !ok {
			err = errors.New("no id")
		}
		if err != nil {
			return out, transport.Errorf("botpress: %s: %w: row %d: %v", name, ErrInvalidArgument, i, err)
		}
		body[i] = gen.UpdateTableRowsBody_Rows{ID: id, AdditionalProperties: columnsOf(r)}
	}
	answers, err := bulk(ctx, c, name, len(rows), opts,
		func(ctx context.Context, s Span) (*gen.UpdateTableRowsResponse, error) {
			return c.UpdateTableRows(ctx, table, gen.UpdateTableRowsJSONRequestBody{Rows: body[s.Start:s.End]}, opts...)
		},
		func(r *gen.UpdateTableRowsResponse) bulkAnswer { return bulkAnswer{r.Errors, len(r.Rows)} })
	for _, a := range answers {
		if a != nil {
			out.Rows = append(out.Rows, a.Rows...)
			out.Warnings = append(out.Warnings, a.Warnings...)
			out.Errors = append(out.Errors, a.Errors...)
		}
	}
	return out, err
}

// UpsertRows writes any number of rows into table: a row whose keyColumn
// value matches a stored row updates it, the others are inserted.
// keyColumn "" means the row ID: rows then pick the row to update by their
// "id" (given as UpdateRows takes it), and rows without one are inserted.
// It sends them to upsertTableRows in calls as InsertRows does, and
// reports refused rows and failed calls in the same way. The result's
// Inserted and Updated are each in the order of rows.
//
// upsertTableRows is a POST, which the client does not retry; with a key
// column, repeating a call writes the same rows again, so WithIdempotent
// is safe to pass.
func (c *Client) UpsertRows(ctx context.Context, table, keyColumn string, rows []map[string]any, opts ...Option) (*gen.UpsertTableRowsResponse, error) {
	const name = "upsertTableRows"
	out := &gen.UpsertTableRowsResponse{Inserted: []gen.Row{}, Updated: []gen.Row{}}
	if err := (operation{name: name}).checkPath("table", table); err != nil {
		return out, err
	}
	body := make([]gen.UpsertTableRowsBody_Rows, len(rows))
	for i, r := range rows {
		id, ok, err := rowID(r["id"])
		if err != nil {
			return out, transport.Errorf("botpress: %s: %w: row %d: %v", name, ErrInvalidArgument, i, err)
		}
		body[i].AdditionalProperties = columnsOf(r)
		if ok {
			body[i].ID = &id
		}
	}
	var key *string
	if keyColumn != "" {
		key = &keyColumn
	}
	answers, err := bulk(ctx, c, name, len(rows), opts,
		func(ctx context.Context, s Span) (*gen.UpsertTableRowsResponse, error) {
			return c.UpsertTableRows(ctx, table, gen.UpsertTableRowsJSONRequestBody{Rows: body[s.Start:s.End], KeyColumn: key}, opts...)
		},
		func(r *gen.UpsertTableRowsResponse) bulkAnswer {
			return bulkAnswer{r.Errors, len(r.Inserted) + len(r.Updated)}
		})
	for _, a := range answers {
		if a != nil {
			out.Inserted = append(out.Inserted, a.Inserted...)
			out.Updated = append(out.Updated, a.Updated...)
			out.Warnings = append(out.Warnings, a.Warnings...)
			out.Errors = append(out.Errors, a.Errors...)
		}
	}
	return out, err
}

// objects returns rows with nil rows made empty, copying only when one is.
func objects(rows []map[string]any) []map[string]any {
	for i, r := range rows {
		if r == nil {
			out := slices.Clone(rows)
			for j := i; j < len(out); j++ {
				if out[j] == nil {
					out[j] = map[string]any{}
				}
			}
			return out
		}
	}
	return rows
}

// columnsOf returns a row's keys but id, as a new map.
func columnsOf(row map[string]any) map[string]any {
	out := make(map[string]any, len(row))
	for k, v := range row {
		if k != "id" {
			out[k] = v
		}
	}
	return out
}

// Columns gives the rows of a table as InsertRows, UpdateRows and
// UpsertRows take them: each row's user columns, without its id,
// createdAt, updatedAt and the other fields the API sets (similarity,
// stale, computed), and without the values of its computed columns (the
// keys of Row.Computed), which the table works out itself. The values are
// shared with the rows, not copied. Rows read from one table are written
// to another with it:
//
//	var rows []gen.Row
//	for row, err := range c.AllTableRows(ctx, "Old", gen.FindTableRowsBody{}) {
//		if err != nil {
//			return err
//		}
//		rows = append(rows, row)
//	}
//	_, err := c.InsertRows(ctx, "New", client.Columns(rows...))
//
// To update the rows in place, add each row's "id" back.
func Columns(rows ...gen.Row) []map[string]any {
	out := make([]map[string]any, len(rows))
	for i := range rows {
		cols := make(map[string]any, len(rows[i].AdditionalProperties))
		for k, v := range rows[i].AdditionalProperties {
			if _, computed := rows[i].Computed[k]; !computed {
				cols[k] = v
			}
		}
		out[i] = cols
	}
	return out
}

// rowID reads a row ID given as any Go integer, an integral float, or a
// json.Number; ok is false when it is absent (nil).
func rowID(v any) (id int64, ok bool, err error) {
	switch v := v.(type) {
	case nil:
		return 0, false, nil
	case int:
		return int64(v), true, nil
	case int8:
		return int64(v), true, nil
	case int16:
		return int64(v), true, nil
	case int32:
		return int64(v), true, nil
	case int64:
		return v, true, nil
	case uint8:
		return int64(v), true, nil
	case uint16:
		return int64(v), true, nil
	case uint32:
		return int64(v), true, nil
	case uint:
		if uint64(v) <= math.MaxInt64 {
			return int64(v), true, nil
		}
	case uint64:
		if v <= math.MaxInt64 {
			return int64(v), true, nil
		}
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
			return int64(v), true, nil
		}
	case float32:
		if f := float64(v); f == math.Trunc(f) && math.Abs(f) < 1<<24 {
			return int64(f), true, nil
		}
	case json.Number:
		if id, err := v.Int64(); err == nil {
			return id, true, nil
		}
	}
	return 0, false, fmt.Errorf("id %v (%T) is not an integer", v, v)
}

// RowsOf encodes items, such as structs with json tags, into rows for
// InsertRows, UpdateRows and UpsertRows: each item's JSON object becomes a
// row, its keys the columns (and "id" the row ID). Numbers are kept as
// json.Number, so that they are sent exactly as encoding/json wrote them.
// An item that does not encode to a JSON object fails the whole call,
// with an error naming its index and wrapping ErrInvalidArgument.
func RowsOf[T any](items []T) ([]map[string]any, error) {
	rows := make([]map[string]any, len(items))
	for i := range items {
		b, err := json.Marshal(items[i])
		if err != nil {
			return nil, transport.Errorf("botpress: RowsOf: %w: item %d: %v", ErrInvalidArgument, i, err)
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		var m map[string]any
		if err := dec.Decode(&m); err != nil || m == nil {
			return nil, transport.Errorf("botpress: RowsOf: %w: item %d is not a JSON object", ErrInvalidArgument, i)
		}
		rows[i] = m
	}
	return rows, nil
}

// DecodeRow decodes a row into a T, such as a struct with json tags: its
// columns, and its id, createdAt and updatedAt for fields that ask for
// them. It is the reverse of RowsOf. A row keeps its numbers as
// json.Number until then, so that an integer column decodes exactly into
// an int64 field (9007199254740993 included, which a float64 rounds).
func DecodeRow[T any](row gen.Row) (T, error) {
	var v T
	b, err := json.Marshal(row)
	if err == nil {
		err = json.Unmarshal(b, &v)
	}
	if err != nil {
		return v, transport.Errorf("botpress: DecodeRow: row %d: %w", row.ID, err)
	}
	return v, nil
}

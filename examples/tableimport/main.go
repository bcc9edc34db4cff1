// Command tableimport imports typed records into a Botpress table and
// queries them back: get or create the table, write 2,500 leads in calls
// of at most 1,000 rows with a few calls in flight, report the rows the
// API refused (a few leads are invalid on purpose), then walk the
// qualified leads with a typed filter.
//
//	go run ./examples/tableimport
//
// The leads are Go structs: client.RowsOf turns them into rows, and
// client.DecodeRow turns rows back into them. The import is an upsert by
// email, the table's key column, so that running it again updates the
// same rows rather than adding new ones.
//
// With no BP_TOKEN set it starts the in-memory API of package bptest and
// runs against it, offline. With BP_TOKEN and BP_BOT_ID set (and BP_API_URL
// if not Botpress Cloud) it runs against that bot's tables.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/botpress-go/sdk/bptest"
	"github.com/botpress-go/sdk/client"
	"github.com/botpress-go/sdk/client/where"
	"github.com/botpress-go/sdk/gen"
)

// table is the table the leads go to.
const table = "LeadsImportTable"

// Lead is one record to import: its fields are the table's columns, and
// client.SchemaOf makes the table's schema from them. email is the key
// column; stage takes one of four values.
type Lead struct {
	ID      int64   `json:"id,omitempty"` // the row ID, read back from the table
	Email   string  `json:"email" botpress:"required,pattern=^[^@ ]+@[^@ ]+$"`
	Name    string  `json:"name" botpress:"required,searchable"`
	Company string  `json:"company"`
	Score   float64 `json:"score"`
	Stage   string  `json:"stage" botpress:"enum=new|qualified|won|lost"`
}

func main() {
	if err := run(context.Background(), os.Stdout, os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "tableimport:", err)
		os.Exit(1)
	}
}

// leads makes n leads; every 500th has a stage the table does not take,
// and lead 1234 an email that is not one.
func leads(n int) []Lead {
	stages := []string{"new", "qualified", "won", "lost"}
	out := make([]Lead, n)
	for i := range out {
		out[i] = Lead{
			Email:   fmt.Sprintf("lead%04d@example.com", i),
			Name:    fmt.Sprintf("Lead %d", i),
			Company: fmt.Sprintf("Company %d", i%40),
			Score:   float64(i * 37 % 100),
			Stage:   stages[i%len(stages)],
		}
		if i%500 == 499 {
			out[i].Stage = "archived"
		}
	}
	if n > 1234 {
		out[1234].Email = "lead1234 at example.com"
	}
	return out
}

// run does the import and the query, printing each step to out.
func run(ctx context.Context, out io.Writer, getenv func(string) string) error {
	c, addr, stop, err := connect(getenv)
	if err != nil {
		return err
	}
	defer stop()
	fmt.Fprintln(out, "talking to", addr)

	schema, err := client.SchemaOf[Lead]()
	if err != nil {
		return err
	}
	body := gen.GetOrCreateTableBody{Schema: schema}
	body.KeyColumn.Set("email")
	t, err := c.GetOrCreateTable(ctx, table, body)
	if err != nil {
		return fmt.Errorf("get or create table: %w", err)
	}
	if t.Created {
		fmt.Fprintf(out, "table %s: created\n", table)
	} else {
		fmt.Fprintf(out, "table %s: found, %d rows\n", table, t.Rows)
	}

	records := leads(2500)
	rows, err := client.RowsOf(records)
	if err != nil {
		return err
	}
	// An upsert by the key column writes the same rows when repeated, so
	// a call whose answer was lost may be retried.
	res, err := c.UpsertRows(ctx, table, "email", rows, client.WithIdempotent())
	var refused *client.RowsError
	switch {
	case errors.As(err, &refused):
		// The other leads went in; the error lists the refused ones by
		// their index in records.
		fmt.Fprintf(out, "%d inserted, %d updated\n", len(res.Inserted), len(res.Updated))
		fmt.Fprintln(out, refused)
		for _, r := range refused.Refused {
			if r.Index < 0 {
				fmt.Fprintf(out, "  rows %d to %d: %s\n", r.Batch.Start, r.Batch.End-1, r.Message)
				continue
			}
			fmt.Fprintf(out, "  lead %d (%s): %s\n", r.Index, records[r.Index].Email, r.Message)
		}
	case err != nil:
		// A call failed: *client.BatchError says which leads were not
		// written; res holds those that were.
		return fmt.Errorf("import: %w", err)
	default:
		fmt.Fprintf(out, "%d inserted, %d updated\n", len(res.Inserted), len(res.Updated))
	}

	// The qualified leads with a score of 90 or more, best first.
	f := where.And(where.Eq("stage", "qualified"), where.Gte("score", 90))
	fmt.Fprintln(out, "query:", f)
	limit, orderBy, desc := 100, "score", gen.SortDirectionDesc
	n := 0
	for row, err := range c.AllTableRows(ctx, table, gen.FindTableRowsBody{
		Filter: f.Map(), Limit: &limit, OrderBy: &orderBy, OrderDirection: &desc,
	}) {
		if err != nil {
			return fmt.Errorf("query: %w", err)
		}
		lead, err := client.DecodeRow[Lead](row)
		if err != nil {
			return err
		}
		if n < 5 {
			fmt.Fprintf(out, "  row %d: %s, %s, %s, score %.0f\n", lead.ID, lead.Email, lead.Name, lead.Company, lead.Score)
		}
		n++
	}
	fmt.Fprintf(out, "%d qualified leads with a score of 90 or more\n", n)
	return nil
}

// connect returns a client of Botpress Cloud when BP_TOKEN is set, else of
// an in-memory API it starts; stop ends that.
func connect(getenv func(string) string) (c *client.Client, where string, stop func(), err error) {
	if getenv(client.EnvToken) != "" {
		if getenv(client.EnvBotID) == "" {
			return nil, "", nil, errors.New("BP_TOKEN is set: set BP_BOT_ID too")
		}
		c, err := client.New() // reads BP_TOKEN, BP_BOT_ID, BP_API_URL ...
		if err != nil {
			return nil, "", nil, err
		}
		return c, c.BaseURL(), func() {}, nil
	}
	srv, err := bptest.New()
	if err != nil {
		return nil, "", nil, err
	}
	return srv.Client(), "an in-memory Botpress API at " + srv.URL + " (set BP_TOKEN and BP_BOT_ID to use Botpress Cloud)", func() { srv.Close() }, nil
}

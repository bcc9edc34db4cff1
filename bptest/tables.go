package bptest

import "github.com/botpress-go/sdk/gen"

// tableState holds the tables of one bot and their rows.
type tableState struct {
	tables *collection[*tableEntry]
}

// tableEntry is a table and its rows, by row ID.
type tableEntry struct {
	table  gen.Table
	rows   *collection[gen.Row]
	nextID int
}

func newTableState() *tableState {
	return &tableState{tables: newCollection[*tableEntry]()}
}

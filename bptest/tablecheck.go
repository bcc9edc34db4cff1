package bptest

// Checks of rows and filters against a table's schema.
//
// Botpress describes row errors as per-row: createTableRows,
// updateTableRows and upsertTableRows answer 200 with the rows that were
// stored and an "errors" list for the others, and the table schema's
// additionalProperties says that a property matching no column is ignored.
// bptest does the same: a row whose values break the schema is left out
// and named in errors ("row 3: column \"age\" wants a number, got a
// string"), where 3 is the row's position in the request; properties that
// match no column are not stored, and one warning per request names them.
// The request as a whole fails only when it breaks the spec (no rows, more
// than 1,000, ...), with 400 InvalidPayload.

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	gen "github.com/botpress-go/sdk/bptest/internal/server"
)

// tblMaxColumns is how many columns a table may have.
const tblMaxColumns = 20

// tblRowCheck checks rows against one table's schema, and gathers the
// columns they carry that the schema does not declare.
type tblRowCheck struct {
	schema   gen.Table_Schema
	unknown  map[string]bool
	patterns map[string]*regexp.Regexp // compiled column patterns; nil for one that does not compile
	maxRow   int64                     // the table row limit (Limits.TableRow); negative: none
}

func newTblRowCheck(t *tableEntry, maxRow int64) *tblRowCheck {
	return &tblRowCheck{schema: t.table.Schema, unknown: map[string]bool{}, patterns: map[string]*regexp.Regexp{}, maxRow: maxRow}
}

// columns returns the user columns of a row as sent that the schema
// declares, checked, and notes the others. The row's own fields (id,
// createdAt ...) are dropped without a word.
func (rc *tblRowCheck) columns(in map[string]any) (map[string]any, error) {
	out := make(map[string]any, len(in))
	for _, k := range sortedKeys(in) {
		if tblReserved[k] {
			continue
		}
		def, ok := rc.schema.Properties[k]
		if !ok {
			rc.unknown[k] = true
			continue
		}
		if err := rc.value(k, def, in[k]); err != nil {
			return nil, err
		}
		out[k] = in[k]
	}
	return out, nil
}

// complete checks that a row as it would be stored sets every required
// column, and fits in the table row limit.
func (rc *tblRowCheck) complete(cols map[string]any) error {
	for _, r := range rc.schema.Required {
		if v, ok := cols[r]; !ok || v == nil {
			return fmt.Errorf("column %q is required", r)
		}
	}
	return rowTooLarge(cols, rc.maxRow)
}

// warnings names, once, the columns that were not stored.
func (rc *tblRowCheck) warnings() []string {
	if len(rc.unknown) == 0 {
		return nil
	}
	names := make([]string, 0, len(rc.unknown))
	for k := range rc.unknown {
		names = append(names, fmt.Sprintf("%q", k))
	}
	sort.Strings(names)
	return []string{fmt.Sprintf("not stored: %s, not column(s) of the table", strings.Join(names, ", "))}
}

// value checks one column's value against its definition.
func (rc *tblRowCheck) value(col string, def gen.Table_Schema_Properties, v any) error {
	if v == nil {
		if def.Type == gen.TableColumnTypeNull || def.Nullable == nil || *def.Nullable {
			return nil
		}
		return fmt.Errorf("column %q does not take null", col)
	}
	if err := tblCheckType(string(def.Type), v); err != nil {
		return fmt.Errorf("column %q %v", col, err)
	}
	switch v := v.(type) {
	case string:
		if def.Format != nil && *def.Format == gen.TableSchemaPropertiesFormatDateTime {
			if _, err := time.Parse(time.RFC3339Nano, v); err != nil {
				return fmt.Errorf("column %q wants an ISO 8601 date-time, got %q", col, v)
			}
		}
		if len(def.Enum) > 0 && !slices.Contains(def.Enum, v) {
			return fmt.Errorf("column %q takes one of %s, got %q", col, strings.Join(def.Enum, ", "), v)
		}
		if def.Pattern != nil {
			if re := rc.pattern(*def.Pattern); re != nil && !re.MatchString(v) {
				return fmt.Errorf("column %q wants text matching %s, got %q", col, *def.Pattern, v)
			}
		}
	case []any:
		if def.Items != nil {
			for i, x := range v {
				if x == nil {
					continue
				}
				if err := tblCheckType(string(def.Items.Type), x); err != nil {
					return fmt.Errorf("column %q, element %d %v", col, i, err)
				}
			}
		}
	case map[string]any:
		for _, k := range sortedKeys(def.Properties) {
			if x, ok := v[k]; ok && x != nil {
				if err := tblCheckType(string(def.Properties[k].Type), x); err != nil {
					return fmt.Errorf("column %q, field %q %v", col, k, err)
				}
			}
		}
	}
	return nil
}

// tblCheckType checks a JSON value's type: string, number, boolean,
// object, array or null.
func tblCheckType(typ string, v any) error {
	ok := false
	switch typ {
	case "string":
		_, ok = v.(string)
	case "number", "integer":
		_, ok = v.(float64)
	case "boolean":
		_, ok = v.(bool)
	case "object":
		_, ok = v.(map[string]any)
	case "array":
		_, ok = v.([]any)
	case "null":
		ok = v == nil
	default:
		return nil // a type the schema check let through: nothing to say
	}
	if ok {
		return nil
	}
	article := "a"
	if typ == "object" || typ == "array" {
		article = "an"
	}
	return fmt.Errorf("wants %s %s, got %s", article, typ, tblKind(v))
}

// tblKind names a JSON value's type for messages.
func tblKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case float64:
		return "a number"
	case bool:
		return "a boolean"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	}
	return fmt.Sprintf("%T", v)
}

// pattern compiles a column's pattern once per request; one that does
// not compile (as RE2) checks nothing.
func (rc *tblRowCheck) pattern(p string) *regexp.Regexp {
	re, ok := rc.patterns[p]
	if !ok {
		re, _ = regexp.Compile(p)
		rc.patterns[p] = re
	}
	return re
}

// tblTooWide refuses a schema of more columns than a table may have.
func tblTooWide(n int) error {
	return errorf(http.StatusBadRequest, "InvalidPayload", "schema: %d columns, a table has at most %d", n, tblMaxColumns)
}

// tblKnownColumn reports whether a filter may name col in a table: a
// column of its schema (or a dotted path into one), or id, createdAt or
// updatedAt.
func tblKnownColumn(schema gen.Table_Schema) func(col string) bool {
	return func(col string) bool {
		switch col {
		case "id", "createdAt", "updatedAt":
			return true
		}
		head, _, _ := strings.Cut(col, ".")
		_, ok := schema.Properties[head]
		return ok
	}
}

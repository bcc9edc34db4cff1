package client

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/botpress-go/sdk/gen"
	"github.com/botpress-go/sdk/internal/transport"
)

// SchemaOf returns the JSON schema of a table whose columns are the fields
// of struct T, for createTable, getOrCreateTable and updateTable: one column
// per exported field, named as encoding/json names it (fields tagged
// json:"-", and a field named "id", the row ID, are left out). A column's
// type follows the field's: string, number (any Go number), boolean,
// a string of format date-time (time.Time), array (slices) or object (maps
// and structs). A `botpress` tag adds what Go types cannot say,
// comma-separated: required, searchable, nullable, pattern=<regexp>,
// enum=<a|b|c>:
//
//	type Lead struct {
//		Email string `json:"email" botpress:"required,pattern=^[^@ ]+@[^@ ]+$"`
//		Stage string `json:"stage" botpress:"enum=new|won|lost"`
//	}
//	schema, err := client.SchemaOf[Lead]()
//	body := gen.CreateTableBody{Name: "LeadsTable", Schema: schema}
//
// It fails if T is not a struct, or on a tag option it does not know.
func SchemaOf[T any]() (map[string]any, error) {
	s, err := schemaOf(reflect.TypeFor[T]())
	if err != nil {
		return nil, transport.Errorf("botpress: SchemaOf: %w", err)
	}
	return s, nil
}

var timeType = reflect.TypeFor[time.Time]()

func schemaOf(t reflect.Type) (map[string]any, error) {
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("%v is not a struct", t)
	}
	props := map[string]any{}
	var required []any
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if name == "id" {
			continue
		}
		col := map[string]any{"type": columnType(f.Type)}
		if f.Type == timeType {
			col["format"] = "date-time"
		}
		for _, opt := range strings.Split(f.Tag.Get("botpress"), ",") {
			key, value, _ := strings.Cut(opt, "=")
			switch key {
			case "":
			case "required":
				required = append(required, name)
			case "searchable":
				col["x-zui"] = map[string]any{"searchable": true}
			case "nullable":
				col["nullable"] = true
			case "pattern":
				col["pattern"] = value
			case "enum":
				var values []any
				for _, v := range strings.Split(value, "|") {
					values = append(values, v)
				}
				col["enum"] = values
			default:
				return nil, fmt.Errorf("field %s: unknown botpress tag option %q", f.Name, key)
			}
		}
		props[name] = col
	}
	s := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		s["required"] = required
	}
	return s, nil
}

// columnType is the JSON schema type of a column holding values of t.
func columnType(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == timeType {
		return "string"
	}
	if t.Implements(reflect.TypeFor[json.Marshaler]()) {
		return "object"
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice, reflect.Array:
		return "array"
	default:
		return "object"
	}
}

// TableSchema gives the schema of a table as the API answers it (the
// Schema of GetTable's, ListTables' or GetOrCreateTable's table) in the
// form createTable, getOrCreateTable and updateTable take, so that a table
// is made with the columns of another:
//
//	old, err := c.GetTable(ctx, "OldTable")
//	...
//	schema, err := client.TableSchema(old.Table.Schema)
//	...
//	_, err = c.GetOrCreateTable(ctx, "NewTable", gen.GetOrCreateTableBody{Schema: schema})
//
// It fails only on a schema that does not encode to JSON (a NaN order or
// width set by hand), with an error wrapping ErrInvalidArgument.
func TableSchema(s gen.Table_Schema) (map[string]any, error) {
	b, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("botpress: TableSchema: %w: %v", ErrInvalidArgument, err)
	}
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("botpress: TableSchema: %w: %v", ErrInvalidArgument, err)
	}
	return m, nil
}

package api_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// One Go type per API idea (see CONTRIBUTING.md): the spec's Go
// extensions give gen/ time.Time for every date-time, integers for counts,
// sizes and IDs, one named type per enum, and no interface{} or
// map[string]*interface{} where a typed value fits. These guards walk the
// generated models and fail on what slips back.

// gtField is one field of a generated struct: its JSON name and Go type.
type gtField struct {
	owner, name, json, typ string
}

// gtParse reads gen/botpress.gen.go: its struct fields and, for each enum
// type, its sorted values.
func gtParse(t *testing.T) ([]gtField, map[string][]string) {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "../gen/botpress.gen.go", nil, 0)
	require.NoError(t, err)
	var fields []gtField
	enums := map[string][]string{}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok {
			continue
		}
		for _, s := range g.Specs {
			switch s := s.(type) {
			case *ast.TypeSpec:
				st, ok := s.Type.(*ast.StructType)
				if !ok {
					continue
				}
				for _, fl := range st.Fields.List {
					if fl.Tag == nil || len(fl.Names) == 0 {
						continue
					}
					tag, _ := strconv.Unquote(fl.Tag.Value)
					name := regexp.MustCompile(`json:"([^",]*)`).FindStringSubmatch(tag)
					if name == nil {
						continue
					}
					fields = append(fields, gtField{s.Name.Name, fl.Names[0].Name, name[1], types(fset, fl.Type)})
				}
			case *ast.ValueSpec:
				id, ok := s.Type.(*ast.Ident)
				if g.Tok != token.CONST || !ok || len(s.Values) != 1 {
					continue
				}
				if lit, ok := s.Values[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
					enums[id.Name] = append(enums[id.Name], lit.Value)
				}
			}
		}
	}
	for _, v := range enums {
		sort.Strings(v)
	}
	return fields, enums
}

// types writes a type expression as Go source.
func types(fset *token.FileSet, e ast.Expr) string {
	var b strings.Builder
	var walk func(e ast.Expr)
	walk = func(e ast.Expr) {
		switch e := e.(type) {
		case *ast.Ident:
			b.WriteString(e.Name)
		case *ast.StarExpr:
			b.WriteString("*")
			walk(e.X)
		case *ast.SelectorExpr:
			walk(e.X)
			b.WriteString("." + e.Sel.Name)
		case *ast.ArrayType:
			b.WriteString("[]")
			walk(e.Elt)
		case *ast.MapType:
			b.WriteString("map[")
			walk(e.Key)
			b.WriteString("]")
			walk(e.Value)
		case *ast.IndexExpr:
			walk(e.X)
			b.WriteString("[")
			walk(e.Index)
			b.WriteString("]")
		case *ast.InterfaceType:
			b.WriteString("interface{}")
		default:
			b.WriteString("?")
		}
	}
	walk(e)
	return b.String()
}

// gtDateName is a JSON name that says a date-time.
var gtDateName = regexp.MustCompile(`(At|Time|Timestamp|TimeUtc|Date|Start|End|Until|From|^start|^end|^timestamp|^period_start|^period_end)$`)

// gtNotDateTime are the date-like names that are not instants: days
// (2025-01-02), and schedule.dateTime, which the API wants with exactly
// three decimals (24 to 28 characters) where time.Time writes from none
// to nine.
var gtNotDateTime = map[string]string{
	"DailyUsageActivity.date":                           "a day",
	"ListUsageActivityDailyParams.dateFrom":             "a day",
	"ListUsageActivityDailyParams.dateUntil":            "a day",
	"CreateMessageBody_Schedule.dateTime":               "milliseconds required",
	"GetOrCreateMessageBody_Schedule.dateTime":          "milliseconds required",
	"CreateEventBody_Schedule.dateTime":                 "milliseconds required",
	"InvoiceLineItem.periodStart":                       "a day (format: date)",
	"InvoiceLineItem.periodEnd":                         "a day (format: date)",
	"GetOrCreateWorkflowBody.discriminateByStatusGroup": "not a date",
}

func TestDateTimesAreTimes(t *testing.T) {
	fields, _ := gtParse(t)
	n := 0
	for _, f := range fields {
		if !gtDateName.MatchString(f.json) || !strings.Contains(f.typ, "string") || strings.HasPrefix(f.typ, "[]") ||
			strings.HasPrefix(f.typ, "map[") {
			continue
		}
		if _, ok := gtNotDateTime[f.owner+"."+f.json]; ok {
			continue
		}
		t.Errorf("%s.%s (%s) is %s: a date-time takes x-go-type: time.Time in the spec", f.owner, f.name, f.json, f.typ)
	}
	for _, f := range fields {
		if strings.Contains(f.typ, "time.Time") {
			n++
		}
	}
	assert.Greater(t, n, 100, "time.Time fields")
}

// gtCountName is a JSON name that says a count, a size or a whole ID.
var gtCountName = regexp.MustCompile(`(Count$|^count$|^size$|^rows$|^stale$|^indexing$|^deletedRows$|^installs$|^views$|^limit$|Attempts$|^id$|^ids$|^month$|^year$|^expMonth$|^expYear$)`)

func TestCountsAreIntegers(t *testing.T) {
	fields, _ := gtParse(t)
	for _, f := range fields {
		if gtCountName.MatchString(f.json) && strings.Contains(f.typ, "float") {
			t.Errorf("%s.%s (%s) is %s: a count, size or ID takes x-go-type: int or int64 in the spec", f.owner, f.name, f.json, f.typ)
		}
	}
}

func TestOneTypePerEnum(t *testing.T) {
	_, enums := gtParse(t)
	byValues := map[string][]string{}
	for typ, vals := range enums {
		k := strings.Join(vals, ",")
		byValues[k] = append(byValues[k], typ)
	}
	for vals, typs := range byValues {
		if len(typs) > 1 {
			sort.Strings(typs)
			t.Errorf("enum %s has %d Go types %v: give them one with x-go-type-name on one site and x-go-type on the others", vals, len(typs), typs)
		}
	}
}

func TestNoUntypedValues(t *testing.T) {
	fields, _ := gtParse(t)
	for _, f := range fields {
		if strings.Contains(f.typ, "*interface{}") || (f.typ == "interface{}" && f.json == "tags") {
			t.Errorf("%s.%s (%s) is %s: give it a type (map[string]any for free-form data)", f.owner, f.name, f.json, f.typ)
		}
	}
}

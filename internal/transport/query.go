package transport

import (
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
)

// timeType is the type of a date-time parameter (time.Time).
var timeType = reflect.TypeFor[time.Time]()

// queryTimeLayout writes a date-time parameter as JavaScript's
// toISOString does, the form the API's own client sends: UTC, to the
// millisecond (2025-01-02T15:04:05.000Z).
const queryTimeLayout = "2006-01-02T15:04:05.000Z"

// EncodeQuery writes the query string of a generated Params struct the way
// the Botpress API reads it: one key per field named by its `form` tag,
// repeated for each element of a slice (ids=a&ids=b), and one dotted key
// per entry of a map (tags.channel=web). Fields without a form tag (the
// header parameters) and unset fields are skipped.
func EncodeQuery(params any) (string, error) {
	v, ok, err := paramsStruct(params)
	if !ok {
		return "", err
	}
	q := url.Values{}
	t := v.Type()
	for i := range t.NumField() {
		tag, ok := t.Field(i).Tag.Lookup("form")
		if !ok {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if name == "" || name == "-" {
			continue
		}
		if err := addValue(q, name, v.Field(i)); err != nil {
			return "", fmt.Errorf("%s: %w", name, err)
		}
	}
	return q.Encode(), nil
}

// addValue adds the value of one field (or of one element of it) to q.
func addValue(q url.Values, key string, v reflect.Value) error {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return addValue(q, key, v.Elem())
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if err := addValue(q, key, v.Index(i)); err != nil {
				return err
			}
		}
		return nil
	case reflect.Map:
		if v.Type().Key().Kind() != reflect.String {
			return fmt.Errorf("map key of type %s", v.Type().Key())
		}
		keys := make([]string, 0, v.Len())
		for _, k := range v.MapKeys() {
			keys = append(keys, k.String())
		}
		sort.Strings(keys)
		for _, k := range keys {
			if err := addValue(q, key+"."+k, v.MapIndex(reflect.ValueOf(k).Convert(v.Type().Key()))); err != nil {
				return err
			}
		}
		return nil
	}
	s, err := scalar(v)
	if err != nil {
		return err
	}
	q.Add(key, s)
	return nil
}

// scalar formats a string, number, boolean or date-time.
func scalar(v reflect.Value) (string, error) {
	if v.Type() == timeType {
		return v.Interface().(time.Time).UTC().Format(queryTimeLayout), nil
	}
	switch v.Kind() {
	case reflect.String:
		return v.String(), nil
	case reflect.Bool:
		return strconv.FormatBool(v.Bool()), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.FormatUint(v.Uint(), 10), nil
	case reflect.Float32:
		return strconv.FormatFloat(v.Float(), 'f', -1, 32), nil
	case reflect.Float64:
		return strconv.FormatFloat(v.Float(), 'f', -1, 64), nil
	}
	return "", fmt.Errorf("cannot put a %s in a query string", v.Type())
}

// EncodeHeaders sets the header parameters of a generated Params struct:
// the fields without a `form` tag, named by their `json` tag (x-bot-id,
// x-destination-bot-id ...). Unset fields are skipped.
func EncodeHeaders(params any, h http.Header) error {
	v, ok, err := paramsStruct(params)
	if !ok {
		return err
	}
	t := v.Type()
fields:
	for i := range t.NumField() {
		f := t.Field(i)
		if _, isQuery := f.Tag.Lookup("form"); isQuery {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		fv := v.Field(i)
		for fv.Kind() == reflect.Pointer || fv.Kind() == reflect.Interface {
			if fv.IsNil() {
				continue fields
			}
			fv = fv.Elem()
		}
		s, err := scalar(fv)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if s != "" {
			h.Set(name, s)
		}
	}
	return nil
}

// paramsStruct returns the struct a params pointer points to; ok is false
// when there is none (nil) or when it is not a struct (with an error).
func paramsStruct(params any) (reflect.Value, bool, error) {
	v := reflect.ValueOf(params)
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return v, false, nil
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return v, false, fmt.Errorf("params of type %s is not a struct", v.Type())
	}
	return v, true, nil
}

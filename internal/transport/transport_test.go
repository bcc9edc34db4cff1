package transport

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	bperrors "github.com/botpress-go/sdk/errors"
)

func TestBackoffBounds(t *testing.T) {
	for n := range 40 {
		d := Backoff(n, 10*time.Millisecond, time.Second)
		ceil := min(10*time.Millisecond<<min(n, 30), time.Second)
		if n >= 30 {
			ceil = time.Second
		}
		if d < ceil/2 || d > ceil {
			t.Fatalf("Backoff(%d) = %v, want within [%v, %v]", n, d, ceil/2, ceil)
		}
	}
}

// A 2xx answer whose body carries an error status is that error: retried
// when its status is retried, else returned as an *errors.APIError.
func TestStatusInBody(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch calls.Add(1) {
		case 1:
			io.WriteString(w, `{"code":503,"message":"busy"}`)
		case 2:
			io.WriteString(w, `{"code":404,"type":"ResourceNotFound","message":"no such thing"}`)
		default:
			io.WriteString(w, `{"ok":true}`)
		}
	}))
	defer srv.Close()
	cfg := Defaults()
	cfg.HTTPClient = srv.Client()
	cfg.RetryBase, cfg.RetryMax = time.Microsecond, time.Microsecond
	cfg.StatusInBody = func(body []byte) int {
		if strings.Contains(string(body), `"code":503`) {
			return 503
		}
		if strings.Contains(string(body), `"code":404`) {
			return 404
		}
		return 0
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/x", nil)
	_, err := cfg.Do(context.Background(), "getX", req)
	var apiErr *bperrors.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 404 || apiErr.Operation != "getX" || !errors.Is(err, bperrors.ErrResourceNotFound) {
		t.Fatalf("err = %v, want the 404 of the body", err)
	}
	if got := calls.Load(); got != 2 {
		t.Fatalf("%d calls, want 2 (the 503 retried)", got)
	}
	body, err := cfg.Do(context.Background(), "getX", req)
	if err != nil || string(body) != `{"ok":true}` {
		t.Fatalf("Do = %q, %v", body, err)
	}
}

func TestJSONField(t *testing.T) {
	type s struct {
		A string `json:"a"`
		B string `json:"b,omitempty"`
		C string `json:"c,string,omitzero"`
		D string `json:"-"`
		E string `json:",omitempty"`
		F string `json:"f,string"`
		g string
	}
	want := []struct{ required, ok bool }{{true, true}, {false, true}, {false, true}, {false, false}, {false, true}, {true, true}, {false, false}}
	typ := reflect.TypeOf(s{})
	for i := range typ.NumField() {
		f := typ.Field(i)
		required, ok := JSONField(f)
		if required != want[i].required || ok != want[i].ok {
			t.Errorf("%s: got required %v, ok %v; want %v, %v", f.Name, required, ok, want[i].required, want[i].ok)
		}
		// NilSafe reads the tags of every body at every call.
		if n := testing.AllocsPerRun(10, func() { JSONField(f) }); n != 0 {
			t.Errorf("%s: %v allocations", f.Name, n)
		}
	}
}

// MaxBody bounds the body read: a longer answer is a *TooLargeError, read
// no further than the limit and not retried; one of exactly the limit is
// read whole.
func TestMaxBody(t *testing.T) {
	var calls atomic.Int32
	var written atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.URL.Path == "/exact" {
			io.WriteString(w, strings.Repeat("x", 100))
			return
		}
		// An endless answer: it ends when the client stops reading.
		chunk := []byte(strings.Repeat("y", 1024))
		for {
			n, err := w.Write(chunk)
			written.Add(int64(n))
			if err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	cfg := Defaults()
	cfg.HTTPClient = srv.Client()
	cfg.RetryBase, cfg.RetryMax = time.Microsecond, time.Microsecond
	cfg.MaxBody = 100
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/exact", nil)
	body, err := cfg.Do(context.Background(), "getX", req)
	if err != nil || len(body) != 100 {
		t.Fatalf("Do = %d bytes, %v; want 100", len(body), err)
	}
	req, _ = http.NewRequest(http.MethodGet, srv.URL+"/endless", nil)
	body, err = cfg.Do(context.Background(), "getX", req)
	var tooLarge *TooLargeError
	if !errors.As(err, &tooLarge) || tooLarge.Limit != 100 || body != nil {
		t.Fatalf("Do = %d bytes, %v; want a *TooLargeError of 100 bytes", len(body), err)
	}
	if !strings.Contains(err.Error(), "answer larger than 100 bytes") {
		t.Errorf("error %q does not name the limit", err)
	}
	if got := calls.Load(); got != 2 {
		t.Errorf("%d calls, want 2: a body too large is not retried", got)
	}
}

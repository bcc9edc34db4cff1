package transport

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
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

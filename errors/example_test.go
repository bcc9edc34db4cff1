package errors_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/botpress-go/sdk/client"
	bperrors "github.com/botpress-go/sdk/errors"
)

// A failed call returns an error to match with errors.Is against the sentinels, and to read
// with errors.As as an *APIError. Here a stand-in server answers 404.
func Example() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"id":"err_1","code":404,"type":"ResourceNotFound","message":"User user_1 not found"}`)
	}))
	defer srv.Close()
	c, err := client.New(client.WithBaseURL(srv.URL), client.WithToken("bp_pat_example"), client.WithBotID("bot_1"))
	if err != nil {
		fmt.Println(err)
		return
	}

	_, err = c.GetUser(context.Background(), "user_1")
	switch {
	case errors.Is(err, bperrors.ErrResourceNotFound):
		fmt.Println("no such user")
	case errors.Is(err, bperrors.ErrRateLimited):
		fmt.Println("rate limited, after the retries")
	}
	var apiErr *bperrors.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.Type, apiErr.ID, apiErr.Message)
	}
	// Output:
	// no such user
	// 404 ResourceNotFound err_1 User user_1 not found
}

// FromResponse is what package client calls on an error answer; a program that calls the API with
// its own HTTP client can call it too.
func ExampleFromResponse() {
	body := []byte(`{"id":"err_2","code":429,"type":"RateLimited","message":"Too many requests"}`)
	h := http.Header{"Retry-After": []string{"2"}}
	err := bperrors.FromResponse(http.StatusTooManyRequests, h, body)
	fmt.Println(errors.Is(err, bperrors.ErrRateLimited), err.RetryAfter, err.Message)
	// Output: true 2s Too many requests
}

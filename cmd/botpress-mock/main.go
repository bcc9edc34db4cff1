// Command botpress-mock runs the in-memory Botpress API of package bptest as
// a program, for tests written in any language.
//
//	go run github.com/botpress-go/sdk/cmd/botpress-mock -addr 127.0.0.1:8080
//
// It prints its URL, token, bot and workspace, logs one line per request,
// and stops on Ctrl-C. Point a client at it with BP_API_URL, BP_TOKEN,
// BP_BOT_ID and BP_WORKSPACE_ID.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/botpress-go/sdk/bptest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "botpress-mock:", err)
		os.Exit(1)
	}
}

// run parses the flags, starts the server, prints how to reach it, and
// serves until ctx is done.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("botpress-mock", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	token := fs.String("token", bptest.DefaultToken, "bearer token the server accepts")
	bots := fs.String("bot", bptest.DefaultBotID, "bot IDs, separated by commas; the first is the default")
	workspace := fs.String("workspace", bptest.DefaultWorkspaceID, "workspace ID")
	pageSize := fs.Int("page-size", bptest.DefaultPageSize, "items per page of list answers")
	seedFile := fs.String("seed-data", "", "JSON file of resources to load at start (see bptest.SeedData)")
	seed := fs.Uint64("seed", 0, "seed of identifiers and fault probabilities (0: random)")
	quiet := fs.Bool("quiet", false, "do not log requests")
	rateLimit := fs.Int("rate-limit", 0, "requests admitted per window, as the API limits a workspace (0: no limit; the API admits 100 a second)")
	rateWindow := fs.Duration("rate-window", time.Second, "length of the sliding window of -rate-limit")
	if err := fs.Parse(args); err != nil {
		return err
	}
	opts := []bptest.Option{
		bptest.WithAddr(*addr), bptest.WithToken(*token), bptest.WithBotID(strings.Split(*bots, ",")...),
		bptest.WithWorkspaceID(*workspace), bptest.WithPageSize(*pageSize),
		// A violation is reported by the program's own tests; a user's
		// request must never be refused for it.
		bptest.WithResponseValidation(false),
	}
	if *rateLimit > 0 {
		if *rateWindow <= 0 {
			return fmt.Errorf("-rate-window %v: must be positive", *rateWindow)
		}
		opts = append(opts, bptest.WithRateLimit(bptest.RateLimit{Requests: *rateLimit, Window: *rateWindow}))
	}
	if *seed != 0 {
		opts = append(opts, bptest.WithSeed(*seed))
	}
	if !*quiet {
		opts = append(opts, bptest.WithLogger(slog.New(slog.NewTextHandler(stderr, nil))))
	}
	if *seedFile != "" {
		data, err := bptest.ReadSeedData(*seedFile)
		if err != nil {
			return err
		}
		opts = append(opts, bptest.WithSeedData(data))
	}
	srv, err := bptest.New(opts...)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "botpress-mock listening\nBP_API_URL=%s\nBP_TOKEN=%s\nBP_BOT_ID=%s\nBP_WORKSPACE_ID=%s\n",
		srv.URL, srv.Token, srv.BotID, srv.WorkspaceID)
	<-ctx.Done()
	return srv.Close()
}

// Command botpress-mock runs the in-memory Botpress API of package bptest as
// a program, for tests written in any language.
//
//	go run github.com/botpress-go/sdk/cmd/botpress-mock -addr 127.0.0.1:8080
//
// It prints its URL, token, bot and workspace, logs one line per request,
// and stops on Ctrl-C. Point a client at it with BP_API_URL, BP_TOKEN,
// BP_BOT_ID and BP_WORKSPACE_ID; with -env, those lines are shell
// commands (export BP_API_URL='...') to eval.
//
// It serves the Chat API too (see bptest.Server.ChatURL), for the first
// bot: a Chat client takes BP_CHAT_API_URL as its API URL (webhook ID
// included; BP_CHAT_WEBHOOK_ID is the webhook ID alone), and signs its own
// user keys with BP_CHAT_ENCRYPTION_KEY if it wants to. Its bot echoes every
// message a user sends (-bot-reply echo), or never answers (-bot-reply none).
// These lines come after the four above, BP_CHAT_WEBHOOK_ID last. With
// -chat-stream, the echo of a text message is streamed, as a bot on
// Botpress streams its replies: a message_stream_delta signal per word,
// then message_stream_complete and message_created of the whole text
// (-chat-stream-interval paces the words, for a demo). With
// -chat-webhook-url URL (and -chat-webhook-secret S), every signal of the
// Chat API is also POSTed to URL with x-secret-key: S, as the Chat
// integration does with its webhookUrl and webhookSecret (see
// bptest.ChatWebhook); -chat-webhook-deltas drop, reorder or repeat and
// -chat-webhook-drop-after-deltas N apply the delta faults to those
// deliveries (ChatWebhook.Deltas, ChatWebhook.DropAfterDeltas).
//
// -fault, repeatable, makes it misbehave on purpose, as bptest.Fault does:
//
//	botpress-mock -fault op=getUser,status=429,times=2,retry-after=1s -fault latency=50ms,rate=0.1
//	botpress-mock -fault chat,op=listenConversation,drop-stream-after=2
//	botpress-mock -chat-stream -fault chat,op=listenConversation,deltas=reorder
//	botpress-mock -chat-stream -fault chat,op=listenConversation,drop-stream-after-deltas=1,times=1
//	botpress-mock -fault op=upsertFile,indexing=failed,times=1
//
// A file uploaded with index: true goes through upload_completed and
// indexing_pending before its indexing completes or fails: one step per
// getFile or listFiles answer that shows it, or, with -indexing-delay d,
// one step per d of real time (see bptest.WithIndexingDelay).
//
// Operations that bptest answers only with a fixed example built from the
// spec carry the header X-Bptest-Example: true and log a line; -strict
// answers them 501 instead. A workspace-scoped call without x-workspace-id
// gets 400, as from Botpress Cloud, unless -lenient-scope. Timeouts
// (-read-header-timeout, -read-timeout, -write-timeout, -idle-timeout,
// -stream-write-timeout) cut clients that stall.
//
// -dump FILE writes the server's state to FILE when it stops (Ctrl-C or
// SIGTERM), in the format -seed-data reads: a later run with -seed-data
// FILE starts where this one stopped, for what the format holds (see
// bptest.Server.Dump for what a dump leaves out).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/botpress-go/sdk/bptest"
	"github.com/botpress-go/sdk/message"
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
	dumpFile := fs.String("dump", "", "JSON file the server's state is written to when it stops (Ctrl-C, SIGTERM), in the format of -seed-data (see bptest.Server.Dump)")
	seed := fs.Uint64("seed", 0, "seed of identifiers and fault probabilities (0: random)")
	quiet := fs.Bool("quiet", false, "do not log requests")
	rateLimit := fs.Int("rate-limit", 0, "requests admitted per window, as the API limits a workspace (0: no limit; the API admits 100 a second)")
	rateWindow := fs.Duration("rate-window", time.Second, "length of the sliding window of -rate-limit")
	env := fs.Bool("env", false, "print the settings as shell export lines (eval them), and the banner on stderr")
	webhook := fs.String("chat-webhook", bptest.DefaultChatWebhookID, "webhook ID of the Chat API (the last segment of BP_CHAT_API_URL)")
	chatKey := fs.String("chat-encryption-key", "", "your own encryption key for the Chat API's user keys: createUser is then refused, as the integration refuses it (default: the server issues keys, signed with "+bptest.DefaultChatEncryptionKey+")")
	keepAlive := fs.Duration("chat-keep-alive", bptest.DefaultChatKeepAlive, "silence after which a listenConversation stream gets a keep-alive")
	var hook bptest.ChatWebhook
	fs.StringVar(&hook.URL, "chat-webhook-url", "", "POST every signal of the Chat API to this URL, as the Chat integration does with its webhookUrl (it posts to the URL with one trailing /)")
	fs.StringVar(&hook.Secret, "chat-webhook-secret", "", "secret sent in the x-secret-key header of each webhook delivery (webhookSecret)")
	fs.DurationVar(&hook.Timeout, "chat-webhook-timeout", bptest.DefaultChatWebhookTimeout, "longest time one webhook delivery may take")
	fs.Func("chat-webhook-deltas", "drop, reorder or repeat the pieces of streamed replies (message_stream_delta) delivered by webhook", func(v string) error {
		hook.Deltas = bptest.DeltaFault(v)
		return nil
	})
	fs.IntVar(&hook.DropAfterDeltas, "chat-webhook-drop-after-deltas", 0, "lose the rest of a streamed reply delivered by webhook after that many pieces, once per conversation: its final message still comes as message_created (0: never)")
	h2c := fs.Bool("h2c", false, "also speak HTTP/2 without TLS (prior knowledge) on the same address")
	botReply := fs.String("bot-reply", "echo", "what the bot answers a message sent through the Chat API: echo (a copy of it) or none")
	chatStream := fs.Bool("chat-stream", false, "the echo bot streams its copy of a text message: a message_stream_delta signal per word, then message_stream_complete and message_created of the whole text")
	chatStreamInterval := fs.Duration("chat-stream-interval", 0, "with -chat-stream, the pause before each word but the first and before the final message (0: none)")
	strict := fs.Bool("strict", false, "answer 501 for the operations bptest answers only with a fixed example (without it, those answers carry the header "+bptest.ExampleHeader+": true)")
	lenientScope := fs.Bool("lenient-scope", false, "let a workspace-scoped call without x-workspace-id act on the server's workspace (Botpress Cloud answers it 400)")
	noLimits := fs.Bool("no-limits", false, "turn off Botpress Cloud's size limits of bodies, message payloads and table rows (bodies are then bounded by 100 MiB alone)")
	var limits bptest.Limits
	fs.Int64Var(&limits.RuntimeBody, "limit-runtime-body", 0, "largest JSON body of the runtime (/v1/chat), Files and Chat API operations, in bytes (0: Cloud's 1 MB; negative: none)")
	fs.Int64Var(&limits.AdminBody, "limit-admin-body", 0, "largest JSON body of the admin (/v1/admin) and /v2 operations, in bytes (0: Cloud's 50 MB; negative: none)")
	fs.Int64Var(&limits.TablesBody, "limit-tables-body", 0, "largest JSON body of the tables operations, in bytes (0: Cloud's 40 MB; negative: none)")
	fs.Int64Var(&limits.MessagePayload, "limit-message-payload", 0, "largest message payload, in bytes of JSON (0: Cloud's 128 KB; negative: none)")
	fs.Int64Var(&limits.TableRow, "limit-table-row", 0, "largest table row, in bytes of JSON (0: Cloud's 4 KB; negative: none)")
	var timeouts bptest.Timeouts
	fs.DurationVar(&timeouts.ReadHeader, "read-header-timeout", bptest.DefaultReadHeaderTimeout, "longest time to read a request's headers (negative: none)")
	fs.DurationVar(&timeouts.Read, "read-timeout", bptest.DefaultReadTimeout, "longest time to read a whole request, body included (negative: none)")
	fs.DurationVar(&timeouts.Write, "write-timeout", bptest.DefaultWriteTimeout, "longest time to write an answer; Chat streams use -stream-write-timeout instead (negative: none)")
	fs.DurationVar(&timeouts.Idle, "idle-timeout", bptest.DefaultIdleTimeout, "longest time a keep-alive connection waits for its next request (negative: none)")
	fs.DurationVar(&timeouts.StreamWrite, "stream-write-timeout", bptest.DefaultStreamWriteTimeout, "longest time each write of a Chat stream may take before the stream is cut (negative: none)")
	var faults []bptest.Fault
	indexingDelay := fs.Duration("indexing-delay", 0, "how long each step of a file's indexing lasts (upload_completed, then indexing_pending); 0: one step per getFile or listFiles answer that shows the file")
	fs.Func("fault", "inject a fault, as comma-separated key=value: op, status, times, rate, latency, retry-after, drop, error-in-200, chat (the Chat API's operations), drop-stream-after, indexing (completed or failed: how the indexing of the file an upsertFile makes ends), deltas (drop, reorder or repeat the pieces of streamed replies on a listenConversation stream), drop-stream-after-deltas (cut the stream mid-reply after that many pieces) (repeatable)", func(v string) error {
		f, err := parseFault(v)
		if err == nil {
			faults = append(faults, f)
		}
		return err
	})
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil // -h asked for the usage, which is printed
		}
		return err
	}
	if *chatStreamInterval < 0 {
		return fmt.Errorf("-chat-stream-interval %v: must not be negative", *chatStreamInterval)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (flags come as -name value)", fs.Arg(0))
	}
	var bot bptest.Bot
	switch *botReply {
	case "echo":
		bot = bptest.EchoBot
		if *chatStream {
			bot = streamingEcho(*chatStreamInterval)
		}
	case "none":
		if *chatStream {
			return errors.New("-chat-stream streams the echo: it needs -bot-reply echo")
		}
	default:
		return fmt.Errorf("-bot-reply %q: echo or none", *botReply)
	}
	opts := []bptest.Option{
		bptest.WithAddr(*addr), bptest.WithToken(*token), bptest.WithBotID(strings.Split(*bots, ",")...),
		bptest.WithWorkspaceID(*workspace), bptest.WithPageSize(*pageSize),
		bptest.WithChatWebhookID(*webhook), bptest.WithChatKeepAlive(*keepAlive), bptest.WithChatWebhook(hook),
		// A violation is reported by the program's own tests; a user's
		// request must never be refused for it.
		bptest.WithResponseValidation(false),
		bptest.WithTimeouts(timeouts),
	}
	if *noLimits {
		opts = append(opts, bptest.WithoutLimits())
	} else {
		opts = append(opts, bptest.WithLimits(limits))
	}
	if *strict {
		opts = append(opts, bptest.WithStrict())
	}
	if *lenientScope {
		opts = append(opts, bptest.WithLenientScope())
	}
	if *indexingDelay < 0 {
		return fmt.Errorf("-indexing-delay %v: must not be negative", *indexingDelay)
	}
	if *indexingDelay > 0 {
		opts = append(opts, bptest.WithIndexingDelay(*indexingDelay))
	}
	if *rateLimit > 0 {
		if *rateWindow <= 0 {
			return fmt.Errorf("-rate-window %v: must be positive", *rateWindow)
		}
		opts = append(opts, bptest.WithRateLimit(bptest.RateLimit{Requests: *rateLimit, Window: *rateWindow}))
	}
	if *h2c {
		opts = append(opts, bptest.WithUnencryptedHTTP2())
	}
	if *chatKey != "" {
		opts = append(opts, bptest.WithChatEncryptionKey(*chatKey))
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
	for _, f := range faults {
		srv.InjectFault(f)
	}
	srv.OnMessage(bot)
	vars := [][2]string{
		{"BP_API_URL", srv.URL}, {"BP_TOKEN", srv.Token}, {"BP_BOT_ID", srv.BotID}, {"BP_WORKSPACE_ID", srv.WorkspaceID},
		{"BP_CHAT_API_URL", srv.ChatURL()}, {"BP_CHAT_ENCRYPTION_KEY", srv.ChatEncryptionKey()}, {"BP_CHAT_WEBHOOK_ID", srv.ChatWebhookID()},
	}
	if *env {
		fmt.Fprintln(stderr, "botpress-mock listening on", srv.URL)
		for _, kv := range vars {
			fmt.Fprintf(stdout, "export %s=%s\n", kv[0], shellQuote(kv[1]))
		}
	} else {
		fmt.Fprintln(stdout, "botpress-mock listening")
		for _, kv := range vars {
			fmt.Fprintf(stdout, "%s=%s\n", kv[0], kv[1])
		}
	}
	<-ctx.Done()
	if *dumpFile != "" {
		if err := dump(srv, *dumpFile); err != nil {
			srv.Close()
			return err
		}
	}
	return srv.Close()
}

// dump writes the server's state to path, in the seed format, through a
// temporary file so that path never holds half a dump.
func dump(srv *bptest.Server, path string) error {
	d, err := srv.Dump()
	if err != nil {
		return err
	}
	data, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return fmt.Errorf("dump: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("dump: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("dump: %w", err)
	}
	return nil
}

// streamingEcho is bptest.StreamingEchoBot, its words paced by interval.
func streamingEcho(interval time.Duration) bptest.Bot {
	return func(ctx context.Context, m bptest.IncomingMessage) []message.Payload {
		replies := bptest.StreamingEchoBot(ctx, m)
		for _, r := range replies {
			if s, ok := r.(*bptest.StreamedReply); ok {
				s.Interval = interval
			}
		}
		return replies
	}
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// parseFault reads a -fault value: comma-separated key=value pairs naming
// the fields of a bptest.Fault.
func parseFault(v string) (bptest.Fault, error) {
	var f bptest.Fault
	for _, part := range strings.Split(v, ",") {
		key, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok && key != "drop" && key != "chat" && key != "error-in-200" {
			return f, fmt.Errorf("fault %q: %q is not key=value", v, part)
		}
		var err error
		switch key {
		case "op", "operation":
			f.Operation = val
		case "status":
			f.Status, err = strconv.Atoi(val)
			if err == nil && (f.Status < 100 || f.Status > 599) {
				err = errors.New("not an HTTP status")
			}
		case "times":
			f.Times, err = strconv.Atoi(val)
			if err == nil && f.Times < 0 {
				err = errors.New("negative")
			}
		case "rate":
			f.Rate, err = strconv.ParseFloat(val, 64)
			if err == nil && (f.Rate < 0 || f.Rate > 1) {
				err = errors.New("not between 0 and 1")
			}
		case "latency":
			f.Latency, err = time.ParseDuration(val)
		case "retry-after":
			f.RetryAfter, err = time.ParseDuration(val)
		case "drop":
			f.Drop = true
			if ok {
				f.Drop, err = strconv.ParseBool(val)
			}
		case "error-in-200":
			f.ErrorIn200 = true
			if ok {
				f.ErrorIn200, err = strconv.ParseBool(val)
			}
		case "chat":
			f.Chat = true
			if ok {
				f.Chat, err = strconv.ParseBool(val)
			}
		case "indexing":
			f.Indexing = val
			if val != bptest.IndexingCompleted && val != bptest.IndexingFailed {
				err = errors.New("completed or failed")
			}
		case "deltas":
			f.Deltas = bptest.DeltaFault(val)
			switch f.Deltas {
			case bptest.DeltasDrop, bptest.DeltasReorder, bptest.DeltasRepeat:
			default:
				err = errors.New("drop, reorder or repeat")
			}
		case "drop-stream-after-deltas":
			f.DropStreamAfterDeltas, err = strconv.Atoi(val)
			if err == nil && f.DropStreamAfterDeltas < 0 {
				err = errors.New("negative")
			}
		case "drop-stream-after":
			f.DropStreamAfter, err = strconv.Atoi(val)
			if err == nil && f.DropStreamAfter < 0 {
				err = errors.New("negative")
			}
		default:
			return f, fmt.Errorf("fault %q: unknown key %q (op, status, times, rate, latency, retry-after, drop, chat, drop-stream-after, drop-stream-after-deltas, deltas, error-in-200, indexing)", v, key)
		}
		if err != nil {
			return f, fmt.Errorf("fault %q: %s=%s: %v", v, key, val, err)
		}
	}
	if f.Status == 0 && f.Latency == 0 && !f.Drop && f.DropStreamAfter == 0 && f.DropStreamAfterDeltas == 0 && f.Deltas == "" && f.Indexing == "" {
		return f, fmt.Errorf("fault %q: says nothing to do: give status, latency, drop, drop-stream-after, drop-stream-after-deltas, deltas or indexing", v)
	}
	if f.Indexing != "" && (f.Chat || (f.Operation != "" && f.Operation != "upsertFile")) {
		return f, fmt.Errorf("fault %q: indexing applies to upsertFile only", v)
	}
	return f, nil
}

// Command export writes every message of every conversation of a bot to a
// JSON Lines file, and can stop at any point and resume where it stopped:
// each message is written exactly once.
//
//	go run ./examples/export -out messages.jsonl -checkpoint export.json
//
// After each page of messages it saves a checkpoint: the page tokens it has
// reached and the size of the output file at that point. Run again with the
// same flags after a crash, a Ctrl-C or -max-pages, and it truncates the
// output to the saved size (dropping a page written after the last
// checkpoint) and goes on from the saved tokens. A complete export removes
// the checkpoint.
//
// With no BP_TOKEN set it starts the in-memory API of package bptest with
// some conversations, and exports them offline. With BP_TOKEN and BP_BOT_ID
// set (and BP_API_URL if not Botpress Cloud) it exports that bot.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"slices"

	"github.com/botpress-go/sdk/bptest"
	"github.com/botpress-go/sdk/client"
	"github.com/botpress-go/sdk/gen"
	"github.com/botpress-go/sdk/message"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	out := flag.String("out", "messages.jsonl", "JSON Lines file the messages are appended to")
	cp := flag.String("checkpoint", "export.json", "checkpoint file, written after every page")
	maxPages := flag.Int("max-pages", 0, "stop after this many pages of messages, as an interrupted export would (0: no limit)")
	flag.Parse()
	c, stopServer, err := connect(ctx, os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "export:", err)
		os.Exit(1)
	}
	defer stopServer()
	res, err := export(ctx, c, *out, *cp, *maxPages)
	if err != nil {
		fmt.Fprintln(os.Stderr, "export:", err)
		os.Exit(1)
	}
	fmt.Printf("%d messages written in %d pages; complete: %v\n", res.messages, res.pages, res.complete)
}

// checkpoint is where an export stands. Conversations are walked page by
// page; within the current page of conversations, Done lists those whose
// messages are all written, and Conversation/MessagesToken say where the
// one in progress stands.
type checkpoint struct {
	ConversationsToken string   `json:"conversationsToken,omitempty"`
	Done               []string `json:"done,omitempty"`
	Conversation       string   `json:"conversation,omitempty"`
	MessagesToken      string   `json:"messagesToken,omitempty"`
	// OutputSize is the size of the output file when the checkpoint was
	// saved: what a resumed export keeps.
	OutputSize int64 `json:"outputSize"`
}

// result says what one run did.
type result struct {
	messages, pages int
	complete        bool
}

// errStop ends a run after max pages.
var errStop = errors.New("page limit reached")

// export runs or resumes the export into outPath, saving the checkpoint to
// cpPath after every page of messages; it stops after maxPages pages when
// maxPages > 0.
func export(ctx context.Context, c *client.Client, outPath, cpPath string, maxPages int) (result, error) {
	var res result
	cp, err := loadCheckpoint(cpPath)
	if err != nil {
		return res, err
	}
	out, err := os.OpenFile(outPath, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return res, err
	}
	defer out.Close()
	// Drop what a previous run wrote after its last checkpoint.
	if err := out.Truncate(cp.OutputSize); err != nil {
		return res, err
	}
	if _, err := out.Seek(cp.OutputSize, io.SeekStart); err != nil {
		return res, err
	}
	enc := json.NewEncoder(out)

	save := func() error {
		if err := out.Sync(); err != nil {
			return err
		}
		size, err := out.Seek(0, io.SeekCurrent)
		if err != nil {
			return err
		}
		cp.OutputSize = size
		return saveCheckpoint(cpPath, cp)
	}

	// exportConversation writes the messages of one conversation, from
	// cp.MessagesToken if it is the one in progress.
	exportConversation := func(conv gen.Conversation) error {
		params := &gen.ListMessagesParams{ConversationID: &conv.ID}
		if cp.Conversation == conv.ID && cp.MessagesToken != "" {
			params.NextToken = &cp.MessagesToken
		}
		for page, err := range c.ListMessagesPages(ctx, params) {
			if err != nil {
				return err
			}
			for _, m := range page.Items {
				if err := enc.Encode(m); err != nil {
					return err
				}
			}
			res.messages += len(page.Items)
			res.pages++
			cp.Conversation, cp.MessagesToken = conv.ID, page.NextToken
			if err := save(); err != nil {
				return err
			}
			if maxPages > 0 && res.pages >= maxPages && !page.Last() {
				return errStop
			}
		}
		cp.Done = append(cp.Done, conv.ID)
		cp.Conversation, cp.MessagesToken = "", ""
		return save()
	}

	params := &gen.ListConversationsParams{}
	if cp.ConversationsToken != "" {
		params.NextToken = &cp.ConversationsToken
	}
	for page, err := range c.ListConversationsPages(ctx, params) {
		if err != nil {
			return res, err
		}
		for _, conv := range page.Items {
			if slices.Contains(cp.Done, conv.ID) {
				continue
			}
			if err := exportConversation(conv); errors.Is(err, errStop) {
				return res, nil
			} else if err != nil {
				return res, err
			}
		}
		cp.ConversationsToken, cp.Done = page.NextToken, nil
		if err := save(); err != nil {
			return res, err
		}
	}
	res.complete = true
	return res, os.Remove(cpPath)
}

func loadCheckpoint(path string) (checkpoint, error) {
	var cp checkpoint
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return cp, nil
	}
	if err != nil {
		return cp, err
	}
	if err := json.Unmarshal(data, &cp); err != nil {
		return cp, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	return cp, nil
}

// saveCheckpoint writes the checkpoint to a temporary file and renames it,
// so that a crash leaves the old one or the new one, never half of one.
func saveCheckpoint(path string, cp checkpoint) error {
	data, err := json.Marshal(cp)
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// connect returns a client for the configured API or, with no BP_TOKEN, for
// an in-memory one with 3 conversations of 7 messages.
func connect(ctx context.Context, getenv func(string) string) (*client.Client, func(), error) {
	if getenv("BP_TOKEN") != "" {
		if getenv("BP_BOT_ID") == "" {
			return nil, nil, errors.New("BP_BOT_ID must name the bot to export")
		}
		c, err := client.New()
		return c, func() {}, err
	}
	srv, err := bptest.New(bptest.WithPageSize(3))
	if err != nil {
		return nil, nil, err
	}
	c := srv.Client()
	if err := seed(ctx, c, 3, 7); err != nil {
		srv.Close()
		return nil, nil, err
	}
	return c, func() { srv.Close() }, nil
}

// seed creates convs conversations of msgs text messages each.
func seed(ctx context.Context, c *client.Client, convs, msgs int) error {
	user, err := c.CreateUser(ctx, gen.CreateUserBody{})
	if err != nil {
		return err
	}
	for i := range convs {
		conv, err := c.CreateConversation(ctx, gen.CreateConversationBody{Channel: "web"})
		if err != nil {
			return err
		}
		for j := range msgs {
			_, err := c.CreateMessage(ctx, gen.CreateMessageBody{
				ConversationID: conv.Conversation.ID, UserID: user.User.ID, Payload: message.Text(fmt.Sprintf("conversation %d, message %d", i, j)),
			})
			if err != nil {
				return err
			}
		}
	}
	return nil
}

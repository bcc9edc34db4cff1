// Command chat is a terminal chat with a Botpress bot through the Chat API:
// type a line and press Enter; the bot's answers appear as they come, and a
// reply the bot streams grows word by word (chat.Assemble joins its pieces,
// and delivers its final message once).
//
//	go run ./examples/chat
//
// Offline by default: the bot is bptest's, in this process; it answers
// "menu" with a choice and anything else with an echo, which it streams a
// word at a time (paced for the eye when the output is a terminal). With
// BP_CHAT_WEBHOOK_ID set (the webhook ID of your bot's Chat integration) it
// talks to that bot on Botpress Cloud, as a new user; with
// BP_CHAT_ENCRYPTION_KEY and BP_CHAT_USER_ID as well, as that user, whose
// key it signs with the integration's encryption key. BP_CHAT_API_URL sends
// it to another server instead, such as the one botpress-mock prints.
//
// A number answers the last choice the bot offered; /quit or the end of
// the input leaves.
package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/botpress-go/sdk/bptest"
	"github.com/botpress-go/sdk/chat"
	"github.com/botpress-go/sdk/chat/chatgen"
	"github.com/botpress-go/sdk/message"
)

// replyTimeout bounds the wait for the bot's answer before the next line is
// read.
const replyTimeout = 30 * time.Second

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdin, os.Stdout, os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "chat:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, in io.Reader, out io.Writer, getenv func(string) string) error {
	c, where, done, err := connect(ctx, getenv, pace(out))
	if err != nil {
		return err
	}
	defer done()
	conv, err := c.CreateConversation(ctx, chatgen.CreateConversationBody{})
	if err != nil {
		return fmt.Errorf("starting a conversation: %w", err)
	}
	convID := conv.Conversation.ID
	fmt.Fprintf(out, "Talking to %s. Type a message, /quit to leave.\n", where)

	t := &transcript{out: out, printed: map[string]bool{}, streaming: map[string]string{}, notify: make(chan struct{})}
	// The listener runs beside the input loop. WithHistory: it starts at the
	// beginning of this new conversation, so that nothing is missed, not
	// even what is said before its stream is open. Assemble turns the
	// pieces of a streamed reply into its growing text, and gives its final
	// message once.
	lctx, stopListening := context.WithCancel(ctx)
	listened := make(chan error, 1)
	go func() {
		defer close(listened)
		for s, err := range chat.Assemble(c.Listen(lctx, convID, chat.WithHistory())) {
			if err != nil {
				listened <- err
				return
			}
			switch s := s.(type) {
			case *chat.StreamText:
				t.grow(s)
			case *chat.MessageStreamAbort:
				t.abort(s.StreamID)
			case *chat.MessageCreated:
				if s.IsBot {
					t.show(s.Message, s.StreamID)
				}
			}
		}
	}()
	defer func() { stopListening(); <-listened }()

	lines := bufio.NewScanner(in)
	for lines.Scan() {
		text := strings.TrimSpace(lines.Text())
		if text == "" {
			continue
		}
		if text == "/quit" {
			break
		}
		sent, err := c.CreateMessage(ctx, chatgen.CreateMessageBody{ConversationID: convID, Payload: message.Text(t.answer(text))})
		if err != nil {
			return fmt.Errorf("sending: %w", err)
		}
		if err := t.waitAnswer(ctx, sent.Message.CreatedAt, listened); err != nil {
			return err
		}
	}
	if err := lines.Err(); err != nil {
		return fmt.Errorf("reading input: %w", err)
	}
	return t.flush(ctx, c, convID, listened)
}

// connect returns a client of the Chat API acting as a user, where it
// talks to (for the banner), and what to call when done.
func connect(ctx context.Context, getenv func(string) string, pace time.Duration) (*chat.Client, string, func(), error) {
	webhookID, apiURL := getenv(chat.EnvWebhookID), getenv(chat.EnvAPIURL)
	var opts []chat.Option
	where, done := "the bot of webhook "+webhookID, func() {}
	switch {
	case webhookID == "" && apiURL == "":
		srv, err := bptest.New()
		if err != nil {
			return nil, "", nil, err
		}
		srv.OnMessage(offlineBot(pace))
		opts = append(opts, chat.WithBaseURL(srv.ChatURL()))
		where, done = "the offline bot (try: menu)", func() { srv.Close() }
	case apiURL != "":
		opts = append(opts, chat.WithBaseURL(apiURL))
		where = apiURL
	}
	if key, user := getenv("BP_CHAT_ENCRYPTION_KEY"), getenv("BP_CHAT_USER_ID"); key != "" || user != "" {
		if key == "" || user == "" {
			done()
			return nil, "", nil, errors.New("set both BP_CHAT_ENCRYPTION_KEY and BP_CHAT_USER_ID, or neither")
		}
		opts = append(opts, chat.WithEncryptionKey(key), chat.WithUserID(user))
	}
	c, err := chat.Connect(ctx, webhookID, opts...)
	if err != nil {
		done()
		return nil, "", nil, fmt.Errorf("connecting: %w", err)
	}
	return c, where, done, nil
}

// pace is how long the offline bot waits between the words it streams: a
// little for a terminal, so that the text is seen growing, none otherwise.
func pace(out io.Writer) time.Duration {
	if f, ok := out.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			return 80 * time.Millisecond
		}
	}
	return 0
}

// offlineBot is the bot of the offline mode; it streams its echoes, pace
// between words.
func offlineBot(pace time.Duration) bptest.Bot {
	return func(ctx context.Context, m bptest.IncomingMessage) []message.Payload {
		replies := answer(m)
		if echo, ok := replies[0].(*message.TextPayload); ok && strings.HasPrefix(echo.Text, "You said: ") {
			return []message.Payload{&bptest.StreamedReply{Parts: bptest.SplitWords(echo.Text), Interval: pace}}
		}
		return replies
	}
}

// answer is what the offline bot answers m.
func answer(m bptest.IncomingMessage) []message.Payload {
	text, _ := m.Payload.(*message.TextPayload)
	if text == nil {
		return []message.Payload{message.Text("I only read text.")}
	}
	switch strings.ToLower(text.Text) {
	case "menu":
		return []message.Payload{message.Choice("What can I do for you?",
			message.Option("Track my order", "track"), message.Option("Talk to a person", "person"))}
	case "track":
		return []message.Payload{message.Text("Order 1042 left the warehouse this morning.")}
	case "person":
		return []message.Payload{
			message.Text("Someone from the team will take over."),
			message.Card("Support", message.URLAction("Open a ticket", "https://example.com/tickets/new")),
		}
	}
	return []message.Payload{message.Text("You said: " + text.Text)}
}

// transcript prints the bot's messages, once each, and remembers the last
// choice offered and when the bot last spoke.
type transcript struct {
	out     io.Writer
	mu      sync.Mutex
	printed map[string]bool // IDs of the bot's messages printed
	// streaming holds the text printed so far of each reply being
	// streamed, by stream ID, until its final message comes.
	streaming map[string]string
	options   []message.ChoiceOption // of the last choice or dropdown
	last      time.Time              // creation time of the bot's last message
	notify    chan struct{}          // closed, and replaced, when the bot speaks
}

// grow prints what a streamed reply's text adds, on the line of the reply.
func (t *transcript) grow(s *chat.StreamText) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, started := t.streaming[s.StreamID]; !started {
		fmt.Fprint(t.out, "bot: ")
	}
	fmt.Fprint(t.out, s.Delta)
	t.streaming[s.StreamID] = s.Text
}

// abort ends the line of a streamed reply the bot gave up.
func (t *transcript) abort(streamID string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, started := t.streaming[streamID]; started {
		delete(t.streaming, streamID)
		fmt.Fprintln(t.out, " [the bot gave up]")
	}
}

// show prints one message of the bot. The final message of a streamed
// reply (streamID set) ends the line its text grew on: what it adds is
// printed, or, when it is not the text shown plus more (pieces were lost),
// the whole message on a line of its own.
func (t *transcript) show(m chatgen.Message, streamID string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.printed[m.ID] {
		return
	}
	t.printed[m.ID] = true
	if shown, ok := t.streaming[streamID]; ok {
		delete(t.streaming, streamID)
		if p, ok := m.Payload.(*message.TextPayload); ok && strings.HasPrefix(p.Text, shown) {
			fmt.Fprintln(t.out, p.Text[len(shown):])
			t.spoke(m)
			return
		}
		fmt.Fprintln(t.out)
	}
	switch p := m.Payload.(type) {
	case *message.TextPayload:
		fmt.Fprintf(t.out, "bot: %s\n", p.Text)
	case *message.MarkdownPayload:
		fmt.Fprintf(t.out, "bot: %s\n", p.Markdown)
	case *message.ChoicePayload:
		t.offer(p.Text, p.Options)
	case *message.DropdownPayload:
		t.offer(p.Text, p.Options)
	case *message.ImagePayload:
		fmt.Fprintf(t.out, "bot: [image] %s\n", p.ImageURL)
	case *message.CardPayload:
		fmt.Fprintf(t.out, "bot: [%s]", p.Title)
		for _, a := range p.Actions {
			fmt.Fprintf(t.out, " (%s: %s)", a.Label, a.Value)
		}
		fmt.Fprintln(t.out)
	default:
		fmt.Fprintf(t.out, "bot: [%s message]\n", p.MessageType())
	}
	t.spoke(m)
}

// spoke notes that the bot said m; t.mu is held.
func (t *transcript) spoke(m chatgen.Message) {
	if m.CreatedAt.After(t.last) {
		t.last = m.CreatedAt
	}
	close(t.notify)
	t.notify = make(chan struct{})
}

// offer prints a question with numbered options; t.mu is held.
func (t *transcript) offer(text string, options []message.ChoiceOption) {
	fmt.Fprintf(t.out, "bot: %s\n", text)
	for i, o := range options {
		fmt.Fprintf(t.out, "  %d. %s\n", i+1, o.Label)
	}
	t.options = options
}

// answer is what to send for a line: the value of the option it numbers,
// if it numbers one of the last choice, else the line itself.
func (t *transcript) answer(line string) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if n, err := strconv.Atoi(line); err == nil && n >= 1 && n <= len(t.options) {
		return t.options[n-1].Value
	}
	return line
}

// waitAnswer waits until the bot has said something since sent, for up to
// replyTimeout, or the listener ended.
func (t *transcript) waitAnswer(ctx context.Context, sent time.Time, listened <-chan error) error {
	timeout := time.NewTimer(replyTimeout)
	defer timeout.Stop()
	for {
		t.mu.Lock()
		answered, notify := !t.last.Before(sent), t.notify
		t.mu.Unlock()
		if answered {
			return nil
		}
		select {
		case <-notify:
		case <-timeout.C:
			fmt.Fprintln(t.out, "(no answer yet)")
			return nil
		case err := <-listened:
			return fmt.Errorf("listening: %w", cmpErr(err))
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// flush waits, before leaving, until every message of the bot in the
// conversation has been printed (for up to replyTimeout).
func (t *transcript) flush(ctx context.Context, c *chat.Client, convID string, listened <-chan error) error {
	timeout := time.NewTimer(replyTimeout)
	defer timeout.Stop()
	for {
		msgs, err := chat.Collect(c.AllMessages(ctx, convID, nil), 0)
		if err != nil {
			return fmt.Errorf("reading the conversation: %w", err)
		}
		t.mu.Lock()
		missing, notify := false, t.notify
		for _, m := range msgs {
			missing = missing || (m.UserID != c.UserID() && !t.printed[m.ID])
		}
		t.mu.Unlock()
		if !missing {
			return nil
		}
		select {
		case <-notify:
		case <-timeout.C:
			return nil
		case err := <-listened:
			return fmt.Errorf("listening: %w", cmpErr(err))
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// cmpErr is err, or an error saying that the listener ended.
func cmpErr(err error) error {
	if err == nil {
		return errors.New("the listener ended")
	}
	return err
}

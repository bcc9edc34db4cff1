package chat

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/botpress-go/sdk/chat/chatgen"
	bperrors "github.com/botpress-go/sdk/errors"
	"github.com/botpress-go/sdk/internal/transport"
	"github.com/botpress-go/sdk/message"
)

// Defaults of Listen and SendAndWait.
const (
	// DefaultWatchdog is how long a stream may stay silent (the server
	// sends a keep-alive about every 30 s) before it is taken for dead, as
	// in the official client.
	DefaultWatchdog = 60 * time.Second
	// DefaultReconnectBaseDelay and DefaultReconnectMaxDelay bound the
	// jittered exponential backoff between reconnections.
	DefaultReconnectBaseDelay = 500 * time.Millisecond
	DefaultReconnectMaxDelay  = 30 * time.Second
	// DefaultLookback is how far before the newest message delivered a
	// recovery looks, for messages whose creation time is a little older
	// than one already delivered.
	DefaultLookback = 30 * time.Second
	// DefaultDedupWindow and DefaultDedupMax bound the message IDs kept to
	// deliver each message once: those created at most the window before
	// the newest delivered, and at most that many.
	DefaultDedupWindow = 10 * time.Minute
	DefaultDedupMax    = 10_000
	// DefaultMaxSignalSize bounds one event of the stream (a line, or the
	// data of an event). A larger one drops the stream; Listen recovers the
	// message it carried with listMessages.
	DefaultMaxSignalSize = 4 << 20
	// DefaultReplyTimeout bounds SendAndWait's wait for the answer.
	DefaultReplyTimeout = 60 * time.Second
	// DefaultRecoveryPages and DefaultRecoveryMessages bound each walk of
	// listMessages that Listen makes (its first look, and the recovery
	// after each connection): at most that many pages, and that many
	// messages read. The messages default is the dedup memory's
	// (DefaultDedupMax); the pages default leaves room for pages of 20
	// (bptest's default page size) and for empty ones. See
	// WithRecoveryLimit.
	DefaultRecoveryPages    = 1_000
	DefaultRecoveryMessages = 10_000
	// DefaultRecoveryBytes bounds the bytes of listMessages answers that one
	// walk reads, all pages together; a single page is bounded by what is
	// left. See WithRecoveryBytes.
	DefaultRecoveryBytes = 64 << 20
)

// ErrRecoveryLimit is wrapped by the error that ends Listen when one of its
// walks of listMessages (the first look, or a recovery) would read more
// pages, messages or bytes than WithRecoveryLimit and WithRecoveryBytes
// allow before reaching where it stops: a conversation longer than the
// bound under WithHistory, a listener away for longer than the bound's worth
// of messages, or a server that never stops paging. Listen does not skip
// ahead (the messages past the bound would be lost without a word): it ends,
// and the error names the bound and the option that raises it. To go on
// from the newest message, start a new Listen without WithHistory.
var ErrRecoveryLimit = errors.New("past the recovery limit")

// ErrResumeNotFound is wrapped by the error that ends Listen started with
// WithResumeAfterID when listMessages, read to the beginning of the
// conversation, does not hold that message (deleted, or of another
// conversation).
var ErrResumeNotFound = errors.New("message to resume after not found")

// ListenOption configures Listen, ListenConversation or SendAndWait.
type ListenOption func(*listenOptions)

type listenOptions struct {
	call          []Option
	watchdog      time.Duration
	base, max     time.Duration
	maxReconnects int
	lookback      time.Duration
	dedupWindow   time.Duration
	dedupMax      int
	maxSignal     int
	onReconnect   func(error)
	from          startFrom
	after         *chatgen.Message // startAfterMessage
	afterID       string           // startAfterID
	afterTime     time.Time        // startAfterTime
	replyTimeout  time.Duration
	websocket     bool // WithWebSocket (ws.go)

	recoveryPages, recoveryMessages, recoveryBytes int

	err error
}

// startFrom says where Listen starts.
type startFrom int

const (
	startNow          startFrom = iota // after the newest message: the first look
	startAfterMessage                  // WithResumeAfter
	startHistory                       // WithHistory
	startAfterID                       // WithResumeAfterID
	startAfterTime                     // WithResumeAfterTime
)

func newListenOptions(opts []ListenOption) (listenOptions, error) {
	lo := listenOptions{
		watchdog:     DefaultWatchdog,
		base:         DefaultReconnectBaseDelay,
		max:          DefaultReconnectMaxDelay,
		lookback:     DefaultLookback,
		dedupWindow:  DefaultDedupWindow,
		dedupMax:     DefaultDedupMax,
		maxSignal:    DefaultMaxSignalSize,
		replyTimeout: DefaultReplyTimeout,

		recoveryPages:    DefaultRecoveryPages,
		recoveryMessages: DefaultRecoveryMessages,
		recoveryBytes:    DefaultRecoveryBytes,
	}
	transport.Apply(&lo, opts)
	if lo.err == nil && lo.dedupWindow < lo.lookback {
		lo.err = transport.Errorf("botpress: the dedup window %v is shorter than the lookback %v", lo.dedupWindow, lo.lookback)
	}
	return lo, lo.err
}

func (lo *listenOptions) fail(format string, args ...any) {
	lo.err = transport.Errorf("botpress: "+format, args...)
}

// WithCallOptions applies opts to the requests of the listen: the stream's
// and those of the recovery (listMessages, listParticipants), or
// SendAndWait's. WithUserKey there listens as another user.
func WithCallOptions(opts ...Option) ListenOption {
	return func(lo *listenOptions) { lo.call = append(slices.Clip(lo.call), opts...) }
}

// WithWatchdog sets how long a stream may send nothing, not even a
// keep-alive, before it is taken for dead and closed (Listen then
// reconnects). Zero turns the watchdog off. Default: 60 s.
func WithWatchdog(d time.Duration) ListenOption {
	return func(lo *listenOptions) {
		if d < 0 {
			lo.fail("negative watchdog %v", d)
			return
		}
		lo.watchdog = d
	}
}

// WithReconnectDelay sets the backoff between Listen's reconnections: the
// first waits about base, each next one twice as long, never more than
// max, each jittered down by up to half. A stream that got through resets
// it. The stream's own retry field, or a Retry-After, can make a wait
// longer, up to max. Defaults: 500 ms and 30 s.
func WithReconnectDelay(base, max time.Duration) ListenOption {
	return func(lo *listenOptions) {
		if base <= 0 || max < base {
			lo.fail("invalid reconnect delays %v, %v: base must be positive and max at least base", base, max)
			return
		}
		lo.base, lo.max = base, max
	}
}

// WithMaxReconnects makes Listen give up, yielding the last error, after n
// reconnections in a row that get no stream through. Zero, the default,
// never gives up on errors that may pass (network errors, 408, 429, 5xx);
// other errors (401, 403, 404 ...) end Listen at once.
func WithMaxReconnects(n int) ListenOption {
	return func(lo *listenOptions) {
		if n < 0 {
			lo.fail("negative reconnect count %d", n)
			return
		}
		lo.maxReconnects = n
	}
}

// WithLookback sets how far before the newest message delivered a
// recovery looks for messages not delivered yet. Default: 30 s.
func WithLookback(d time.Duration) ListenOption {
	return func(lo *listenOptions) {
		if d < 0 {
			lo.fail("negative lookback %v", d)
			return
		}
		lo.lookback = d
	}
}

// WithDedup bounds the memory that keeps each message from being delivered
// twice: the IDs of the messages created at most window before the newest
// delivered, and at most max of them. window must be at least the
// lookback. Defaults: 10 min and 10,000.
func WithDedup(window time.Duration, max int) ListenOption {
	return func(lo *listenOptions) {
		if window <= 0 || max < 1 {
			lo.fail("invalid dedup window %v and size %d: both must be positive", window, max)
			return
		}
		lo.dedupWindow, lo.dedupMax = window, max
	}
}

// WithMaxSignalSize bounds, in bytes, a line of the stream and the data of
// one event. Default: 4 MiB.
func WithMaxSignalSize(n int) ListenOption {
	return func(lo *listenOptions) {
		if n < 1 {
			lo.fail("invalid signal size %d", n)
			return
		}
		lo.maxSignal = n
	}
}

// WithOnReconnect calls f, on Listen's goroutine, with the reason each time
// the stream is lost (or could not be opened), before Listen waits and
// reconnects.
func WithOnReconnect(f func(err error)) ListenOption {
	return func(lo *listenOptions) { lo.onReconnect = f }
}

// WithResumeAfter makes Listen start after m instead of now: once
// connected, it first delivers the messages created after m (by
// creation time; m excluded), as recovered ones, then the live signals. An
// app that saved the last message it handled resumes with it after a
// restart, with nothing lost. SendAndWait uses it with the message sent.
// Of WithResumeAfter, WithResumeAfterID, WithResumeAfterTime and
// WithHistory, the last given wins.
func WithResumeAfter(m chatgen.Message) ListenOption {
	return func(lo *listenOptions) { lo.from, lo.after = startAfterMessage, &m }
}

// WithResumeAfterID makes Listen start after the message with this ID,
// when only its ID is known: the Last-Event-ID a browser's EventSource
// sends back when a server relays the conversation to it with each
// message's ID as the event ID, or an ID an app saved. Once connected,
// Listen reads listMessages from the newest message down to that one (no
// getMessage) and delivers every message newer than it, oldest first, as
// recovered ones, each once, then the live signals. Messages created in the
// same millisecond are told apart by listMessages' order: those it lists
// after the ID (older) are not delivered.
//
// If listMessages, read to the beginning of the conversation, does not
// hold the message, Listen ends with an error wrapping ErrResumeNotFound;
// if reaching it takes more than the recovery bounds (WithRecoveryLimit,
// WithRecoveryBytes), with one wrapping ErrRecoveryLimit. An empty id is
// an invalid option.
func WithResumeAfterID(id string) ListenOption {
	return func(lo *listenOptions) {
		if id == "" {
			lo.fail("WithResumeAfterID: empty message ID")
			return
		}
		lo.from, lo.afterID = startAfterID, id
	}
}

// WithResumeAfterTime makes Listen start after a time: once connected, it
// first delivers, oldest first and as recovered ones, the messages created
// strictly after t (one created at t itself is not delivered: to resume
// after a message, use WithResumeAfterID or WithResumeAfter), then the live
// signals. The zero time starts at the beginning of the conversation, as
// WithHistory.
func WithResumeAfterTime(t time.Time) ListenOption {
	return func(lo *listenOptions) { lo.from, lo.afterTime = startAfterTime, t }
}

// WithHistory makes Listen start at the beginning of the conversation:
// once connected, it first delivers every message already there, oldest
// first, as recovered ones, then the live signals. It suits a conversation
// the app has just created, where nothing can then be missed between its
// creation and the loop's start (a bot that greets first, a message sent
// before the stream is open); on a long conversation it reads all of it,
// and one longer than the recovery bounds ends Listen with an error
// wrapping ErrRecoveryLimit (see WithRecoveryLimit).
func WithHistory() ListenOption {
	return func(lo *listenOptions) { lo.from = startHistory }
}

// WithRecoveryLimit bounds each walk of listMessages that Listen makes
// (the first look, which finds where "new" starts, and the recovery after
// each connection, which reads back to the messages already delivered, to
// the message WithResumeAfterID names, or, under WithHistory, to the
// beginning): at most pages pages and messages messages read. With
// WithRecoveryBytes, this bounds the memory a walk holds (the messages it
// will deliver, oldest first, once it is done) and its work, whatever a
// server answers. A walk that needs more ends Listen with an error wrapping
// ErrRecoveryLimit that names the bound. Both must be positive. Defaults:
// 1,000 pages and 10,000 messages.
func WithRecoveryLimit(pages, messages int) ListenOption {
	return func(lo *listenOptions) {
		if pages < 1 || messages < 1 {
			lo.fail("invalid recovery limit of %d pages and %d messages: both must be positive", pages, messages)
			return
		}
		lo.recoveryPages, lo.recoveryMessages = pages, messages
	}
}

// WithRecoveryBytes bounds the bytes of the listMessages answers that one
// walk of Listen reads, all pages together (a page is read no further than
// what is left); past it, Listen ends with an error wrapping
// ErrRecoveryLimit. The listParticipants answers a recovery reads to tell
// users from the bot are bounded by it too, each. Default: 64 MiB.
func WithRecoveryBytes(n int) ListenOption {
	return func(lo *listenOptions) {
		if n < 1 {
			lo.fail("invalid recovery size %d: must be positive", n)
			return
		}
		lo.recoveryBytes = n
	}
}

// WithReplyTimeout bounds SendAndWait's wait for the answer; zero leaves
// only ctx to bound it. Default: 60 s.
func WithReplyTimeout(d time.Duration) ListenOption {
	return func(lo *listenOptions) {
		if d < 0 {
			lo.fail("negative reply timeout %v", d)
			return
		}
		lo.replyTimeout = d
	}
}

// Listen yields the signals of a conversation as they happen, for as long
// as ctx lasts or the loop goes on. It is ListenConversation made
// reliable:
//
//   - A watchdog closes a stream that stays silent (WithWatchdog), and a
//     lost stream is reopened after a jittered exponential backoff
//     (WithReconnectDelay), as long as the error may pass; an error that
//     will not (401, 403, 404: the user was removed from the conversation,
//     say) is yielded once and ends Listen.
//   - No message is lost, none is delivered twice: after each
//     (re)connection, before the live signals, Listen delivers, oldest
//     first, the messages created while it was not connected, read with
//     listMessages (newest first, down to the newest message already
//     delivered, less the lookback), as MessageCreated with Recovered set.
//     Each message is delivered once, by ID; see WithDedup for the bound.
//     To know where "new" starts, Listen first reads the newest message of
//     the conversation (one listMessages call), unless WithResumeAfter or
//     WithHistory says.
//   - Only messages are recovered: the other signals sent while it was not
//     connected (events, participants, deletions) are not.
//   - The keep-alives, the events not named message, and the signals that
//     cannot be read are skipped (a skipped message comes back with the
//     next recovery only if the stream is lost); a signal of a type this
//     package does not know comes as *UnknownSignal.
//   - Its memory is bounded whatever the server sends: a signal by
//     WithMaxSignalSize (a larger one drops the stream, ErrSignalTooLarge),
//     the IDs it remembers by WithDedup, and each walk of listMessages by
//     WithRecoveryLimit and WithRecoveryBytes. A walk that would go past
//     its bound ends Listen with an error wrapping ErrRecoveryLimit, rather
//     than skip messages.
//
// It listens over server-sent events, or, with WithWebSocket, over a
// WebSocket, with the same guarantees.
//
// Listen sends requests only while the loop runs, and reads the stream on
// the loop's goroutine (it starts none of its own); ending the loop or ctx
// closes the connection: nothing is left running. ctx ending is not an
// error: the loop just ends.
func (c *Client) Listen(ctx context.Context, conversationID string, opts ...ListenOption) iter.Seq2[Signal, error] {
	op, build, err := listenConversationRequest(conversationID)
	if err != nil {
		return failed[Signal](err)
	}
	return func(yield func(Signal, error) bool) {
		lo, cfg, err := c.listenSetup(ctx, op, opts)
		if err != nil {
			yield(nil, err)
			return
		}
		l := &listener{
			c: c, cfg: cfg, op: op, build: build, convID: conversationID, lo: lo,
			seen:    seenSet{ids: map[string]struct{}{}, window: lo.dedupWindow, max: lo.dedupMax},
			authors: map[string]bool{},
			self:    userIDOfKey(cfg.userKey),
		}
		if c.user != nil && cfg.userKey == c.cfg.userKey {
			l.self = c.user.ID
		}
		switch lo.from {
		case startAfterMessage:
			m := lo.after
			l.mark, l.start, l.marked = m.CreatedAt, m.CreatedAt, true
			l.seen.add(m.ID, m.CreatedAt)
		case startHistory:
			l.marked = true // from the beginning: no first look, no start
		case startAfterID:
			// No first look: the first recovery reads down to the message.
			l.resumeID, l.marked = lo.afterID, true
		case startAfterTime:
			t := lo.afterTime
			l.mark, l.start, l.marked, l.startExcluded = t, t, true, !t.IsZero()
		}
		l.run(ctx, yield)
	}
}

// listener is the state of one Listen.
type listener struct {
	c      *Client
	cfg    config
	op     operation
	build  transport.Builder
	convID string
	lo     listenOptions

	seen          seenSet
	mark          time.Time // newest creation time delivered, or of the first look
	start         time.Time // where Listen started: no recovery looks before it
	startExcluded bool      // a message created at start itself is not new (WithResumeAfterTime)
	marked        bool      // mark and start are known (zero: an empty conversation)
	resumeID      string    // WithResumeAfterID's message, until a recovery found it

	self    string          // the listening user's ID
	authors map[string]bool // author → whether the bot, as learned

	lastID string        // the stream's last event ID, sent back on reconnecting
	retry  time.Duration // the stream's reconnection time, if it gave one
}

// maxAuthors bounds listener.authors; past it, what was learned is forgotten.
const maxAuthors = 10_000

// run connects, serves and reconnects until the loop stops, ctx ends, or
// an error that will not pass.
func (l *listener) run(ctx context.Context, yield func(Signal, error) bool) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	failures := 0
	for {
		got, err := l.session(ctx, yield)
		if err == errStopped || ctx.Err() != nil {
			return
		}
		if got {
			failures = 0
		}
		wait, ok := l.delay(failures, err)
		if !ok {
			yield(nil, err)
			return
		}
		if l.lo.maxReconnects > 0 && failures >= l.lo.maxReconnects {
			yield(nil, transport.Errorf("botpress: listen: gave up after %d reconnections: %w", failures, err))
			return
		}
		failures++
		if l.lo.onReconnect != nil {
			l.lo.onReconnect(err)
		}
		if lg := l.cfg.Logger; lg != nil {
			lg.LogAttrs(ctx, slog.LevelDebug, "botpress listen: reconnecting",
				slog.String("conversation", l.convID), slog.String("error", err.Error()), slog.Duration("wait", wait))
		}
		if transport.Sleep(ctx, wait) != nil {
			return
		}
	}
}

// session makes one connection: the first look if needed, the stream, the
// recovery, then the live signals until the stream ends. got says whether
// the stream got through (a byte came). It returns errStopped when the
// loop stopped.
func (l *listener) session(ctx context.Context, yield func(Signal, error) bool) (got bool, err error) {
	if !l.marked {
		if err := l.firstLook(ctx); err != nil {
			return false, err
		}
	}
	cn, err := openListen(ctx, &l.cfg, l.op, l.build, &l.lo, l.lastID)
	if err != nil {
		return false, err
	}
	recovered := false
	defer func() {
		cn.close()
		// A stream that got through, but not a recovery that failed, nor a
		// stream that sent a signal too large: the backoff goes on growing
		// for those.
		got = recovered && cn.gotThrough() && !errors.Is(err, ErrSignalTooLarge)
		var retry time.Duration
		l.lastID, retry = cn.resumeState()
		if retry > 0 {
			l.retry = retry
		}
	}()
	missed, err := l.recover(ctx)
	if err != nil {
		return false, err
	}
	recovered = true
	for i, s := range missed {
		missed[i] = nil // delivered: not held while the loop runs
		l.remember(s.Message)
		if !yield(s, nil) {
			return false, errStopped
		}
	}
	err = cn.each(ctx, func(s Signal) bool {
		if m, ok := s.(*MessageCreated); ok {
			l.learn(m.Message.UserID, m.IsBot)
			if l.seen.has(m.Message.ID) {
				return true
			}
			l.remember(m.Message)
		}
		return yield(s, nil)
	})
	if errors.Is(err, io.EOF) {
		err = errors.New("the server closed the stream")
	}
	if err != errStopped && err != ctx.Err() {
		err = transport.Errorf("botpress: %s: %w", l.op.name, err)
	}
	return false, err
}

// firstLook reads the newest message, before the first stream is opened:
// its creation time is where Listen starts. The messages created then are
// marked as seen, not delivered; no recovery looks before.
func (l *listener) firstLook(ctx context.Context) error {
	var mark time.Time
	var ids []seenEntry
	err := l.walkMessages(ctx, "the first look", "a message older than the newest", func(m chatgen.Message) bool {
		if mark.IsZero() {
			mark = m.CreatedAt
		}
		if m.CreatedAt.Before(mark) {
			return false
		}
		ids = append(ids, seenEntry{m.ID, m.CreatedAt})
		return true
	})
	if err != nil {
		return err
	}
	for _, e := range ids {
		l.seen.add(e.id, e.at)
	}
	l.seen.prune(mark)
	l.mark, l.start, l.marked = mark, mark, true
	return nil
}

// recover returns, oldest first, the messages not delivered yet that were
// created since the mark less the lookback (but not before the start),
// read from the newest with listMessages; or, while resumeID is set, the
// messages newer than that one.
func (l *listener) recover(ctx context.Context) ([]*MessageCreated, error) {
	floor := l.mark.Add(-l.lo.lookback)
	if floor.Before(l.start) {
		floor = l.start
	}
	target := "the messages already delivered"
	switch {
	case l.resumeID != "":
		target = fmt.Sprintf("message %q (WithResumeAfterID)", l.resumeID)
	case l.mark.IsZero():
		target = "the beginning of the conversation"
	}
	var missed []chatgen.Message
	// A message can come on two pages: one created during the walk shifts
	// the pages of an API that pages by offset.
	inBatch := map[string]bool{}
	// Resuming after an ID: the message, once found, and those listed after
	// it that were created in the same millisecond (older, by the API's
	// order) are marked as seen, not delivered.
	var found bool
	var at time.Time
	var older []seenEntry
	err := l.walkMessages(ctx, "a recovery", target, func(m chatgen.Message) bool {
		switch {
		case l.resumeID != "":
			if found || m.ID == l.resumeID {
				if found && !m.CreatedAt.Equal(at) {
					return false
				}
				found, at = true, m.CreatedAt
				older = append(older, seenEntry{m.ID, m.CreatedAt})
				return true
			}
		case l.mark.IsZero():
			// Nothing delivered yet and no start (an empty conversation, or
			// WithHistory): everything is new.
		case m.CreatedAt.Before(floor), l.startExcluded && !m.CreatedAt.After(l.start):
			// Delivered already, or there before the start.
			return false
		}
		if !l.seen.has(m.ID) && !inBatch[m.ID] {
			inBatch[m.ID] = true
			missed = append(missed, m)
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	if l.resumeID != "" {
		if !found {
			return nil, transport.Errorf("botpress: listen: %w: message %q is not among the messages of conversation %q (WithResumeAfterID)", ErrResumeNotFound, l.resumeID, l.convID)
		}
		for _, e := range older {
			l.seen.add(e.id, e.at)
		}
		l.start, l.resumeID = at, ""
		if at.After(l.mark) {
			l.mark = at
		}
		l.seen.prune(l.mark)
	}
	if len(missed) == 0 {
		return nil, nil
	}
	slices.Reverse(missed) // the API gives the newest first
	slices.SortStableFunc(missed, func(a, b chatgen.Message) int { return a.CreatedAt.Compare(b.CreatedAt) })
	out := make([]*MessageCreated, 0, len(missed))
	participants := false
	for _, m := range missed {
		isBot, known := l.isBot(m.UserID)
		if !known && !participants {
			participants = true
			l.learnParticipants(ctx)
			isBot, _ = l.isBot(m.UserID)
		}
		out = append(out, &MessageCreated{Message: m, IsBot: isBot, Recovered: true})
	}
	return out, nil
}

// walkMessages reads listMessages from the newest message, one page at a
// time, handing each message to f until f returns false or the last page
// is read, within the bounds of one walk (WithRecoveryLimit,
// WithRecoveryBytes): past one, it returns an error wrapping
// ErrRecoveryLimit that names the walk (what), where it was going (target)
// and the bound.
func (l *listener) walkMessages(ctx context.Context, what, target string, f func(chatgen.Message) bool) error {
	lo := &l.lo
	past := func(n int, unit, option string) error {
		return transport.Errorf("botpress: listen: %w: %s would read more than %d %s of listMessages without reaching %s; %s raises the bound",
			ErrRecoveryLimit, what, n, unit, target, option)
	}
	op := operation{name: "listMessages", method: "GET", path: "/conversations/{conversationId}/messages", auth: true}
	build := func(ctx context.Context, base *transport.Endpoint) (*http.Request, error) {
		return transport.NewRequest(ctx, base, "GET", nil, "/conversations/%s/messages", l.convID)
	}
	pages, messages, size := 0, 0, 0
	fetch := func(ctx context.Context, token *string) ([]chatgen.Message, string, error) {
		if pages == lo.recoveryPages {
			return nil, "", past(lo.recoveryPages, "pages", "chat.WithRecoveryLimit")
		}
		if size >= lo.recoveryBytes {
			return nil, "", past(lo.recoveryBytes, "bytes", "chat.WithRecoveryBytes")
		}
		pages++
		cfg := l.cfg
		cfg.MaxBody = lo.recoveryBytes - size
		op := op
		op.params = &chatgen.ListMessagesParams{NextToken: token}
		body, err := cfg.send(ctx, op, build)
		var tooLarge *transport.TooLargeError
		if errors.As(err, &tooLarge) {
			return nil, "", past(lo.recoveryBytes, "bytes", "chat.WithRecoveryBytes")
		}
		if err != nil {
			return nil, "", err
		}
		size += len(body)
		page, err := transport.Decode[chatgen.ListMessagesResponse](op.name, body)
		if err != nil {
			return nil, "", err
		}
		return page.Messages, transport.TokenString(page.Meta.NextToken), nil
	}
	for page, err := range transport.Pages(ctx, op.name, nil, l.cfg.MaxEmptyPages, fetch) {
		if err != nil {
			return err
		}
		for _, m := range page.Items {
			if messages == lo.recoveryMessages {
				return past(lo.recoveryMessages, "messages", "chat.WithRecoveryLimit")
			}
			messages++
			if !f(m) {
				return nil
			}
		}
	}
	return nil
}

// isBot says whether author is the bot, as far as the listener knows, and
// whether it knows: the listening user and the participants are not, an
// author the stream named is as it said; an unknown author is taken for
// the bot.
func (l *listener) isBot(author string) (bot, known bool) {
	if author == l.self {
		return false, true
	}
	if b, ok := l.authors[author]; ok {
		return b, true
	}
	return true, false
}

// learnParticipants notes the conversation's participants as users. A
// failure leaves the guess as it is: it only tells recovered messages'
// authors apart.
//
// It reads at most the pages of WithRecoveryLimit, each bounded by
// WithRecoveryBytes, and forgets nothing it learned when stopped there.
func (l *listener) learnParticipants(ctx context.Context) {
	pages := 0
	opts := append(slices.Clip(l.lo.call), withMaxBody(l.lo.recoveryBytes))
	for page, err := range l.c.ListParticipantsPages(ctx, l.convID, nil, opts...) {
		if err == nil {
			for _, u := range page.Items {
				l.learn(u.ID, false)
			}
			if pages++; pages < l.lo.recoveryPages || page.Last() {
				continue
			}
			err = fmt.Errorf("%w: more than %d pages of listParticipants (chat.WithRecoveryLimit)", ErrRecoveryLimit, pages)
		}
		if lg := l.cfg.Logger; lg != nil {
			lg.LogAttrs(ctx, slog.LevelDebug, "botpress listen: participants unknown", slog.String("error", err.Error()))
		}
		return
	}
}

// learn notes whether author is the bot.
func (l *listener) learn(author string, bot bool) {
	if len(l.authors) >= maxAuthors {
		clear(l.authors)
	}
	l.authors[author] = bot
}

// remember marks m as delivered.
func (l *listener) remember(m chatgen.Message) {
	l.seen.add(m.ID, m.CreatedAt)
	if m.CreatedAt.After(l.mark) {
		l.mark = m.CreatedAt
	}
	l.seen.prune(l.mark)
}

// delay is the wait before reconnection n (from 0) after err, and whether
// to reconnect at all: not after an error that will not pass by waiting
// (a 4xx other than 408 and 429, a missing argument, an answer that is not
// a stream), nor when the server asks to wait longer than the client's
// WithMaxRetryAfter.
func (l *listener) delay(n int, err error) (time.Duration, bool) {
	if errors.Is(err, ErrMissingArgument) || errors.Is(err, ErrInvalidArgument) ||
		errors.Is(err, ErrNotEventStream) || errors.Is(err, ErrNotWebSocket) || errors.Is(err, ErrMalformedResponse) ||
		errors.Is(err, ErrRecoveryLimit) || errors.Is(err, ErrResumeNotFound) ||
		errors.Is(err, transport.ErrRepeatedToken) {
		return 0, false
	}
	d := transport.Backoff(n, l.lo.base, l.lo.max)
	if l.retry > d {
		d = min(l.retry, l.lo.max)
	}
	var apiErr *bperrors.APIError
	if errors.As(err, &apiErr) {
		if s := apiErr.StatusCode; s != http.StatusRequestTimeout && s != http.StatusTooManyRequests && s < 500 {
			return 0, false
		}
		if apiErr.HasRetryAfter {
			if apiErr.RetryAfter > l.cfg.MaxRetryAfter {
				return 0, false
			}
			d = max(d, apiErr.RetryAfter)
		}
	}
	return d, true
}

// seenSet holds the IDs of the messages delivered, to deliver none twice,
// in bounded memory: an ID goes once its message was created more than the
// window before the mark (recoveries never look that far back), or when
// the set holds more than max, the oldest added first.
type seenSet struct {
	ids    map[string]struct{}
	queue  []seenEntry // in the order added; queue[head:] are live
	head   int
	window time.Duration
	max    int
}

type seenEntry struct {
	id string
	at time.Time
}

func (s *seenSet) has(id string) bool {
	_, ok := s.ids[id]
	return ok
}

func (s *seenSet) add(id string, at time.Time) {
	if s.has(id) {
		return
	}
	s.ids[id] = struct{}{}
	s.queue = append(s.queue, seenEntry{id, at})
}

// prune drops what the bounds allow, given the mark.
func (s *seenSet) prune(mark time.Time) {
	oldest := mark.Add(-s.window)
	for s.head < len(s.queue) {
		e := s.queue[s.head]
		if len(s.queue)-s.head <= s.max && !e.at.Before(oldest) {
			break
		}
		delete(s.ids, e.id)
		s.queue[s.head] = seenEntry{}
		s.head++
	}
	if s.head > 64 && s.head > len(s.queue)/2 {
		n := copy(s.queue, s.queue[s.head:])
		clear(s.queue[n:])
		s.queue, s.head = s.queue[:n], 0
	}
}

// ErrStreamAborted is wrapped by the error of SendAndWait and SendAndStream
// when the bot gives up the reply it was streaming (message_stream_abort)
// before it answers with a message.
var ErrStreamAborted = errors.New("the bot aborted its streamed reply")

// SendAndWait sends payload as a message of the user to the conversation
// and returns the bot's answer: the first message the bot creates after the
// one sent. It listens as Listen does, from the message sent
// (WithResumeAfter), so that an answer that comes before the stream is open
// is not missed. The wait is bounded by ctx and by WithReplyTimeout
// (default 60 s); without an answer by then, the error wraps
// context.DeadlineExceeded. To read more than the first answer, use
// Listen with WithResumeAfter.
//
// A reply the bot streams is returned as its final message, as soon as
// message_stream_complete brings it (or message_created, if that one is
// lost); if the bot aborts it first, the error wraps ErrStreamAborted.
// SendAndStream also shows the text as it grows.
func (c *Client) SendAndWait(ctx context.Context, conversationID string, payload message.Payload, opts ...ListenOption) (*chatgen.Message, error) {
	return c.sendAndWait(ctx, "sendAndWait", conversationID, payload, nil, opts)
}

// SendAndStream is SendAndWait that calls onText, on its goroutine, each
// time the text of the bot's streamed reply grows (see Assemble: the pieces
// in order, each StreamText holding the whole text so far), before it
// returns the reply's final message. A reply that is not streamed calls
// onText never. A nil onText makes it SendAndWait.
func (c *Client) SendAndStream(ctx context.Context, conversationID string, payload message.Payload, onText func(*StreamText), opts ...ListenOption) (*chatgen.Message, error) {
	return c.sendAndWait(ctx, "sendAndStream", conversationID, payload, onText, opts)
}

func (c *Client) sendAndWait(ctx context.Context, name, conversationID string, payload message.Payload, onText func(*StreamText), opts []ListenOption) (*chatgen.Message, error) {
	if ctx == nil {
		return nil, transport.Errorf("botpress: %s: nil context", name)
	}
	lo, err := newListenOptions(opts)
	if err != nil {
		return nil, transport.Errorf("botpress: %s: %w", name, transport.Unprefix(err))
	}
	if lo.replyTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, lo.replyTimeout)
		defer cancel()
	}
	sent, err := c.CreateMessage(ctx, chatgen.CreateMessageBody{ConversationID: conversationID, Payload: payload}, lo.call...)
	if err != nil {
		return nil, err
	}
	// Assembled: a streamed reply's final message comes once, with its
	// message_stream_complete; the pieces make the text.
	for s, err := range Assemble(c.Listen(ctx, conversationID, append(slices.Clip(opts), WithResumeAfter(sent.Message))...)) {
		if err != nil {
			return nil, transport.Errorf("botpress: %s: %w", name, err)
		}
		switch s := s.(type) {
		case *StreamText:
			if onText != nil {
				onText(s)
			}
		case *MessageStreamAbort:
			return nil, transport.Errorf("botpress: %s: stream %q: %w", name, s.StreamID, ErrStreamAborted)
		case *MessageCreated:
			if s.IsBot && s.Message.ID != sent.Message.ID {
				return &s.Message, nil
			}
		}
	}
	return nil, transport.Errorf("botpress: %s: no answer from the bot: %w", name, cmp.Or(ctx.Err(), context.DeadlineExceeded))
}

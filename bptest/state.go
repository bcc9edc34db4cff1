package bptest

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"os"
	"time"

	"github.com/botpress-go/sdk/gen"
	"github.com/botpress-go/sdk/message"
)

// state is everything the server keeps. The Server's mutex guards it.
type state struct {
	srv   *Server
	ids   ids
	now   func() time.Time
	bots  map[string]*botState
	admin *adminState
	chat  *chatState // the Chat API's IDs, for the server's first bot
	// billing is each workspace's billing, made at its first billing call
	// (billing.go).
	billing map[string]*blState
	// usage holds the seeded usage activity entries, by usageKey (id and
	// type), and integrationLogs the seeded logs of integrations, by
	// integration ID (observed.go).
	usage           map[string]*collection[gen.UsageActivity]
	integrationLogs map[string]*collection[gen.LogEntry]
}

// botState is what one bot owns: runtime resources, files and tables.
type botState struct {
	id            string
	createdAt     time.Time
	name          string            // the seeded name, if any
	tags          map[string]string // the seeded tags, if any
	users         *collection[gen.User]
	conversations *collection[gen.Conversation]
	participants  map[string]*collection[string] // conversation ID → user IDs
	messages      *collection[gen.Message]
	events        *collection[gen.Event]
	eventWorkflow map[string]string        // event ID → the workflow it names (gen.Event has no field for it)
	states        *collection[*stateEntry] // keyed by stateKey
	tasks         *collection[gen.Task]
	workflows     *collection[gen.Workflow]
	files         *fileState
	tables        *tableState
	// What Botpress observes while the bot runs, seeded (observed.go).
	issues     *collection[IssueSeed]
	actionRuns *collection[gen.ActionRun]
	activities *collection[gen.Activity]
	logs       *collection[gen.LogEntry]
	// analytics holds the seeded analytics records by UTC day (2006-01-02).
	analytics map[string]gen.GetBotAnalyticsResponse_Records
}

// stateEntry is a stored state and when it expires, if it does.
type stateEntry struct {
	state     gen.State
	expiry    time.Duration // idle time before it expires; 0 for never
	expiresAt time.Time
}

func stateKey(typ, owner, name string) string { return typ + "/" + owner + "/" + name }

func newState(s *Server, rng *rand.Rand) *state {
	now := s.settings.clock
	if now == nil {
		now = time.Now
	}
	return &state{
		srv: s, ids: ids{rng: rng}, now: now, bots: map[string]*botState{}, admin: newAdminState(), chat: newChatState(),
		usage: map[string]*collection[gen.UsageActivity]{}, integrationLogs: map[string]*collection[gen.LogEntry]{},
	}
}

// addBot gives a bot its (empty) resources, once.
func (st *state) addBot(id string) *botState {
	if b, ok := st.bots[id]; ok {
		return b
	}
	b := &botState{
		id:            id,
		createdAt:     st.now(),
		users:         newCollection[gen.User](),
		conversations: newCollection[gen.Conversation](),
		participants:  map[string]*collection[string]{},
		messages:      newCollection[gen.Message](),
		events:        newCollection[gen.Event](),
		eventWorkflow: map[string]string{},
		states:        newCollection[*stateEntry](),
		tasks:         newCollection[gen.Task](),
		workflows:     newCollection[gen.Workflow](),
		files:         newFileState(),
		tables:        newTableState(),
		issues:        newCollection[IssueSeed](),
		actionRuns:    newCollection[gen.ActionRun](),
		activities:    newCollection[gen.Activity](),
		logs:          newCollection[gen.LogEntry](),
		analytics:     map[string]gen.GetBotAnalyticsResponse_Records{},
	}
	st.bots[id] = b
	return b
}

// bot returns the state of the bot a request acts on. The pipeline has
// checked that it exists.
func (st *state) bot(id string) *botState { return st.bots[id] }

// pageSize is how many items a list answers per page.
func (st *state) pageSize() int { return st.srv.settings.pageSize }

// pageSizeOf is the size of a page for a list that asked for requested
// items (a list operation's pageSize parameter, nil when left out): the
// server's page size when left out, never more than its maximum
// (WithMaxPageSize). A size below 1 is refused by the spec's validation
// before it gets here.
func (st *state) pageSizeOf(requested *int) int {
	if requested == nil {
		return st.pageSize()
	}
	return max(1, min(*requested, st.srv.settings.maxPageSize))
}

// SeedData is what WithSeedData loads and Server.Seed adds, and the JSON
// format of botpress-mock's -seed-data file: runtime resources per bot, and
// what Botpress records about bots, integrations and workspaces (issues,
// action runs, activities, logs, usage activity; see observed.go), in the
// shapes the API answers with. IDs may be left out; timestamps default to
// now. A conversation's messageCount is counted from the seed's messages.
// Server.Dump writes a server's state in this format.
type SeedData struct {
	Bots map[string]BotSeed `json:"bots"`
	// UsageActivity maps the ID of a bot or workspace to usage types
	// (invocation_calls, ai_spend, ...) and their entries.
	UsageActivity map[string]map[string][]gen.UsageActivity `json:"usageActivity"`
	// IntegrationLogs maps an integration ID to its log lines.
	IntegrationLogs map[string][]gen.LogEntry `json:"integrationLogs"`
	// Invoices maps a workspace ID to invoices it was issued, in the shape
	// listInvoices answers (billing_workspace.go).
	Invoices map[string][]gen.Invoice `json:"invoices"`
	// Billing maps a workspace ID to its subscription: a plan of the
	// catalogue and its interval (seed_more.go).
	Billing map[string]BillingSeed `json:"billing,omitempty"`
	// Integrations, Plugins and Interfaces are versions of the server's
	// workspace, each as the JSON object its get call answers (or its
	// create body), with its visibility (public, unlisted or private;
	// interfaces: public true or false): what the Hub answers from
	// (hub.go).
	Integrations []map[string]any `json:"integrations,omitempty"`
	Plugins      []map[string]any `json:"plugins,omitempty"`
	Interfaces   []map[string]any `json:"interfaces,omitempty"`
}

// BotSeed holds the resources of one bot.
type BotSeed struct {
	// Name, Tags and CreatedAt are the bot's, as getBot and listBots
	// answer them: by default its ID, none and now.
	Name          string             `json:"name,omitempty"`
	Tags          map[string]string  `json:"tags,omitempty"`
	CreatedAt     time.Time          `json:"createdAt,omitzero"`
	Users         []gen.User         `json:"users"`
	Conversations []gen.Conversation `json:"conversations"`
	Messages      []gen.Message      `json:"messages"`
	Tasks         []gen.Task         `json:"tasks"`
	Workflows     []gen.Workflow     `json:"workflows"`
	// Participants maps a conversation ID to the IDs of its users.
	Participants map[string][]string `json:"participants"`
	// Issues are the bot's issues, each with its events.
	Issues []IssueSeed `json:"issues"`
	// ActionRuns are the bot's calls to integration actions; each names
	// its integrationName.
	ActionRuns []gen.ActionRun `json:"actionRuns"`
	// Activities are the log entries of the bot's tasks; each names its
	// taskId.
	Activities []gen.Activity `json:"activities"`
	// Logs are the bot's log lines.
	Logs []gen.LogEntry `json:"logs"`
	// Analytics are the bot's daily analytics records, in the shape
	// getBotAnalytics answers (analytics.go).
	Analytics []gen.GetBotAnalyticsResponse_Records `json:"analytics"`
	// Tables are the bot's tables with their schemas and rows.
	Tables []TableSeed `json:"tables,omitempty"`
	// Files are the bot's files, uploaded (and indexed when they ask to
	// be).
	Files []FileSeed `json:"files,omitempty"`
}

// IssueSeed is a bot issue, in the shape getBotIssue answers, and its
// events. Left out: id, createdAt (its earliest event's, or now),
// lastSeenAt (its latest event's, or createdAt), eventsCount (the number
// of events), category (other), resolutionLink (null); an event's id and
// createdAt (now).
type IssueSeed struct {
	gen.Issue
	Events []gen.IssueEvent `json:"events"`
}

// ReadSeedData reads seed data from a JSON file.
func ReadSeedData(path string) (*SeedData, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return DecodeSeedData(f)
}

// DecodeSeedData reads seed data in JSON.
func DecodeSeedData(r io.Reader) (*SeedData, error) {
	var d SeedData
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("seed data: %w", err)
	}
	return &d, nil
}

// load adds seed data, in order, creating the bots it names.
func (st *state) load(d *SeedData) error {
	now := st.now().UTC()
	fix := func(id *string, prefix string, created, updated *time.Time) int64 {
		gen, seq := st.ids.next(prefix)
		if *id == "" {
			*id = gen
		}
		st.ids.observe(*id)
		if created != nil && created.IsZero() {
			*created = now
		}
		if updated != nil && updated.IsZero() {
			*updated = now
		}
		return seq
	}
	for botID := range d.Bots {
		if !admIDOK(botID) {
			return fmt.Errorf("bot ID %q must be 28 to 36 characters long, as the API's are", botID)
		}
	}
	for botID, seed := range d.Bots {
		b := st.addBot(botID)
		b.seedRecord(st, seed)
		for _, u := range seed.Users {
			if u.Tags == nil {
				u.Tags = map[string]string{}
			}
			seq := fix(&u.ID, "user", &u.CreatedAt, &u.UpdatedAt)
			b.users.add(u.ID, seq, u)
		}
		for _, c := range seed.Conversations {
			if c.Tags == nil {
				c.Tags = map[string]string{}
			}
			c.MessageCount = 0 // counted from the seed's messages below
			seq := fix(&c.ID, "conv", &c.CreatedAt, &c.UpdatedAt)
			b.conversations.add(c.ID, seq, c)
		}
		for conv, users := range seed.Participants {
			if _, ok := b.conversations.get(conv); !ok {
				return fmt.Errorf("bot %s: participants of unknown conversation %s", botID, conv)
			}
			for _, u := range users {
				if _, ok := b.users.get(u); !ok {
					return fmt.Errorf("bot %s: unknown participant %s", botID, u)
				}
				b.addParticipant(st, conv, u)
			}
		}
		for _, m := range seed.Messages {
			if _, ok := b.conversations.get(m.ConversationID); !ok {
				return fmt.Errorf("bot %s: message in unknown conversation %s", botID, m.ConversationID)
			}
			if m.Tags == nil {
				m.Tags = map[string]string{}
			}
			if m.Payload == nil {
				m.Payload = message.Raw("{}")
			}
			if m.Direction == "" {
				m.Direction = gen.MessageDirectionIncoming
			}
			seq := fix(&m.ID, "msg", &m.CreatedAt, &m.UpdatedAt)
			b.rtStoreMessage(m.ID, seq, m)
		}
		for _, t := range seed.Tasks {
			if t.Tags == nil {
				t.Tags = map[string]string{}
			}
			if t.Data == nil {
				t.Data = map[string]any{}
			}
			if t.Status == "" {
				t.Status = gen.TaskStatusPending
			}
			if t.TimeoutAt.IsZero() {
				t.TimeoutAt = now.Add(48 * time.Hour)
			}
			seq := fix(&t.ID, "task", &t.CreatedAt, &t.UpdatedAt)
			b.tasks.add(t.ID, seq, t)
		}
		for _, w := range seed.Workflows {
			if w.Tags == nil {
				w.Tags = map[string]string{}
			}
			if w.Input == nil {
				w.Input = map[string]any{}
			}
			if w.Output == nil {
				w.Output = map[string]any{}
			}
			if w.Status == "" {
				w.Status = gen.WorkflowStatusPending
			}
			if w.TimeoutAt.IsZero() {
				w.TimeoutAt = now.Add(48 * time.Hour)
			}
			seq := fix(&w.ID, "wflow", &w.CreatedAt, &w.UpdatedAt)
			b.workflows.add(w.ID, seq, w)
		}
		if err := st.loadObserved(b, seed, now); err != nil {
			return fmt.Errorf("bot %s: %w", botID, err)
		}
		if err := b.loadAnalytics(seed.Analytics); err != nil {
			return fmt.Errorf("bot %s: %w", botID, err)
		}
		if err := st.loadTables(b, seed.Tables, now); err != nil {
			return fmt.Errorf("bot %s: %w", botID, err)
		}
		if err := st.loadFiles(b, seed.Files, now); err != nil {
			return fmt.Errorf("bot %s: %w", botID, err)
		}
	}
	if err := st.loadObservedTop(d, now); err != nil {
		return err
	}
	a := st.adm()
	for _, k := range []struct {
		d    *admDefs
		docs []map[string]any
	}{{a.interfaces, d.Interfaces}, {a.integrations, d.Integrations}, {a.plugins, d.Plugins}} {
		if err := st.loadDefs(k.d, k.docs, now); err != nil {
			return err
		}
	}
	if err := st.loadBilling(d.Billing); err != nil {
		return err
	}
	return st.loadInvoices(d.Invoices, now)
}

// Seed adds d to the running server, as WithSeedData loads it at start:
// bots it names are created, resources added (nothing is signalled to the
// Chat API's listeners). On an error, what came before it is kept. The
// server keeps d's maps: do not change them afterwards.
func (s *Server) Seed(d *SeedData) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.state.load(d); err != nil {
		return fmt.Errorf("bptest: seed data: %w", err)
	}
	return nil
}

// addParticipant adds a user to a conversation once.
func (b *botState) addParticipant(st *state, conv, user string) {
	p := b.participants[conv]
	if p == nil {
		p = newCollection[string]()
		b.participants[conv] = p
	}
	if _, ok := p.get(user); !ok {
		_, seq := st.ids.next("part")
		p.add(user, seq, user)
	}
}

// seedRecord applies the name, tags and creation time of a bot's seed, to
// its admin record too if it has one already.
func (b *botState) seedRecord(st *state, seed BotSeed) {
	if !seed.CreatedAt.IsZero() {
		b.createdAt = seed.CreatedAt.UTC()
	}
	if seed.Name != "" {
		b.name = seed.Name
	}
	if seed.Tags != nil {
		b.tags = maps.Clone(seed.Tags)
	}
	if rec, ok := st.admin.bots.get(b.id); ok {
		b.applyRecord(&rec.bot)
		st.admin.bots.put(b.id, rec)
	}
}

// applyRecord gives a bot's admin record what its seed said.
func (b *botState) applyRecord(bot *gen.Bot) {
	bot.CreatedAt = b.createdAt.UTC()
	if b.name != "" {
		bot.Name = b.name
	}
	if b.tags != nil {
		bot.Tags = maps.Clone(b.tags)
	}
}

package bptest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	gen "github.com/botpress-go/sdk/bptest/internal/server"
)

// Dump returns the server's current state in the seed format: loading it
// into a new server (WithSeedData, Server.Seed, botpress-mock's -seed-data)
// gives the same answers to the calls that read what the format holds. It
// holds, for every bot: its name, tags and creation time, users,
// conversations, participants, messages, tasks, workflows, issues with
// their events, action runs, activities, logs, analytics records, tables
// with their rows, and uploaded files with their content and passages; the
// integrations, plugins and interfaces of the server's workspace and its
// billing plan; and the seeded usage activity (what the server counts
// itself, it counts again from the dumped resources), integration logs and
// the server's workspace's invoices. Items keep their IDs and their order.
//
// A dump leaves out what the seed format cannot hold: states, events,
// files whose content never arrived, knowledge bases, table jobs; admin
// resources other than a bot's name, tags and creation time and the
// definitions above (its definitions, secrets, versions, API keys,
// personal access tokens, preferences, allowlists, members, audit records,
// other workspaces and their definitions, bots of other workspaces —
// dumped as bots of the server's workspace — and their invoices); billing
// add-ons, scheduled changes, trials, payment
// methods and spend limits; the Chat API's keys. Page tokens of the
// dumped server do not work on the new one.
func (s *Server) Dump() (*SeedData, error) {
	s.mu.Lock()
	data, err := json.Marshal(s.state.dump())
	s.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("bptest: dump: %w", err)
	}
	// A copy, read back as seed data is: nothing of it is shared with the
	// server.
	return DecodeSeedData(bytes.NewReader(data))
}

func (st *state) dump() *SeedData {
	d := &SeedData{Bots: map[string]BotSeed{}}
	a := st.adm()
	for id, b := range st.bots {
		seed := BotSeed{
			CreatedAt:     b.createdAt.UTC(),
			Users:         values(b.users),
			Conversations: values(b.conversations),
			Messages:      values(b.messages),
			Tasks:         values(b.tasks),
			Workflows:     values(b.workflows),
			Issues:        values(b.issues),
			ActionRuns:    values(b.actionRuns),
			Activities:    values(b.activities),
			Logs:          values(b.logs),
		}
		if rec, ok := a.bots.get(id); ok {
			seed.CreatedAt = rec.bot.CreatedAt.UTC()
			if rec.bot.Name != id {
				seed.Name = rec.bot.Name
			}
			if len(rec.bot.Tags) > 0 {
				seed.Tags = maps.Clone(rec.bot.Tags)
			}
		}
		for _, conv := range slices.Sorted(maps.Keys(b.participants)) {
			if users := values(b.participants[conv]); len(users) > 0 {
				if seed.Participants == nil {
					seed.Participants = map[string][]string{}
				}
				seed.Participants[conv] = users
			}
		}
		for _, day := range slices.Sorted(maps.Keys(b.analytics)) {
			seed.Analytics = append(seed.Analytics, b.analytics[day])
		}
		seed.Tables = dumpTables(b)
		seed.Files = dumpFiles(b)
		d.Bots[id] = seed
	}
	ws := st.srv.WorkspaceID
	d.Integrations = dumpDefs(a.integrations, ws)
	d.Plugins = dumpDefs(a.plugins, ws)
	d.Interfaces = dumpDefs(a.interfaces, ws)
	if b := st.billing[ws]; b != nil && (b.planID != blFreePlan || b.interval != gen.BillingIntervalMonth) {
		d.Billing = map[string]BillingSeed{ws: {Plan: b.planID, Interval: b.interval}}
	}
	for key, c := range st.usage {
		i := strings.LastIndexByte(key, '/')
		id, typ := key[:i], key[i+1:]
		if len(c.order) == 0 {
			continue
		}
		if d.UsageActivity == nil {
			d.UsageActivity = map[string]map[string][]gen.UsageActivity{}
		}
		if d.UsageActivity[id] == nil {
			d.UsageActivity[id] = map[string][]gen.UsageActivity{}
		}
		d.UsageActivity[id][typ] = values(c)
	}
	for id, c := range st.integrationLogs {
		if len(c.order) == 0 {
			continue
		}
		if d.IntegrationLogs == nil {
			d.IntegrationLogs = map[string][]gen.LogEntry{}
		}
		d.IntegrationLogs[id] = values(c)
	}
	if b := st.billing[st.srv.WorkspaceID]; b != nil && len(b.invoices.order) > 0 {
		d.Invoices = map[string][]gen.Invoice{st.srv.WorkspaceID: values(b.invoices)}
	}
	return d
}

// values returns the items of c in creation order.
func values[T any](c *collection[T]) []T {
	out := make([]T, 0, len(c.order))
	for _, r := range c.order {
		out = append(out, r.v)
	}
	return out
}

// observe moves the sequence past the one of id, if id has the shape next
// gives IDs, so that an ID loaded from seed data (a dump's) is never made
// again.
func (g *ids) observe(id string) {
	i := strings.LastIndexByte(id, '_')
	if i < 0 || len(id)-i-1 != 26 {
		return
	}
	if n, err := strconv.ParseInt(id[i+1:i+11], 10, 64); err == nil && n > g.seq {
		g.seq = n
	}
}

package bptest

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/oapi-codegen/nullable"

	gen "github.com/botpress-go/sdk/bptest/internal/server"
)

// Bots: create (which also makes the bot usable in x-bot-id), get, list
// (by dev flag and tags, sorted by createdAt or updatedAt), update (merging
// maps; a null entry removes one), delete (which drops its runtime
// resources). Bots belong to the workspace they were created in (the
// server's bots to the server's workspace) and are only found from it.

// admNewBot makes a bot record with every required property filled, and
// the bot's signing secret. A bot's type is studio unless set.
func (st *state) admNewBot(id string, now time.Time) gen.Bot {
	return gen.Bot{
		ID: id, CreatedAt: now, UpdatedAt: now, Name: id, Type: gen.BotTypeStudio, Secrets: []string{},
		SigningSecret:   st.admNewSigning(id),
		Integrations:    map[string]gen.Bot_Integrations{},
		Plugins:         map[string]gen.Bot_Plugins{},
		User:            gen.Bot_User{Tags: map[string]gen.Bot_User_Tags{}},
		Conversation:    gen.Bot_Conversation{Tags: map[string]gen.Bot_Conversation_Tags{}},
		Message:         gen.Bot_Message{Tags: map[string]gen.Bot_Message_Tags{}},
		States:          map[string]gen.Bot_States{},
		Configuration:   gen.Bot_Configuration{Data: map[string]any{}, Schema: map[string]any{}},
		Events:          map[string]gen.Bot_Events{},
		RecurringEvents: map[string]gen.Bot_RecurringEvents{},
		Subscriptions:   gen.Bot_Subscriptions{Events: nullable.NewNullNullable[map[string]map[string]any]()},
		Actions:         map[string]gen.Bot_Actions{},
		Tags:            map[string]string{},
		Medias:          []gen.Bot_Medias{},
		Status:          gen.BotStatusActive,
		CreatedBy:       ptr(DefaultAccountID),
	}
}

// admObj returns m, or an empty object for nil, so that required objects
// are never null.
func admObj(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return maps.Clone(m)
}

// admClip cuts s to at most n bytes, and replaces an empty result with def.
func admClip(s string, n int, def string) string {
	if len(s) > n {
		s = s[:n]
	}
	if s == "" {
		return def
	}
	return s
}

// admBotView is the answer for a bot: its record with its current signing
// secret.
func (st *state) admBotView(b admBot) gen.Bot {
	out := b.bot
	out.SigningSecret = st.admSigningSecret(out.ID)
	return out
}

// admSetSecrets applies secrets to a bot: a null value removes one. The
// bot's record lists their names, sorted.
func admSetSecrets(b *admBot, secrets map[string]*string) {
	b.secrets = admMerge(b.secrets, secrets, false)
	b.bot.Secrets = append([]string{}, slices.Sorted(maps.Keys(b.secrets))...)
}

// admMerge applies an update to a map of strings: null removes a key, and
// so does "" when emptyRemoves (tags, as elsewhere in bptest).
func admMerge(cur map[string]string, update map[string]*string, emptyRemoves bool) map[string]string {
	out := maps.Clone(cur)
	if out == nil {
		out = map[string]string{}
	}
	for k, v := range update {
		if v == nil || (emptyRemoves && *v == "") {
			delete(out, k)
		} else {
			out[k] = *v
		}
	}
	return out
}

// admIDOK reports whether id has the length the spec gives Botpress IDs.
func admIDOK(id string) bool { return len(id) >= 28 && len(id) <= 36 }

// admBotOf finds a bot of the workspace a request acts on.
func (st *state) admBotOf(ctx context.Context, id string) (admBot, *apiError) {
	a := st.adm()
	ws := workspaceOf(ctx)
	if _, ok := a.workspaces.get(ws); !ok {
		return admBot{}, notFound("workspace", ws)
	}
	b, ok := a.bots.get(id)
	if !ok || b.workspace != ws {
		return admBot{}, notFound("bot", id)
	}
	return b, nil
}

func (h *server) CreateBot(ctx context.Context, req gen.CreateBotRequestObject) (gen.CreateBotResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	a := st.adm()
	ws := workspaceOf(ctx)
	if _, ok := a.workspaces.get(ws); !ok {
		return nil, notFound("workspace", ws)
	}
	id, seq := st.ids.next("bot")
	b := st.admNewBot(id, st.now().UTC())
	in := req.Body
	for k, v := range in.States {
		b.States[k] = gen.Bot_States{Expiry: v.Expiry, Schema: admObj(v.Schema), Type: gen.BotStateType(v.Type)}
	}
	for k, v := range in.Events {
		b.Events[k] = gen.Bot_Events{Attributes: maps.Clone(v.Attributes), Description: v.Description, Schema: admObj(v.Schema), Title: v.Title}
	}
	for k, v := range in.RecurringEvents {
		b.RecurringEvents[k] = gen.Bot_RecurringEvents{
			Payload: admObj(v.Payload), Schedule: gen.Bot_RecurringEvents_Schedule{Cron: v.Schedule.Cron}, Type: v.Type,
			LastFailureReason: nullable.NewNullNullable[string](),
		}
	}
	if in.Subscriptions != nil {
		set := map[string]*map[string]any{}
		events, _ := in.Subscriptions.Events.Get()
		for k := range events {
			set[k] = &map[string]any{}
		}
		b.Subscriptions.Events = admSubscriptions(b.Subscriptions.Events, in.Subscriptions.Events.IsNull(), set)
	}
	for k, v := range in.Actions {
		b.Actions[k] = gen.Bot_Actions{
			Attributes: maps.Clone(v.Attributes), Billable: v.Billable, Cacheable: v.Cacheable, Description: v.Description, Title: v.Title,
			Input: gen.Bot_Actions_Input{Schema: admObj(v.Input.Schema)}, Output: gen.Bot_Actions_Output{Schema: admObj(v.Output.Schema)},
		}
	}
	if c := in.Configuration; c != nil {
		b.Configuration = gen.Bot_Configuration{Data: admObj(c.Data), Schema: admObj(c.Schema)}
	}
	if in.User != nil {
		for k, v := range in.User.Tags {
			b.User.Tags[k] = gen.Bot_User_Tags{Title: v.Title, Description: v.Description}
		}
	}
	if in.Conversation != nil {
		for k, v := range in.Conversation.Tags {
			b.Conversation.Tags[k] = gen.Bot_Conversation_Tags{Title: v.Title, Description: v.Description}
		}
	}
	if in.Message != nil {
		for k, v := range in.Message.Tags {
			b.Message.Tags[k] = gen.Bot_Message_Tags{Title: v.Title, Description: v.Description}
		}
	}
	b.Tags = mergeTags(nil, in.Tags)
	if in.Name != nil {
		b.Name = *in.Name
	}
	b.Description = in.Description
	for _, m := range in.Medias {
		b.Medias = append(b.Medias, gen.Bot_Medias{Name: m.Name, URL: m.URL})
	}
	if in.Dev != nil {
		b.Dev = *in.Dev
	}
	if in.Type != nil {
		b.Type = *in.Type
	}
	if in.MaxExecutionTime != nil {
		b.MaxExecutionTime = ptr(float64(*in.MaxExecutionTime))
	}
	rec := admBot{workspace: ws, bot: b}
	secrets := map[string]*string{}
	for k, v := range in.Secrets {
		secrets[k] = ptr(v)
	}
	admSetSecrets(&rec, secrets)
	a.bots.add(id, seq, rec)
	st.addBot(id)
	st.audit(ws, gen.AuditRecordActionCREATEBOT, id, b.Name, "")
	return gen.CreateBot200JSONResponse{Bot: st.admBotView(rec)}, nil
}

// admSubscriptions applies a subscriptions update: null subscribes to all
// events; otherwise the named events are added, and those given as null
// removed.
func admSubscriptions(cur nullable.Nullable[map[string]map[string]any], null bool, set map[string]*map[string]any) nullable.Nullable[map[string]map[string]any] {
	if null {
		return nullable.NewNullNullable[map[string]map[string]any]()
	}
	out := map[string]map[string]any{}
	if v, err := cur.Get(); err == nil {
		for k := range v {
			out[k] = map[string]any{}
		}
	}
	for k, v := range set {
		if v == nil {
			delete(out, k)
		} else {
			out[k] = map[string]any{}
		}
	}
	return nullable.NewNullableWithValue(out)
}

func (h *server) GetBot(ctx context.Context, req gen.GetBotRequestObject) (gen.GetBotResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	b, err := st.admBotOf(ctx, req.ID)
	if err != nil {
		return nil, err
	}
	return gen.GetBot200JSONResponse{Bot: st.admBotView(b)}, nil
}

func (h *server) ListBots(ctx context.Context, req gen.ListBotsRequestObject) (gen.ListBotsResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	a := st.adm()
	ws := workspaceOf(ctx)
	if _, ok := a.workspaces.get(ws); !ok {
		return nil, notFound("workspace", ws)
	}
	p := req.Params
	dev := p.Dev != nil && *p.Dev
	tags := req.Params.Tags
	recs := a.bots.filter(func(b admBot) bool {
		return b.workspace == ws && b.bot.Dev == dev && matchTags(b.bot.Tags, tags) &&
			admHasAll(b.bot.Integrations, p.IntegrationNames, func(i gen.Bot_Integrations) string { return i.Name }) &&
			admHasAll(b.bot.Plugins, p.PluginNames, func(i gen.Bot_Plugins) string { return i.Name })
	})
	if p.SortField != nil && *p.SortField == gen.DateFieldUpdatedAt {
		recs = slices.Clone(recs)
		slices.SortStableFunc(recs, func(x, y *record[admBot]) int { return x.v.bot.UpdatedAt.Compare(y.v.bot.UpdatedAt) })
	}
	desc := p.SortDirection != nil && *p.SortDirection == gen.SortDirectionDesc
	page, next, err := paginate(recs, p.NextToken, st.pageSizeOf(p.PageSize), desc)
	if err != nil {
		return nil, err
	}
	out := make([]gen.BotSummary, 0, len(page))
	for _, b := range page {
		out = append(out, gen.BotSummary{
			ID: b.bot.ID, Name: b.bot.Name, CreatedAt: b.bot.CreatedAt, UpdatedAt: b.bot.UpdatedAt,
			DeployedAt: b.bot.DeployedAt, Tags: maps.Clone(b.bot.Tags), Type: b.bot.Type,
		})
	}
	return gen.ListBots200JSONResponse{Bots: out, Meta: gen.PageMeta{NextToken: next}}, nil
}

// admHasAll reports whether installed (a bot's integrations or plugins)
// holds one named each of names. Botpress does not document whether
// listBots's integrationNames and pluginNames want all the names or one of
// them; bptest wants all.
func admHasAll[T any](installed map[string]T, names []string, name func(T) string) bool {
	have := map[string]bool{}
	for _, v := range installed {
		have[name(v)] = true
	}
	for _, n := range names {
		if !have[n] {
			return false
		}
	}
	return true
}

func (h *server) UpdateBot(ctx context.Context, req gen.UpdateBotRequestObject) (gen.UpdateBotResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	rec, aerr := st.admBotOf(ctx, req.ID)
	if aerr != nil {
		return nil, aerr
	}
	now := st.now().UTC()
	b := admCloneBot(rec.bot)
	in := req.Body

	if c := in.Configuration; c != nil {
		if c.Data != nil {
			b.Configuration.Data = admObj(c.Data)
		}
		if c.Schema != nil {
			b.Configuration.Schema = admObj(c.Schema)
		}
	}
	b.Tags = admMerge(b.Tags, in.Tags, true)
	if in.Type != nil {
		b.Type = *in.Type
	}
	if in.MaxExecutionTime != nil {
		b.MaxExecutionTime = ptr(float64(*in.MaxExecutionTime))
	}
	if in.AlwaysAlive != nil {
		b.AlwaysAlive = *in.AlwaysAlive
	}
	if in.Name != nil {
		b.Name = *in.Name
	}
	if in.Description != nil {
		b.Description = ptr(*in.Description)
	}
	if in.Medias != nil {
		b.Medias = []gen.Bot_Medias{}
		for _, m := range in.Medias {
			b.Medias = append(b.Medias, gen.Bot_Medias{Name: m.Name, URL: m.URL})
		}
	}
	// Definitions: a null entry removes the definition.
	if in.User != nil {
		for k, v := range in.User.Tags {
			if v == nil {
				delete(b.User.Tags, k)
			} else {
				b.User.Tags[k] = gen.Bot_User_Tags{Title: v.Title, Description: v.Description}
			}
		}
	}
	if in.Conversation != nil {
		for k, v := range in.Conversation.Tags {
			if v == nil {
				delete(b.Conversation.Tags, k)
			} else {
				b.Conversation.Tags[k] = gen.Bot_Conversation_Tags{Title: v.Title, Description: v.Description}
			}
		}
	}
	if in.Message != nil {
		for k, v := range in.Message.Tags {
			if v == nil {
				delete(b.Message.Tags, k)
			} else {
				b.Message.Tags[k] = gen.Bot_Message_Tags{Title: v.Title, Description: v.Description}
			}
		}
	}
	for k, v := range in.Events {
		if v == nil {
			delete(b.Events, k)
			continue
		}
		b.Events[k] = gen.Bot_Events{Attributes: admAttributes(v.Attributes), Description: v.Description, Schema: admObj(v.Schema), Title: v.Title}
	}
	for k, v := range in.Actions {
		if v == nil {
			delete(b.Actions, k)
			continue
		}
		b.Actions[k] = gen.Bot_Actions{
			Attributes: admAttributes(v.Attributes), Billable: v.Billable, Cacheable: v.Cacheable, Description: v.Description, Title: v.Title,
			Input: gen.Bot_Actions_Input{Schema: admObj(v.Input.Schema)}, Output: gen.Bot_Actions_Output{Schema: admObj(v.Output.Schema)},
		}
	}
	for k, v := range in.States {
		if v == nil {
			delete(b.States, k)
			continue
		}
		b.States[k] = gen.Bot_States{Expiry: v.Expiry, Schema: admObj(v.Schema), Type: gen.BotStateType(v.Type)}
	}
	for k, v := range in.RecurringEvents {
		if v == nil {
			delete(b.RecurringEvents, k)
			continue
		}
		r := b.RecurringEvents[k]
		if _, ok := b.RecurringEvents[k]; !ok {
			r.LastFailureReason = nullable.NewNullNullable[string]()
		}
		r.Payload, r.Schedule, r.Type = admObj(v.Payload), gen.Bot_RecurringEvents_Schedule{Cron: v.Schedule.Cron}, v.Type
		b.RecurringEvents[k] = r
	}
	if in.Subscriptions != nil {
		set, _ := in.Subscriptions.Events.Get()
		b.Subscriptions.Events = admSubscriptions(b.Subscriptions.Events, in.Subscriptions.Events.IsNull(), set)
	}
	for k, v := range in.Integrations {
		if err := st.admApplyIntegration(&b, k, v, now); err != nil {
			return nil, err
		}
	}
	for k, v := range in.Plugins {
		if err := st.admApplyPlugin(&b, k, v, now); err != nil {
			return nil, err
		}
	}
	b.UpdatedAt = now
	rec.bot = b
	if in.Secrets != nil {
		admSetSecrets(&rec, in.Secrets)
	}
	st.admin.bots.put(b.ID, rec)
	st.audit(rec.workspace, gen.AuditRecordActionUPDATEBOT, b.ID, b.Name, "")
	return gen.UpdateBot200JSONResponse{Bot: st.admBotView(rec)}, nil
}

// admCloneBot copies the maps of a bot that an update changes, so that an
// update failing half-way leaves the stored bot as it was.
func admCloneBot(b gen.Bot) gen.Bot {
	b.Integrations = maps.Clone(b.Integrations)
	b.Plugins = maps.Clone(b.Plugins)
	b.User.Tags = maps.Clone(b.User.Tags)
	b.Conversation.Tags = maps.Clone(b.Conversation.Tags)
	b.Message.Tags = maps.Clone(b.Message.Tags)
	b.States = maps.Clone(b.States)
	b.Events = maps.Clone(b.Events)
	b.RecurringEvents = maps.Clone(b.RecurringEvents)
	b.Actions = maps.Clone(b.Actions)
	b.Tags = maps.Clone(b.Tags)
	b.Medias = slices.Clone(b.Medias)
	return b
}

// admAttributes keeps the attributes of an update that are not null.
func admAttributes(in map[string]*string) map[string]string {
	if in == nil {
		return nil
	}
	out := map[string]string{}
	for k, v := range in {
		if v != nil {
			out[k] = *v
		}
	}
	return out
}

// admApplyIntegration installs, changes or (for a null entry) removes an
// integration of a bot. A new one needs an integration ID of 28 to 36
// characters, given as integrationId or as the key.
func (st *state) admApplyIntegration(b *gen.Bot, key string, v *gen.BotIntegrationUpdate, now time.Time) *apiError {
	if v == nil {
		delete(b.Integrations, key)
		return nil
	}
	in, ok := b.Integrations[key]
	if !ok {
		id := key
		if v.IntegrationID != nil {
			id = *v.IntegrationID
		}
		if !admIDOK(id) {
			return errorf(400, "ReferenceNotFound", "integration %q not found: an integration ID has 28 to 36 characters", id)
		}
		in = gen.Bot_Integrations{
			ID: id, Name: admClip(key, 200, "integration"), Title: admClip(key, 64, "integration"), Version: "0.0.0",
			Configuration: map[string]any{}, ConfigurationType: nullable.NewNullNullable[string](),
			DisabledChannels: []string{}, CreatedAt: now,
			WebhookID: fmt.Sprintf("%016x", st.ids.rng.Uint64()),
			Status:    gen.BotIntegrationsStatusRegistered, StatusReason: nullable.NewNullNullable[string](),
			Visibility: gen.VisibilityPublic, VerificationStatus: gen.VerificationStatusApproved,
			LifecycleStatus: gen.LifecycleStatusPublished,
		}
		in.WebhookURL = st.srv.URL + "/webhooks/" + in.WebhookID
	}
	if v.Enabled != nil {
		in.Enabled = *v.Enabled
	}
	if v.Configuration != nil {
		in.Configuration = admObj(v.Configuration)
	}
	if v.ConfigurationType.IsSpecified() {
		in.ConfigurationType = v.ConfigurationType
	}
	if v.DisabledChannels != nil {
		in.DisabledChannels = slices.Clone(v.DisabledChannels)
	}
	in.UpdatedAt = now
	b.Integrations[key] = in
	return nil
}

// admApplyPlugin installs, changes or (for a null entry) removes a plugin
// of a bot. Its ID and those of the integrations it names must have 28 to
// 36 characters.
func (st *state) admApplyPlugin(b *gen.Bot, key string, v *gen.BotPluginUpdate, now time.Time) *apiError {
	if v == nil {
		delete(b.Plugins, key)
		return nil
	}
	if !admIDOK(v.ID) {
		return errorf(400, "ReferenceNotFound", "plugin %q not found: a plugin ID has 28 to 36 characters", v.ID)
	}
	p, ok := b.Plugins[key]
	if !ok || p.ID != v.ID {
		p = gen.Bot_Plugins{
			ID: v.ID, Name: admClip(key, 200, "plugin"), Title: admClip(key, 64, "plugin"), Version: "0.0.0",
			Configuration: map[string]any{}, CreatedAt: now,
			Visibility: gen.VisibilityPublic, LifecycleStatus: gen.LifecycleStatusPublished,
		}
	}
	if v.Enabled != nil {
		p.Enabled = *v.Enabled
	}
	if v.Configuration != nil {
		p.Configuration = admObj(v.Configuration)
	}
	if v.Integrations != nil {
		p.Integrations = map[string]gen.Bot_Plugins_Integrations{}
		for k, i := range v.Integrations {
			if !admIDOK(i.IntegrationID) {
				return errorf(400, "ReferenceNotFound", "integration %q not found: an integration ID has 28 to 36 characters", i.IntegrationID)
			}
			p.Integrations[k] = gen.Bot_Plugins_Integrations{IntegrationID: i.IntegrationID, IntegrationAlias: admClip(i.IntegrationAlias, 200, "")}
		}
	}
	if v.Interfaces != nil {
		p.Interfaces = map[string]gen.Bot_Plugins_Interfaces{}
		for k, i := range v.Interfaces {
			if !admIDOK(i.IntegrationID) {
				return errorf(400, "ReferenceNotFound", "integration %q not found: an integration ID has 28 to 36 characters", i.IntegrationID)
			}
			alias := ""
			if i.IntegrationAlias != nil {
				alias = admClip(*i.IntegrationAlias, 200, "")
			}
			iface, _ := st.ids.next("intver")
			p.Interfaces[k] = gen.Bot_Plugins_Interfaces{
				IntegrationID: i.IntegrationID, IntegrationAlias: alias, IntegrationInterfaceAlias: i.IntegrationInterfaceAlias, InterfaceID: iface,
			}
		}
	}
	p.UpdatedAt = now
	b.Plugins[key] = p
	return nil
}

// DeleteBot removes a bot's record and its runtime resources: calls naming
// it in x-bot-id get 404 after.
func (h *server) DeleteBot(ctx context.Context, req gen.DeleteBotRequestObject) (gen.DeleteBotResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	b, err := st.admBotOf(ctx, req.ID)
	if err != nil {
		return nil, err
	}
	st.admin.bots.remove(req.ID)
	st.audit(b.workspace, gen.AuditRecordActionDELETEBOT, b.bot.ID, b.bot.Name, "")
	st.admForget(req.ID)
	delete(st.bots, req.ID)
	return gen.DeleteBot200JSONResponse{}, nil
}

package bptest

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"maps"
	"slices"
	"strings"

	gen "github.com/botpress-go/sdk/bptest/internal/server"
)

// API keys of bots and integrations, personal access tokens, shareable IDs
// of installed integrations, account and workspace preferences, bot
// allowlists and webchat embed codes.
//
// Keys and tokens are kept in collections (store.go), newest last: a create
// answers the secret value, the only answer that carries it; a list
// answers id, note and createdAt, in creation order. A bot API key belongs
// to its bot and an integration API key to its integration (version): they
// are listed, and deleted, only from the owner's workspace, and go when the
// owner goes. A personal access token belongs to the account: its value
// authenticates against the server as the server's token does (Authorization:
// Bearer), until the token is deleted. The server's own token (WithToken) is
// not one of them: it is never listed and cannot be deleted.
//
// A shareable ID stands for one bot and one of its installed integrations
// (by integration ID, or by alias with integrationInstanceAlias): create
// makes it once (a second create answers the same), get answers it (never
// expired: isExpired is false), delete withdraws it; an integration that is
// not installed in the bot, or that was uninstalled since, is 404.
//
// Preferences are JSON values by key, one set for the account and one per
// workspace; a key never set, or set to null, answers null as the spec says.
//
// A bot's allowlist starts as ALL_WORKSPACE_USERS with no users; an update
// sets the setting when given and adds (true) or removes (false) users,
// keeping the order they were added in. User IDs are not checked against
// the workspace's members.
//
// getBotWebchat answers an embed code made from the bot's state by the rule
// of admWebchatCode.

// admKey is a bot or integration API key: the ID of its owner, what lists
// show and its secret value.
type admKey struct {
	owner   string
	summary gen.APIKeySummary
	value   string
}

// admPAT is a personal access token and its secret value.
type admPAT struct {
	token gen.PersonalAccessToken
	value string
}

// admShareable is the shareable ID of one installation of an integration
// in a bot: the key of the installation in the bot's integrations and the
// integration ID it had when the shareable ID was made.
type admShareable struct {
	install, integration, value string
}

// admAllowlist is who a bot is open to.
type admAllowlist struct {
	setting gen.BotAllowlistSetting
	users   *collection[string]
}

// admKeysState holds what this file serves, in adminState.
type admKeysState struct {
	botKeys, integrationKeys *collection[admKey]
	pats                     *collection[admPAT]
	patValues                map[string]string                  // value → token ID
	shareable                map[string]map[string]admShareable // bot ID → installation key → shareable ID
	accountPrefs             *collection[any]
	workspacePrefs           map[string]*collection[any] // workspace ID → preferences
	allowlists               map[string]*admAllowlist    // bot ID → allowlist
}

// admForget drops what the admin state keeps for the ID of a bot or an
// integration that is gone: its signing secret (admin_secrets.go), its API
// keys, and a bot's shareable IDs and allowlist.
func (st *state) admForget(id string) {
	k := st.admin.keys
	delete(st.admin.signing, id)
	for _, keys := range []*collection[admKey]{k.botKeys, k.integrationKeys} {
		for _, r := range keys.filter(func(v admKey) bool { return v.owner == id }) {
			keys.remove(r.v.summary.ID)
		}
	}
	delete(k.shareable, id)
	delete(k.allowlists, id)
}

func newAdmKeysState() *admKeysState {
	return &admKeysState{
		botKeys: newCollection[admKey](), integrationKeys: newCollection[admKey](),
		pats: newCollection[admPAT](), patValues: map[string]string{},
		shareable:    map[string]map[string]admShareable{},
		accountPrefs: newCollection[any](), workspacePrefs: map[string]*collection[any]{},
		allowlists: map[string]*admAllowlist{},
	}
}

// admKeyValue makes a secret value with a prefix.
func (st *state) admKeyValue(prefix string) string {
	return fmt.Sprintf("%s_%016x%016x", prefix, st.ids.rng.Uint64(), st.ids.rng.Uint64())
}

// admNewKey records a key for an owner.
func (st *state) admNewKey(keys *collection[admKey], prefix, owner string, note *string) admKey {
	id, seq := st.ids.next(prefix)
	k := admKey{owner: owner, value: st.admKeyValue("bp_" + prefix)}
	k.summary = gen.APIKeySummary{ID: id, CreatedAt: st.now().UTC()}
	if note != nil {
		k.summary.Note = *note
	}
	keys.add(id, seq, k)
	return k
}

// admKeyKind is one kind of API key (of bots, of integrations): where the
// keys are kept, the prefix of their IDs, what a 404 calls them and how an
// owner the request can see is found (an error otherwise).
type admKeyKind struct {
	keys   *collection[admKey]
	prefix string
	name   string
	owner  func(id string) *apiError
}

func (st *state) admBotKeys(ctx context.Context) admKeyKind {
	return admKeyKind{st.admin.keys.botKeys, "bak", "bot API key", func(bot string) *apiError {
		_, err := st.admBotOf(ctx, bot)
		return err
	}}
}

func (st *state) admIntegrationKeys(ctx context.Context) admKeyKind {
	return admKeyKind{st.admin.keys.integrationKeys, "iak", "integration API key", func(integration string) *apiError {
		_, err := st.admin.integrations.of(st, ctx, integration)
		return err
	}}
}

// list lists an owner's keys.
func (k admKeyKind) list(owner string) ([]gen.APIKeySummary, *apiError) {
	if err := k.owner(owner); err != nil {
		return nil, err
	}
	out := []gen.APIKeySummary{}
	for _, r := range k.keys.filter(func(v admKey) bool { return v.owner == owner }) {
		out = append(out, r.v.summary)
	}
	return out, nil
}

// create records a key for an owner.
func (k admKeyKind) create(st *state, owner string, note *string) (admKey, *apiError) {
	if err := k.owner(owner); err != nil {
		return admKey{}, err
	}
	return st.admNewKey(k.keys, k.prefix, owner, note), nil
}

// remove removes a key whose owner the request can see.
func (k admKeyKind) remove(id string) *apiError {
	v, ok := k.keys.get(id)
	if !ok || k.owner(v.owner) != nil {
		return notFound(k.name, id)
	}
	k.keys.remove(id)
	return nil
}

// --- Bot API keys ---

func (h *server) ListBotAPIKeys(ctx context.Context, req gen.ListBotAPIKeysRequestObject) (gen.ListBotAPIKeysResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	keys, err := st.admBotKeys(ctx).list(req.Params.BotID)
	if err != nil {
		return nil, err
	}
	return gen.ListBotAPIKeys200JSONResponse{Baks: keys}, nil
}

func (h *server) CreateBotAPIKey(ctx context.Context, req gen.CreateBotAPIKeyRequestObject) (gen.CreateBotAPIKeyResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	k, err := st.admBotKeys(ctx).create(st, req.Body.BotID, req.Body.Note)
	if err != nil {
		return nil, err
	}
	s := k.summary
	return gen.CreateBotAPIKey200JSONResponse{ID: s.ID, CreatedAt: s.CreatedAt, Note: s.Note, Value: k.value}, nil
}

func (h *server) DeleteBotAPIKey(ctx context.Context, req gen.DeleteBotAPIKeyRequestObject) (gen.DeleteBotAPIKeyResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	if err := st.admBotKeys(ctx).remove(req.ID); err != nil {
		return nil, err
	}
	return gen.DeleteBotAPIKey200JSONResponse{}, nil
}

// --- Integration API keys ---

func (h *server) ListIntegrationAPIKeys(ctx context.Context, req gen.ListIntegrationAPIKeysRequestObject) (gen.ListIntegrationAPIKeysResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	keys, err := st.admIntegrationKeys(ctx).list(req.Params.IntegrationID)
	if err != nil {
		return nil, err
	}
	return gen.ListIntegrationAPIKeys200JSONResponse{Iaks: keys}, nil
}

func (h *server) CreateIntegrationAPIKey(ctx context.Context, req gen.CreateIntegrationAPIKeyRequestObject) (gen.CreateIntegrationAPIKeyResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	k, err := st.admIntegrationKeys(ctx).create(st, req.Body.IntegrationID, req.Body.Note)
	if err != nil {
		return nil, err
	}
	s := k.summary
	return gen.CreateIntegrationAPIKey200JSONResponse{ID: s.ID, CreatedAt: s.CreatedAt, Note: s.Note, Value: k.value}, nil
}

func (h *server) DeleteIntegrationAPIKey(ctx context.Context, req gen.DeleteIntegrationAPIKeyRequestObject) (gen.DeleteIntegrationAPIKeyResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	if err := st.admIntegrationKeys(ctx).remove(req.ID); err != nil {
		return nil, err
	}
	return gen.DeleteIntegrationAPIKey200JSONResponse{}, nil
}

// --- Personal access tokens ---

// patAccepted reports whether token is the value of a personal access
// token made with createPersonalAccessToken and not deleted.
func (s *Server) patAccepted(token string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.state.admin.keys.patValues[token]
	return ok
}

func (h *server) ListPersonalAccessTokens(ctx context.Context, req gen.ListPersonalAccessTokensRequestObject) (gen.ListPersonalAccessTokensResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	out := []gen.PersonalAccessToken{}
	for _, r := range st.admin.keys.pats.filter(nil) {
		out = append(out, r.v.token)
	}
	return gen.ListPersonalAccessTokens200JSONResponse{Pats: out}, nil
}

func (h *server) CreatePersonalAccessToken(ctx context.Context, req gen.CreatePersonalAccessTokenRequestObject) (gen.CreatePersonalAccessTokenResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	k := st.admin.keys
	id, seq := st.ids.next("pat")
	p := admPAT{
		token: gen.PersonalAccessToken{ID: id, CreatedAt: st.now().UTC(), Note: req.Body.Note},
		value: st.admKeyValue("bp_pat"),
	}
	k.pats.add(id, seq, p)
	k.patValues[p.value] = id
	return gen.CreatePersonalAccessToken200JSONResponse{Pat: gen.CreatePersonalAccessTokenResponse_Pat{
		ID: id, CreatedAt: p.token.CreatedAt, Note: p.token.Note, Value: p.value,
	}}, nil
}

func (h *server) DeletePersonalAccessToken(ctx context.Context, req gen.DeletePersonalAccessTokenRequestObject) (gen.DeletePersonalAccessTokenResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	k := st.admin.keys
	p, ok := k.pats.get(req.ID)
	if !ok {
		return nil, notFound("personal access token", req.ID)
	}
	k.pats.remove(req.ID)
	delete(k.patValues, p.value)
	return gen.DeletePersonalAccessToken200JSONResponse{}, nil
}

// --- Shareable IDs of installed integrations ---

// admInstallation finds the installation a shareable ID call names: by
// alias (its key in the bot's integrations) when given, else by
// integration ID. It answers the installation's key and integration ID.
func (st *state) admInstallation(ctx context.Context, botID, integrationID string, alias *string) (string, string, *apiError) {
	b, err := st.admBotOf(ctx, botID)
	if err != nil {
		return "", "", err
	}
	if alias != nil {
		if in, ok := b.bot.Integrations[*alias]; ok {
			return *alias, in.ID, nil
		}
		return "", "", notFound("integration installation", *alias)
	}
	if in, ok := b.bot.Integrations[integrationID]; ok {
		return integrationID, in.ID, nil
	}
	for key, in := range b.bot.Integrations {
		if in.ID == integrationID {
			return key, in.ID, nil
		}
	}
	return "", "", notFound("integration installation", integrationID)
}

// admShareableOf answers the current shareable ID of an installation, if
// it has one made while the same integration was installed.
func (st *state) admShareableOf(bot, install, integration string) (admShareable, bool) {
	s, ok := st.admin.keys.shareable[bot][install]
	return s, ok && s.integration == integration
}

func (h *server) CreateIntegrationShareableID(ctx context.Context, req gen.CreateIntegrationShareableIDRequestObject) (gen.CreateIntegrationShareableIDResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	install, integration, err := st.admInstallation(ctx, req.BotID, req.IntegrationID, req.Params.IntegrationInstanceAlias)
	if err != nil {
		return nil, err
	}
	s, ok := st.admShareableOf(req.BotID, install, integration)
	if !ok {
		s = admShareable{install: install, integration: integration, value: st.admShareableValue()}
		m := st.admin.keys.shareable[req.BotID]
		if m == nil {
			m = map[string]admShareable{}
			st.admin.keys.shareable[req.BotID] = m
		}
		m[install] = s
	}
	return gen.CreateIntegrationShareableID200JSONResponse{ShareableID: s.value}, nil
}

func (h *server) GetIntegrationShareableID(ctx context.Context, req gen.GetIntegrationShareableIDRequestObject) (gen.GetIntegrationShareableIDResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	install, integration, err := st.admInstallation(ctx, req.BotID, req.IntegrationID, req.Params.IntegrationInstanceAlias)
	if err != nil {
		return nil, err
	}
	s, ok := st.admShareableOf(req.BotID, install, integration)
	if !ok {
		return nil, notFound("shareable ID of integration installation", install)
	}
	return gen.GetIntegrationShareableID200JSONResponse{ShareableID: s.value, IsExpired: false}, nil
}

func (h *server) DeleteIntegrationShareableID(ctx context.Context, req gen.DeleteIntegrationShareableIDRequestObject) (gen.DeleteIntegrationShareableIDResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	install, integration, err := st.admInstallation(ctx, req.BotID, req.IntegrationID, req.Params.IntegrationInstanceAlias)
	if err != nil {
		return nil, err
	}
	if _, ok := st.admShareableOf(req.BotID, install, integration); !ok {
		return nil, notFound("shareable ID of integration installation", install)
	}
	delete(st.admin.keys.shareable[req.BotID], install)
	return gen.DeleteIntegrationShareableID200JSONResponse{}, nil
}

// admShareableValue makes a short, readable code: three groups of four
// lower-case letters and digits, without the ones that look alike.
func (st *state) admShareableValue() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
	var b strings.Builder
	for i := range 12 {
		if i > 0 && i%4 == 0 {
			b.WriteByte('-')
		}
		b.WriteByte(alphabet[st.ids.rng.IntN(len(alphabet))])
	}
	return b.String()
}

// --- Preferences ---

// admPrefGet answers a preference, null when unset.
func admPrefGet(prefs *collection[any], key string) any {
	if prefs == nil {
		return nil
	}
	v, _ := prefs.get(key)
	return admClone(v)
}

// admPrefSet stores a preference; null unsets it.
func (st *state) admPrefSet(prefs *collection[any], key string, v any) {
	prefs.remove(key)
	if v != nil {
		_, seq := st.ids.next("pref")
		prefs.add(key, seq, admClone(v))
	}
}

// admPrefValue is a preference's answer: the value, or null.
func admPrefValue(v any) gen.GetAccountPreferenceResponse {
	var out gen.GetAccountPreferenceResponse
	if v == nil {
		out.Value.SetNull()
	} else {
		out.Value.Set(v)
	}
	return out
}

func (h *server) GetAccountPreference(ctx context.Context, req gen.GetAccountPreferenceRequestObject) (gen.GetAccountPreferenceResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	return gen.GetAccountPreference200JSONResponse(admPrefValue(admPrefGet(st.admin.keys.accountPrefs, req.Key))), nil
}

func (h *server) SetAccountPreference(ctx context.Context, req gen.SetAccountPreferenceRequestObject) (gen.SetAccountPreferenceResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	st.admPrefSet(st.admin.keys.accountPrefs, req.Key, req.Body.Value)
	return gen.SetAccountPreference200JSONResponse{}, nil
}

func (h *server) GetWorkspacePreference(ctx context.Context, req gen.GetWorkspacePreferenceRequestObject) (gen.GetWorkspacePreferenceResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	ws, err := st.admWorkspaceOf(ctx)
	if err != nil {
		return nil, err
	}
	v := admPrefGet(st.admin.keys.workspacePrefs[ws], req.Key)
	return gen.GetWorkspacePreference200JSONResponse(admPrefValue(v)), nil
}

func (h *server) SetWorkspacePreference(ctx context.Context, req gen.SetWorkspacePreferenceRequestObject) (gen.SetWorkspacePreferenceResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	ws, err := st.admWorkspaceOf(ctx)
	if err != nil {
		return nil, err
	}
	prefs := st.admin.keys.workspacePrefs[ws]
	if prefs == nil {
		prefs = newCollection[any]()
		st.admin.keys.workspacePrefs[ws] = prefs
	}
	st.admPrefSet(prefs, req.Key, req.Body.Value)
	return gen.SetWorkspacePreference200JSONResponse{}, nil
}

// --- Allowlists ---

// admAllowlistOf returns a bot's allowlist, made at first use.
func (st *state) admAllowlistOf(bot string) *admAllowlist {
	l := st.admin.keys.allowlists[bot]
	if l == nil {
		l = &admAllowlist{setting: gen.BotAllowlistSettingALLWORKSPACEUSERS, users: newCollection[string]()}
		st.admin.keys.allowlists[bot] = l
	}
	return l
}

func (h *server) GetBotAllowlist(ctx context.Context, req gen.GetBotAllowlistRequestObject) (gen.GetBotAllowlistResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	if _, err := st.admBotOf(ctx, req.BotID); err != nil {
		return nil, err
	}
	l := st.admAllowlistOf(req.BotID)
	users := []gen.GetBotAllowlistResponse_Users{}
	for _, r := range l.users.filter(nil) {
		users = append(users, gen.GetBotAllowlistResponse_Users{ID: r.v})
	}
	return gen.GetBotAllowlist200JSONResponse{Setting: l.setting, Users: users}, nil
}

func (h *server) UpdateBotAllowlist(ctx context.Context, req gen.UpdateBotAllowlistRequestObject) (gen.UpdateBotAllowlistResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	if _, err := st.admBotOf(ctx, req.BotID); err != nil {
		return nil, err
	}
	l := st.admAllowlistOf(req.BotID)
	if s := req.Body.Setting; s != nil {
		l.setting = gen.BotAllowlistSetting(*s)
	}
	// Removals first, then additions in a stable order (a map has none).
	var add []string
	for id, allowed := range req.Body.Users {
		if !allowed {
			l.users.remove(id)
		} else if _, ok := l.users.get(id); !ok {
			add = append(add, id)
		}
	}
	slices.Sort(add)
	for _, id := range add {
		_, seq := st.ids.next("allow")
		l.users.add(id, seq, id)
	}
	return gen.UpdateBotAllowlist200JSONResponse{}, nil
}

// --- Webchat ---

// WebchatHost is the host that the webchat embed codes of getBotWebchat
// point at; nothing answers there.
const WebchatHost = "webchat.bptest.local"

// admWebchatCode is getBotWebchat's answer for a bot, made from its state:
// sharableUrl is the address of the bot's chat page,
// https://webchat.bptest.local/<bot ID>; fullscreen an HTML page, titled
// with the bot's name, that frames it; preconfigured script tags loading
// <address>/inject.js and <address>/config.js; configurable the first and
// a call to window.botpress.init with the bot's ID, its name as botName
// and, as clientId, the webhook ID of its installed integration named
// webchat (the bot's ID when it has none).
func admWebchatCode(b gen.Bot, typ gen.GetBotWebchatParamsType) string {
	page := "https://" + WebchatHost + "/" + b.ID
	switch typ {
	case gen.GetBotWebchatParamsTypeSharableURL:
		return page
	case gen.GetBotWebchatParamsTypeFullscreen:
		return fmt.Sprintf("<!doctype html>\n<html>\n<head><title>%s</title></head>\n<body style=\"margin:0\">\n<iframe src=%q style=\"border:0;width:100vw;height:100vh\"></iframe>\n</body>\n</html>\n",
			html.EscapeString(b.Name), page)
	case gen.GetBotWebchatParamsTypeConfigurable:
		clientID := b.ID
		for _, k := range slices.Sorted(maps.Keys(b.Integrations)) {
			if in := b.Integrations[k]; in.Name == "webchat" {
				clientID = in.WebhookID
				break
			}
		}
		cfg, _ := json.Marshal(map[string]any{"botId": b.ID, "clientId": clientID, "configuration": map[string]any{"botName": b.Name}})
		return fmt.Sprintf("<script src=%q></script>\n<script>\n  window.botpress.init(%s);\n</script>\n", page+"/inject.js", cfg)
	default: // preconfigured
		return fmt.Sprintf("<script src=%q></script>\n<script src=%q defer></script>\n", page+"/inject.js", page+"/config.js")
	}
}

func (h *server) GetBotWebchat(ctx context.Context, req gen.GetBotWebchatRequestObject) (gen.GetBotWebchatResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	b, err := st.admBotOf(ctx, req.ID)
	if err != nil {
		return nil, err
	}
	return gen.GetBotWebchat200JSONResponse{Code: admWebchatCode(b.bot, req.Params.Type)}, nil
}

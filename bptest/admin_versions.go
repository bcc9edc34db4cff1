package bptest

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	gen "github.com/botpress-go/sdk/bptest/internal/server"
)

// Bot versions, bot JSON, deploys and transfers; the integration checks
// (validateIntegrationCreation/Update, requestIntegrationVerification);
// and what integrations ask of a bot at run time (configureIntegration,
// unlinkSandboxedConversations). callAction is in actions.go.
//
// A bot's JSON (getBotJson) is its definition: the bot as getBot answers
// it without what identifies it or tells its state (id, createdAt,
// updatedAt, signingSecret, deployedAt, dev, secrets, createdBy, status).
// publishFromBotJson applies such a document: each key it has replaces the
// bot's (keys it leaves out keep their value; id and the other keys above
// are ignored, so that a getBot answer publishes too; any other key is 400
// InvalidPayload), the result must be a bot the spec accepts (400
// InvalidPayload otherwise), and the bot is then deployed: deployedAt and
// updatedAt become now. It answers the bot's JSON as published.
//
// createBotVersion saves the bot's JSON as it is now under a name (names
// need not be unique: Botpress does not document that they must be);
// listBotVersions answers a bot's versions in creation order, all of them
// (the operation takes no nextToken); getBotVersion answers an address of
// the server's from which the saved JSON can be fetched without a token,
// as a pre-signed address. deployBotVersion publishes a version's JSON as
// publishFromBotJson does. Both deploys record DEPLOY_BOT (the version ID as
// value for deployBotVersion). Versions go with their bot when it is
// deleted or transferred.
//
// transferBot moves a bot to another workspace of the server's account (404
// for one bptest does not hold, 400 for the bot's own): it is then found
// from the target only, and is 404 from the workspace it left. Both
// workspaces record TRANSFER_BOT with the target's ID as value. Its runtime
// resources stay.

// botVersionPrefix starts the IDs of bot versions.
const botVersionPrefix = "botver"

// botVersion is a saved version of a bot.
type botVersion struct {
	version gen.Version
	doc     map[string]any // the bot's JSON when it was saved
}

// botJSONHidden are the keys of a bot that its JSON leaves out.
var botJSONHidden = set("id", "createdAt", "updatedAt", "signingSecret", "deployedAt", "dev", "secrets", "createdBy", "status")

// botJSON is a bot's definition as a JSON document.
func botJSON(b gen.Bot) map[string]any {
	doc := admJSON(b)
	for k := range botJSONHidden {
		delete(doc, k)
	}
	return doc
}

// admVersions returns the versions of a bot, made at the first.
func (st *state) admVersions(b *admBot) *collection[botVersion] {
	if b.versions == nil {
		b.versions = newCollection[botVersion]()
		st.admin.bots.put(b.bot.ID, *b)
	}
	return b.versions
}

// admPublish applies a bot JSON document to a bot and deploys it.
func (st *state) admPublish(rec admBot, doc map[string]any) (admBot, *apiError) {
	cur := admJSON(rec.bot)
	for _, k := range slices.Sorted(maps.Keys(doc)) {
		if botJSONHidden[k] {
			continue
		}
		if _, ok := cur[k]; !ok && !admBotOptional[k] {
			return rec, invalidPayload("botJson: %q is not a field of a bot's definition", k)
		}
		cur[k] = doc[k]
	}
	now := st.now().UTC()
	cur["updatedAt"], cur["deployedAt"] = timestamp(now), timestamp(now)
	if schema := st.srv.doc.Components.Schemas["Bot"]; schema != nil && schema.Value != nil {
		if err := schema.Value.VisitJSON(admClone(cur)); err != nil {
			return rec, invalidPayload("botJson is not a bot definition bptest accepts: %v", firstLine(err.Error()))
		}
	}
	raw, err := json.Marshal(cur)
	if err == nil {
		var b gen.Bot
		if err = json.Unmarshal(raw, &b); err == nil {
			rec.bot = b
		}
	}
	if err != nil {
		return rec, invalidPayload("botJson: %v", err)
	}
	st.admin.bots.put(rec.bot.ID, rec)
	return rec, nil
}

// admBotOptional are the optional keys of a bot's definition, which its
// JSON may lack.
var admBotOptional = set("description", "maxExecutionTime")

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func (h *server) GetBotJSON(ctx context.Context, req gen.GetBotJSONRequestObject) (gen.GetBotJSONResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	b, err := st.admBotOf(ctx, req.ID)
	if err != nil {
		return nil, err
	}
	return gen.GetBotJSON200JSONResponse(botJSON(b.bot)), nil
}

func (h *server) PublishFromBotJSON(ctx context.Context, req gen.PublishFromBotJSONRequestObject) (gen.PublishFromBotJSONResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	b, err := st.admBotOf(ctx, req.ID)
	if err != nil {
		return nil, err
	}
	b, err = st.admPublish(b, req.Body.BotJSON)
	if err != nil {
		return nil, err
	}
	st.audit(b.workspace, gen.AuditRecordActionDEPLOYBOT, b.bot.ID, b.bot.Name, "")
	return gen.PublishFromBotJSON200JSONResponse(botJSON(b.bot)), nil
}

func (h *server) CreateBotVersion(ctx context.Context, req gen.CreateBotVersionRequestObject) (gen.CreateBotVersionResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	b, err := st.admBotOf(ctx, req.ID)
	if err != nil {
		return nil, err
	}
	id, seq := st.ids.next(botVersionPrefix)
	v := gen.Version{ID: id, Name: req.Body.Name, Description: req.Body.Description}
	st.admVersions(&b).add(id, seq, botVersion{version: v, doc: botJSON(b.bot)})
	return gen.CreateBotVersion200JSONResponse{Version: v}, nil
}

func (h *server) ListBotVersions(ctx context.Context, req gen.ListBotVersionsRequestObject) (gen.ListBotVersionsResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	b, err := st.admBotOf(ctx, req.ID)
	if err != nil {
		return nil, err
	}
	out := []gen.ListedVersion{}
	for _, r := range st.admVersions(&b).filter(nil) {
		out = append(out, gen.ListedVersion{ID: r.v.version.ID, Name: r.v.version.Name, Description: r.v.version.Description})
	}
	return gen.ListBotVersions200JSONResponse{Versions: out}, nil
}

// admVersion finds a version of a bot of the request's workspace.
func (st *state) admVersion(ctx context.Context, botID, versionID string) (admBot, botVersion, *apiError) {
	b, err := st.admBotOf(ctx, botID)
	if err != nil {
		return b, botVersion{}, err
	}
	v, ok := st.admVersions(&b).get(versionID)
	if !ok {
		return b, v, notFound("bot version", versionID)
	}
	return b, v, nil
}

func (h *server) GetBotVersion(ctx context.Context, req gen.GetBotVersionRequestObject) (gen.GetBotVersionResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	b, v, err := st.admVersion(ctx, req.ID, req.VersionID)
	if err != nil {
		return nil, err
	}
	return gen.GetBotVersion200JSONResponse{URL: h.s.storageURL(b.bot.ID, v.version.ID)}, nil
}

// versionContent answers the saved JSON of a bot version, for the storage
// address getBotVersion gives.
func (st *state) versionContent(botID, versionID string) ([]byte, string, error) {
	b, ok := st.adm().bots.get(botID)
	if !ok {
		return nil, "", notFound("bot", botID)
	}
	v, ok := st.admVersions(&b).get(versionID)
	if !ok {
		return nil, "", notFound("bot version", versionID)
	}
	data, err := json.Marshal(v.doc)
	if err != nil {
		return nil, "", errorf(http.StatusInternalServerError, "Internal", "bptest: %v", err)
	}
	return data, "application/json", nil
}

func (h *server) DeployBotVersion(ctx context.Context, req gen.DeployBotVersionRequestObject) (gen.DeployBotVersionResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	b, v, err := st.admVersion(ctx, req.ID, req.Body.VersionID)
	if err != nil {
		return nil, err
	}
	b, err = st.admPublish(b, admClone(v.doc).(map[string]any))
	if err != nil {
		return nil, err
	}
	st.audit(b.workspace, gen.AuditRecordActionDEPLOYBOT, b.bot.ID, b.bot.Name, v.version.ID)
	return gen.DeployBotVersion200JSONResponse{}, nil
}

func (h *server) TransferBot(ctx context.Context, req gen.TransferBotRequestObject) (gen.TransferBotResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	b, err := st.admBotOf(ctx, req.ID)
	if err != nil {
		return nil, err
	}
	to := req.Body.TargetWorkspaceID
	if _, ok := st.admin.workspaces.get(to); !ok {
		return nil, notFound("workspace", to)
	}
	if to == b.workspace {
		return nil, invalidPayload("bot %q is already in workspace %q", b.bot.ID, to)
	}
	from := b.workspace
	b.workspace = to
	st.admin.bots.put(b.bot.ID, b)
	st.audit(from, gen.AuditRecordActionTRANSFERBOT, b.bot.ID, b.bot.Name, to)
	st.audit(to, gen.AuditRecordActionTRANSFERBOT, b.bot.ID, b.bot.Name, to)
	return gen.TransferBot200JSONResponse{}, nil
}

// --- Integrations: checks and verification ---

// ValidateIntegrationCreation makes createIntegration's checks (the
// workspace exists; no version of it has the same name and version) and
// stores nothing.
func (h *server) ValidateIntegrationCreation(ctx context.Context, req gen.ValidateIntegrationCreationRequestObject) (gen.ValidateIntegrationCreationResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	ws, err := st.admWorkspaceOf(ctx)
	if err != nil {
		return nil, err
	}
	if err := st.admin.integrations.checkNew(ws, admJSON(req.Body)); err != nil {
		return nil, err
	}
	return gen.ValidateIntegrationCreation200JSONResponse{}, nil
}

// ValidateIntegrationUpdate makes updateIntegration's checks (the
// integration is one of the workspace's) and changes nothing.
func (h *server) ValidateIntegrationUpdate(ctx context.Context, req gen.ValidateIntegrationUpdateRequestObject) (gen.ValidateIntegrationUpdateResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	if _, err := st.admin.integrations.of(st, ctx, req.ID); err != nil {
		return nil, err
	}
	return gen.ValidateIntegrationUpdate200JSONResponse{}, nil
}

// RequestIntegrationVerification submits an integration of the workspace
// for review: an unapproved or rejected one becomes pending, and stays so
// (bptest reviews nothing); a pending or approved one is left as it is.
func (h *server) RequestIntegrationVerification(ctx context.Context, req gen.RequestIntegrationVerificationRequestObject) (gen.RequestIntegrationVerificationResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	d := st.admin.integrations
	v, err := d.of(st, ctx, req.Body.IntegrationID)
	if err != nil {
		return nil, err
	}
	if s := v.doc["verificationStatus"]; s == "unapproved" || s == "rejected" {
		v.doc = admClone(v.doc).(map[string]any)
		v.doc["verificationStatus"] = "pending"
		v.doc["updatedAt"] = timestamp(st.now())
		d.recs.put(req.Body.IntegrationID, v)
	}
	return gen.RequestIntegrationVerification200JSONResponse{}, nil
}

// --- What integrations ask at run time ---

// admInstalled finds the integration a runtime call comes from, installed
// in the request's bot: by its alias (x-integration-alias, the key it is
// installed under) or else its ID (x-integration-id). It answers the bot
// and the key.
func (st *state) admInstalled(ctx context.Context, alias *string, id *string) (admBot, string, *apiError) {
	botID := botOf(ctx)
	b, ok := st.adm().bots.get(botID)
	if !ok {
		return b, "", notFound("bot", botID)
	}
	switch {
	case alias != nil && *alias != "":
		if _, ok := b.bot.Integrations[*alias]; ok {
			return b, *alias, nil
		}
		return b, "", notFound("integration installed in the bot as", *alias)
	case id != nil && *id != "":
		for _, k := range slices.Sorted(maps.Keys(b.bot.Integrations)) {
			if b.bot.Integrations[k].ID == *id {
				return b, k, nil
			}
		}
		return b, "", notFound("integration installed in the bot", *id)
	}
	return b, "", invalidPayload("an integration makes this call: set x-integration-alias or x-integration-id")
}

// ConfigureIntegration sets or (null) removes the identifier of the
// calling integration's installation, which getBot shows. scheduleRegisterCall
// and sandboxIdentifiers are accepted and not kept: no answer shows them.
func (h *server) ConfigureIntegration(ctx context.Context, req gen.ConfigureIntegrationRequestObject) (gen.ConfigureIntegrationResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	b, key, err := st.admInstalled(ctx, req.Params.XIntegrationAlias, req.Params.XIntegrationID)
	if err != nil {
		return nil, err
	}
	if id := req.Body.Identifier; id.IsSpecified() {
		bot := admCloneBot(b.bot)
		in := bot.Integrations[key]
		if v, gerr := id.Get(); gerr == nil {
			in.Identifier = ptr(v)
		} else {
			in.Identifier = nil
		}
		bot.Integrations[key] = in
		b.bot = bot
		st.admin.bots.put(bot.ID, b)
	}
	return gen.ConfigureIntegration200JSONResponse{}, nil
}

// UnlinkSandboxedConversations checks that the bot is one of the
// workspace's and has the integration installed (by integrationInstanceAlias,
// or else by integrationId as its ID or key): 404 otherwise. bptest opens no
// sandbox conversations, so there is nothing to detach.
func (h *server) UnlinkSandboxedConversations(ctx context.Context, req gen.UnlinkSandboxedConversationsRequestObject) (gen.UnlinkSandboxedConversationsResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	b, err := st.admBotOf(ctx, req.BotID)
	if err != nil {
		return nil, err
	}
	if a := req.Params.IntegrationInstanceAlias; a != nil {
		if _, ok := b.bot.Integrations[*a]; !ok {
			return nil, notFound("integration installed in the bot as", *a)
		}
		return gen.UnlinkSandboxedConversations200JSONResponse{}, nil
	}
	for k, in := range b.bot.Integrations {
		if k == req.IntegrationID || in.ID == req.IntegrationID {
			return gen.UnlinkSandboxedConversations200JSONResponse{}, nil
		}
	}
	return nil, notFound("integration installed in the bot", fmt.Sprint(req.IntegrationID))
}

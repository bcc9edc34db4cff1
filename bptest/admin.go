package bptest

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/oapi-codegen/nullable"
	openapi_types "github.com/oapi-codegen/runtime/types"

	gen "github.com/botpress-go/sdk/bptest/internal/server"
)

// The account the server's token belongs to: getAccount answers it, it owns
// the server's workspace and every workspace made with createWorkspace, and
// its membership is what /v1/admin/workspace-members/me answers.
const (
	DefaultAccountEmail = "dev@bptest.local"
	DefaultAccountID    = "0b7e5f6a-2c1d-4e8f-9a3b-5d6c7e8f9a0b"
)

// adminState holds what lives outside bots: the workspace and its members,
// the bots' records and the account. Its records are made at the first
// admin call (see state.adm), so that they see the bots the server was
// started with, added with AddBot or loaded as seed data.
type adminState struct {
	ready      bool
	account    gen.Account
	workspaces *collection[gen.Workspace]
	members    map[string]*collection[gen.WorkspaceMember] // workspace ID → memberships by ID
	people     map[string]openapi_types.UUID               // lower-cased email → user ID
	bots       *collection[admBot]
	// integrations, plugins and interfaces: see admin_defs.go
	integrations, plugins, interfaces *admDefs
	// signing secrets of bots and integrations, by ID: see admin_secrets.go
	signing map[string]*signing
	// audit records by workspace ID, made at the first: see audit.go
	audit map[string]*collection[gen.AuditRecord]
	// API keys, personal access tokens, shareable IDs, preferences and
	// allowlists: see admin_keys.go
	keys *admKeysState
	// deleted is set by deleteAccount: the token is refused (helpers.go)
	deleted bool
}

// admBot is a bot's admin record, the workspace it belongs to and the
// values of its secrets (bot.Secrets has their names). Its signing secret
// is kept with the integrations' (admin.signing).
type admBot struct {
	workspace string
	bot       gen.Bot
	secrets   map[string]string
	versions  *collection[botVersion] // made at the first (admin_versions.go)
}

func newAdminState() *adminState {
	return &adminState{
		workspaces: newCollection[gen.Workspace](),
		members:    map[string]*collection[gen.WorkspaceMember]{},
		people:     map[string]openapi_types.UUID{},
		bots:       newCollection[admBot](),

		integrations: newAdmDefs(admIntegrationKind),
		plugins:      newAdmDefs(admPluginKind),
		interfaces:   newAdmDefs(admInterfaceKind),
		signing:      map[string]*signing{},
		keys:         newAdmKeysState(),
	}
}

// adm returns the admin records, made ready: on first use the account, the
// server's workspace and the account's owner membership of it; every time,
// a record in the server's workspace for each bot of st.bots that has none
// (the server's bots, AddBot's, seed data's), and no record for a bot that
// is gone from st.bots.
func (st *state) adm() *adminState {
	a := st.admin
	if !a.ready {
		a.ready = true
		t0 := st.now().UTC()
		for _, b := range st.bots {
			if b.createdAt.Before(t0) {
				t0 = b.createdAt.UTC()
			}
		}
		a.account = gen.Account{
			ID: DefaultAccountID, Email: DefaultAccountEmail, EmailVerified: true,
			DisplayName: ptr("bptest developer"), CreatedAt: t0,
		}
		a.people[DefaultAccountEmail] = admParseUUID(DefaultAccountID)
		ws := st.admAddWorkspace(st.srv.WorkspaceID, "bptest", t0)
		ws.Handle = ptr("bptest")
		a.workspaces.put(ws.ID, ws)
	}
	for _, r := range a.bots.filter(func(b admBot) bool { return st.bots[b.bot.ID] == nil }) {
		a.bots.remove(r.v.bot.ID)
		st.admForget(r.v.bot.ID)
	}
	var missing []string
	for id := range st.bots {
		if _, ok := a.bots.get(id); !ok {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		// The server's bots first, in the order given, then the others by ID.
		order := st.srv.settings.botIDs
		slices.SortFunc(missing, func(x, y string) int {
			ix, iy := slices.Index(order, x), slices.Index(order, y)
			switch {
			case ix >= 0 && iy >= 0:
				return ix - iy
			case ix >= 0:
				return -1
			case iy >= 0:
				return 1
			}
			return strings.Compare(x, y)
		})
		for _, id := range missing {
			_, seq := st.ids.next("bot")
			b := st.admNewBot(id, st.bots[id].createdAt.UTC())
			st.bots[id].applyRecord(&b)
			a.bots.add(id, seq, admBot{workspace: st.srv.WorkspaceID, bot: b})
		}
	}
	return a
}

// admAddWorkspace records a workspace owned by the account, with the
// account as its owner member, on billing v4 (see CreateWorkspace).
func (st *state) admAddWorkspace(id, name string, now time.Time) gen.Workspace {
	a := st.admin
	_, seq := st.ids.next("wkspace")
	ws := gen.Workspace{
		ID: id, Name: name, OwnerID: a.account.ID,
		CreatedAt: instant(now), UpdatedAt: instant(now),
		BillingVersion: gen.WorkspaceBillingVersionV4, Plan: gen.WorkspacePlanCommunity,
		SpendingLimit: 100, ActiveTrialID: nullable.NewNullNullable[string](),
		About: ptr(""), ProfilePicture: ptr(""), ContactEmail: ptr(""), Website: ptr(""),
		SocialAccounts: []string{}, IsPublic: ptr(false),
	}
	a.workspaces.add(id, seq, ws)
	members := newCollection[gen.WorkspaceMember]()
	a.members[id] = members
	st.admAddMember(members, a.account.Email, gen.WorkspaceMemberRoleOwner, now)
	return ws
}

// admAddMember records a membership; the person keeps one user ID across
// workspaces.
func (st *state) admAddMember(members *collection[gen.WorkspaceMember], email string, role gen.WorkspaceMemberRole, now time.Time) gen.WorkspaceMember {
	a := st.admin
	key := strings.ToLower(email)
	uid, ok := a.people[key]
	if !ok {
		uid = st.admNewUUID()
		a.people[key] = uid
	}
	id, seq := st.ids.next("member")
	m := gen.WorkspaceMember{ID: id, UserID: &uid, Email: email, Role: role, CreatedAt: instant(now)}
	members.add(id, seq, m)
	return m
}

// admNewUUID makes a random version 4 UUID from the server's generator.
func (st *state) admNewUUID() openapi_types.UUID {
	var u openapi_types.UUID
	binary.BigEndian.PutUint64(u[:8], st.ids.rng.Uint64())
	binary.BigEndian.PutUint64(u[8:], st.ids.rng.Uint64())
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return u
}

// admParseUUID reads a UUID in its canonical form; it panics on a malformed
// one (only constants get here).
func admParseUUID(s string) openapi_types.UUID {
	var u openapi_types.UUID
	b, err := hex.DecodeString(strings.ReplaceAll(s, "-", ""))
	if err != nil || len(b) != len(u) {
		panic("bptest: bad UUID " + s)
	}
	copy(u[:], b)
	return u
}

// admAs converts between the generated types that share a JSON shape (the
// workspace answers differ only in the names of their enum types).
func admAs[T any](v any) T {
	var out T
	b, err := json.Marshal(v)
	if err == nil {
		err = json.Unmarshal(b, &out)
	}
	if err != nil {
		panic(fmt.Sprintf("bptest: converting %T to %T: %v", v, out, err))
	}
	return out
}

// --- Account ---

func (h *server) GetAccount(ctx context.Context, req gen.GetAccountRequestObject) (gen.GetAccountResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	return gen.GetAccount200JSONResponse{Account: st.adm().account}, nil
}

func (h *server) UpdateAccount(ctx context.Context, req gen.UpdateAccountRequestObject) (gen.UpdateAccountResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	a := st.adm()
	if req.Body.DisplayName != nil {
		a.account.DisplayName = ptr(*req.Body.DisplayName)
	}
	if req.Body.ProfilePicture != nil {
		a.account.ProfilePicture = ptr(*req.Body.ProfilePicture)
	}
	return gen.UpdateAccount200JSONResponse{Account: a.account}, nil
}

// --- Workspaces ---

// admWorkspace returns a workspace with its current bot count.
func (st *state) admWorkspace(id string) (gen.Workspace, *apiError) {
	a := st.adm()
	ws, ok := a.workspaces.get(id)
	if !ok {
		return ws, notFound("workspace", id)
	}
	n := 0
	for _, r := range a.bots.order {
		if r.v.workspace == id {
			n++
		}
	}
	ws.BotCount = n
	st.blWorkspaceView(&ws)
	return ws, nil
}

// CreateWorkspace records a workspace on the billing model the body asks
// for (only v4 may be), or else on v3, the one before: migrateWorkspaceToV4
// moves it to v4. The server's own workspace is on v4.
func (h *server) CreateWorkspace(ctx context.Context, req gen.CreateWorkspaceRequestObject) (gen.CreateWorkspaceResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	a := st.adm()
	id, _ := st.ids.next("wkspace")
	ws := st.admAddWorkspace(id, req.Body.Name, st.now().UTC())
	ws.BillingVersion = gen.WorkspaceBillingVersionV3
	if v := req.Body.BillingVersion; v != nil {
		ws.BillingVersion = gen.WorkspaceBillingVersion(*v)
	}
	a.workspaces.put(id, ws)
	st.audit(id, gen.AuditRecordActionCREATEWORKSPACE, id, ws.Name, "")
	ws, _ = st.admWorkspace(id)
	return gen.CreateWorkspace200JSONResponse(admAs[gen.Workspace](ws)), nil
}

func (h *server) ListWorkspaces(ctx context.Context, req gen.ListWorkspacesRequestObject) (gen.ListWorkspacesResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	a := st.adm()
	handle := req.Params.Handle
	recs := a.workspaces.filter(func(ws gen.Workspace) bool {
		return handle == nil || (ws.Handle != nil && *ws.Handle == *handle)
	})
	page, next, err := paginate(recs, req.Params.NextToken, st.pageSizeOf(req.Params.PageSize), false)
	if err != nil {
		return nil, err
	}
	out := make([]gen.Workspace, 0, len(page))
	for _, ws := range page {
		v, _ := st.admWorkspace(ws.ID)
		out = append(out, v)
	}
	return gen.ListWorkspaces200JSONResponse{Workspaces: admAs[[]gen.ListedWorkspace](out), Meta: gen.PageMeta{NextToken: next}}, nil
}

func (h *server) GetWorkspace(ctx context.Context, req gen.GetWorkspaceRequestObject) (gen.GetWorkspaceResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	ws, err := st.admWorkspace(req.ID)
	if err != nil {
		return nil, err
	}
	return gen.GetWorkspace200JSONResponse(admAs[gen.Workspace](ws)), nil
}

func (h *server) UpdateWorkspace(ctx context.Context, req gen.UpdateWorkspaceRequestObject) (gen.UpdateWorkspaceResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	a := st.adm()
	ws, ok := a.workspaces.get(req.ID)
	if !ok {
		return nil, notFound("workspace", req.ID)
	}
	b := req.Body
	if b.Handle != nil {
		if _, taken := a.workspaces.find(func(o gen.Workspace) bool {
			return o.ID != ws.ID && o.Handle != nil && *o.Handle == *b.Handle
		}); taken {
			return nil, alreadyExists("workspace handle", *b.Handle)
		}
		ws.Handle = ptr(*b.Handle)
	}
	if b.Name != nil {
		ws.Name = *b.Name
	}
	if b.SpendingLimit != nil {
		ws.SpendingLimit = *b.SpendingLimit
	}
	for _, f := range []struct {
		dst **string
		v   *string
	}{
		{&ws.About, b.About}, {&ws.ProfilePicture, b.ProfilePicture},
		{&ws.ContactEmail, b.ContactEmail}, {&ws.Website, b.Website},
	} {
		if f.v != nil {
			*f.dst = ptr(*f.v)
		}
	}
	if b.SocialAccounts != nil {
		ws.SocialAccounts = slices.Clone(b.SocialAccounts)
	}
	if b.IsPublic != nil {
		ws.IsPublic = ptr(*b.IsPublic)
	}
	ws.UpdatedAt = instant(st.now())
	a.workspaces.put(ws.ID, ws)
	if b.Handle != nil || b.Name != nil || b.About != nil || b.ProfilePicture != nil || b.ContactEmail != nil ||
		b.Website != nil || b.SocialAccounts != nil || b.IsPublic != nil {
		st.audit(ws.ID, gen.AuditRecordActionUPDATEWORKSPACE, ws.ID, ws.Name, "")
	}
	if b.SpendingLimit != nil {
		st.audit(ws.ID, gen.AuditRecordActionSETSPENDINGLIMIT, ws.ID, ws.Name, fmt.Sprint(*b.SpendingLimit))
	}
	out, _ := st.admWorkspace(ws.ID)
	return gen.UpdateWorkspace200JSONResponse(admAs[gen.Workspace](out)), nil
}

// MigrateWorkspaceToV4 moves a workspace to billing v4; one already on v4
// stays there.
func (h *server) MigrateWorkspaceToV4(ctx context.Context, req gen.MigrateWorkspaceToV4RequestObject) (gen.MigrateWorkspaceToV4ResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	a := st.adm()
	ws, ok := a.workspaces.get(req.ID)
	if !ok {
		return nil, notFound("workspace", req.ID)
	}
	if ws.BillingVersion != gen.WorkspaceBillingVersionV4 {
		ws.BillingVersion = gen.WorkspaceBillingVersionV4
		ws.UpdatedAt = instant(st.now())
		a.workspaces.put(ws.ID, ws)
	}
	return gen.MigrateWorkspaceToV4200JSONResponse{}, nil
}

// DeleteWorkspace removes a workspace with its members, its bots (whose
// runtime resources go too), integrations and plugins.
func (h *server) DeleteWorkspace(ctx context.Context, req gen.DeleteWorkspaceRequestObject) (gen.DeleteWorkspaceResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	a := st.adm()
	if !a.workspaces.remove(req.ID) {
		return nil, notFound("workspace", req.ID)
	}
	delete(a.members, req.ID)
	delete(a.audit, req.ID)
	delete(a.keys.workspacePrefs, req.ID)
	for _, r := range a.bots.filter(func(b admBot) bool { return b.workspace == req.ID }) {
		a.bots.remove(r.v.bot.ID)
		st.admForget(r.v.bot.ID)
		delete(st.bots, r.v.bot.ID)
	}
	for _, d := range []*admDefs{a.integrations, a.plugins} {
		for _, r := range d.recs.filter(func(v admDef) bool { return v.workspace == req.ID }) {
			id, _ := r.v.doc["id"].(string)
			d.recs.remove(id)
			st.admForget(id)
		}
	}
	return gen.DeleteWorkspace200JSONResponse{}, nil
}

// --- Workspace members ---

// admMembers returns the memberships of the workspace a request acts on.
func (st *state) admMembers(ctx context.Context) (*collection[gen.WorkspaceMember], *apiError) {
	a := st.adm()
	ws := workspaceOf(ctx)
	m := a.members[ws]
	if m == nil {
		return nil, notFound("workspace", ws)
	}
	return m, nil
}

// admMemberView shows the account's own memberships with its current name
// and picture.
func (st *state) admMemberView(m gen.WorkspaceMember) gen.WorkspaceMember {
	acc := st.admin.account
	if strings.EqualFold(m.Email, acc.Email) {
		m.DisplayName, m.ProfilePicture = acc.DisplayName, acc.ProfilePicture
	}
	return m
}

func (h *server) ListWorkspaceMembers(ctx context.Context, req gen.ListWorkspaceMembersRequestObject) (gen.ListWorkspaceMembersResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	members, aerr := st.admMembers(ctx)
	if aerr != nil {
		return nil, aerr
	}
	page, next, err := paginate(members.filter(nil), req.Params.NextToken, st.pageSizeOf(req.Params.PageSize), false)
	if err != nil {
		return nil, err
	}
	for i := range page {
		page[i] = st.admMemberView(page[i])
	}
	return gen.ListWorkspaceMembers200JSONResponse{Members: admAs[[]gen.ListedWorkspaceMember](page), Meta: gen.PageMeta{NextToken: next}}, nil
}

func (h *server) CreateWorkspaceMember(ctx context.Context, req gen.CreateWorkspaceMemberRequestObject) (gen.CreateWorkspaceMemberResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	members, aerr := st.admMembers(ctx)
	if aerr != nil {
		return nil, aerr
	}
	email := string(req.Body.Email)
	if _, dup := members.find(func(m gen.WorkspaceMember) bool { return strings.EqualFold(m.Email, email) }); dup {
		return nil, alreadyExists("workspace member", email)
	}
	m := st.admAddMember(members, email, gen.WorkspaceMemberRole(req.Body.Role), st.now().UTC())
	st.audit(workspaceOf(ctx), gen.AuditRecordActionADDWORKSPACEMEMBER, m.ID, m.Email, string(m.Role))
	return gen.CreateWorkspaceMember200JSONResponse(admAs[gen.WorkspaceMember](st.admMemberView(m))), nil
}

// GetWorkspaceMember answers the caller's own membership (/workspace-members/me).
func (h *server) GetWorkspaceMember(ctx context.Context, req gen.GetWorkspaceMemberRequestObject) (gen.GetWorkspaceMemberResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	members, aerr := st.admMembers(ctx)
	if aerr != nil {
		return nil, aerr
	}
	email := st.admin.account.Email
	m, ok := members.find(func(m gen.WorkspaceMember) bool { return strings.EqualFold(m.Email, email) })
	if !ok {
		return nil, notFound("workspace member", email)
	}
	return gen.GetWorkspaceMember200JSONResponse(admAs[gen.WorkspaceMember](st.admMemberView(m))), nil
}

func (h *server) UpdateWorkspaceMember(ctx context.Context, req gen.UpdateWorkspaceMemberRequestObject) (gen.UpdateWorkspaceMemberResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	members, aerr := st.admMembers(ctx)
	if aerr != nil {
		return nil, aerr
	}
	m, ok := members.get(req.ID)
	if !ok {
		return nil, notFound("workspace member", req.ID)
	}
	if req.Body.Role != nil {
		m.Role = gen.WorkspaceMemberRole(*req.Body.Role)
		members.put(m.ID, m)
		st.audit(workspaceOf(ctx), gen.AuditRecordActionUPDATEWORKSPACEMEMBER, m.ID, m.Email, string(m.Role))
	}
	return gen.UpdateWorkspaceMember200JSONResponse(admAs[gen.WorkspaceMember](st.admMemberView(m))), nil
}

func (h *server) DeleteWorkspaceMember(ctx context.Context, req gen.DeleteWorkspaceMemberRequestObject) (gen.DeleteWorkspaceMemberResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	members, aerr := st.admMembers(ctx)
	if aerr != nil {
		return nil, aerr
	}
	m, ok := members.get(req.ID)
	if !ok {
		return nil, notFound("workspace member", req.ID)
	}
	members.remove(req.ID)
	st.audit(workspaceOf(ctx), gen.AuditRecordActionREMOVEWORKSPACEMEMBER, m.ID, m.Email, "")
	return gen.DeleteWorkspaceMember200JSONResponse{}, nil
}

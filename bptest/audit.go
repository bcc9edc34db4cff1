package bptest

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/oapi-codegen/nullable"

	gen "github.com/botpress-go/sdk/bptest/internal/server"
)

// Audit records, public profiles and handles.
//
// The admin handlers record what they do with st.audit, in the workspace
// they act on: createWorkspace (CREATE_WORKSPACE, in the new workspace),
// updateWorkspace (SET_SPENDING_LIMIT when it sets spendingLimit, with the
// limit as value; UPDATE_WORKSPACE when it sets anything else), the
// members' calls (ADD_, UPDATE_ and REMOVE_WORKSPACE_MEMBER, with the role
// as value), the bots' (CREATE_, UPDATE_ and DELETE_BOT), changeAISpendQuota
// (SET_AI_SPENDING_LIMIT) and setPaymentMethod (UPDATE_PAYMENT_METHOD). The account of
// the server's token acts; the server's clock dates the record. A deleted
// workspace's records go with it. getAuditRecords answers them newest
// first.
//
// listPublicWorkspaces and getPublicWorkspace show the workspaces whose
// isPublic is set (updateWorkspace sets it); a private one is 404 like an
// unknown one. checkHandleAvailability tells whether a workspace holds the
// handle.

// audit records an action in workspace ws. Empty strings are left out.
func (st *state) audit(ws string, action gen.AuditRecordAction, resourceID, resourceName, value string) {
	a := st.admin
	if a.audit == nil {
		a.audit = map[string]*collection[gen.AuditRecord]{}
	}
	c := a.audit[ws]
	if c == nil {
		c = newCollection[gen.AuditRecord]()
		a.audit[ws] = c
	}
	id, seq := st.ids.next("audit")
	r := gen.AuditRecord{
		ID: id, RecordedAt: st.now().UTC(), Action: action,
		UserID:     nullable.NewNullableWithValue(admParseUUID(a.account.ID)),
		UserEmail:  nullable.NewNullableWithValue(a.account.Email),
		ResourceID: nullable.NewNullNullable[string](),
	}
	if resourceID != "" {
		r.ResourceID.Set(resourceID)
	}
	if resourceName != "" {
		r.ResourceName.Set(resourceName)
	}
	if value != "" {
		r.Value.Set(value)
	}
	c.add(id, seq, r)
}

func (h *server) GetAuditRecords(ctx context.Context, req gen.GetAuditRecordsRequestObject) (gen.GetAuditRecordsResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	if _, ok := st.adm().workspaces.get(req.ID); !ok {
		return nil, notFound("workspace", req.ID)
	}
	var recs []*record[gen.AuditRecord]
	if c := st.admin.audit[req.ID]; c != nil {
		recs = c.filter(nil)
	}
	page, next, err := paginate(recs, req.Params.NextToken, st.pageSizeOf(req.Params.PageSize), true)
	if err != nil {
		return nil, err
	}
	return gen.GetAuditRecords200JSONResponse{Records: page, Meta: gen.PageMeta{NextToken: next}}, nil
}

// --- Public profiles ---

func admPublicView(ws gen.Workspace) gen.PublicWorkspace {
	return gen.PublicWorkspace{
		ID: ws.ID, Name: ws.Name, CreatedAt: ws.CreatedAt, UpdatedAt: ws.UpdatedAt,
		About: ws.About, ProfilePicture: ws.ProfilePicture, ContactEmail: ws.ContactEmail, Website: ws.Website,
		SocialAccounts: slices.Clone(ws.SocialAccounts), Handle: ws.Handle,
	}
}

func admIsPublic(ws gen.Workspace) bool { return ws.IsPublic != nil && *ws.IsPublic }

// ListPublicWorkspaces answers the public workspaces in creation order;
// search keeps those whose name or handle holds it, ignoring case.
func (h *server) ListPublicWorkspaces(ctx context.Context, req gen.ListPublicWorkspacesRequestObject) (gen.ListPublicWorkspacesResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	p := req.Params
	search := ""
	if p.Search != nil {
		search = strings.ToLower(*p.Search)
	}
	recs := st.adm().workspaces.filter(func(ws gen.Workspace) bool {
		handle := ""
		if ws.Handle != nil {
			handle = *ws.Handle
		}
		return admIsPublic(ws) && (p.WorkspaceIDs == nil || slices.Contains(p.WorkspaceIDs, ws.ID)) &&
			(strings.Contains(strings.ToLower(ws.Name), search) || strings.Contains(handle, search))
	})
	page, next, err := paginate(recs, p.NextToken, st.pageSizeOf(p.PageSize), false)
	if err != nil {
		return nil, err
	}
	out := make([]gen.PublicWorkspace, 0, len(page))
	for _, ws := range page {
		out = append(out, admPublicView(ws))
	}
	return gen.ListPublicWorkspaces200JSONResponse{Workspaces: out, Meta: gen.PageMeta{NextToken: next}}, nil
}

func (h *server) GetPublicWorkspace(ctx context.Context, req gen.GetPublicWorkspaceRequestObject) (gen.GetPublicWorkspaceResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	ws, ok := st.adm().workspaces.get(req.ID)
	if !ok || !admIsPublic(ws) {
		return nil, notFound("public workspace", req.ID)
	}
	return gen.GetPublicWorkspace200JSONResponse(admPublicView(ws)), nil
}

// --- Handles ---

// admHandleSuggestions is the number of free handles offered for a taken one.
const admHandleSuggestions = 3

// CheckHandleAvailability answers whether a workspace holds the handle;
// for a taken one, usedBy is that workspace's ID and the suggestions are
// free handles made of it and a number (<handle>-1, <handle>-2...), in the
// form updateWorkspace accepts.
func (h *server) CheckHandleAvailability(ctx context.Context, req gen.CheckHandleAvailabilityRequestObject) (gen.CheckHandleAvailabilityResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	a := st.adm()
	holder := func(handle string) (gen.Workspace, bool) {
		return a.workspaces.find(func(ws gen.Workspace) bool { return ws.Handle != nil && *ws.Handle == handle })
	}
	out := gen.CheckHandleAvailability200JSONResponse{Available: true, Suggestions: []string{}}
	ws, taken := holder(req.Body.Handle)
	if !taken {
		return out, nil
	}
	out.Available, out.UsedBy = false, ptr(ws.ID)
	base := strings.Trim(req.Body.Handle, "-_")
	if base == "" {
		base = "workspace"
	}
	for n := 1; len(out.Suggestions) < admHandleSuggestions; n++ {
		suffix := fmt.Sprintf("-%d", n)
		s := strings.TrimRight(base[:min(len(base), 50-len(suffix))], "-_") + suffix
		if _, used := holder(s); !used {
			out.Suggestions = append(out.Suggestions, s)
		}
	}
	return out, nil
}

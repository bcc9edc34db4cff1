package bptest

import (
	"context"

	"github.com/oapi-codegen/nullable"

	gen "github.com/botpress-go/sdk/bptest/internal/server"
)

// Audit records.
//
// The admin handlers record what they do with st.audit, in the workspace
// they act on: createWorkspace (CREATE_WORKSPACE, in the new workspace),
// updateWorkspace (SET_SPENDING_LIMIT when it sets spendingLimit, with the
// limit as value; UPDATE_WORKSPACE when it sets anything else), the
// members' calls (ADD_, UPDATE_ and REMOVE_WORKSPACE_MEMBER, with the role
// as value) and the bots' (CREATE_, UPDATE_ and DELETE_BOT). The account of
// the server's token acts; the server's clock dates the record. A deleted
// workspace's records go with it. getAuditRecords answers them newest
// first.

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

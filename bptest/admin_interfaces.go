package bptest

import (
	"context"

	gen "github.com/botpress-go/sdk/bptest/internal/server"
)

// Interfaces of a workspace, kept in the versioned store of admin_defs.go
// like integrations and plugins: a name and version pick one version
// (409 AlreadyExists for a second), "latest" is the one created last, and
// an update merges entities, events, actions, channels and attributes
// entry by entry (null removes one). A version made public is still
// changed by an update, although Botpress describes it as frozen.

// admFillInterface gives an interface version the required fields its
// bodies left out.
func admFillInterface(_ *state, doc map[string]any) {
	admFill(doc, map[string]any{
		"entities": map[string]any{}, "events": map[string]any{}, "actions": map[string]any{}, "channels": map[string]any{},
		"title": doc["name"], "description": "", "iconUrl": "", "readmeUrl": "", "public": false,
	})
	admEach(doc, "channels", func(_ string, ch map[string]any) {
		admFill(ch, map[string]any{"messages": map[string]any{}})
	})
}

func (h *server) CreateInterface(ctx context.Context, req gen.CreateInterfaceRequestObject) (gen.CreateInterfaceResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	v, err := st.admin.interfaces.create(st, ctx, req.Body)
	if err != nil {
		return nil, err
	}
	return gen.CreateInterface200JSONResponse{Interface: admAs[gen.Interface](v.doc)}, nil
}

func (h *server) GetInterface(ctx context.Context, req gen.GetInterfaceRequestObject) (gen.GetInterfaceResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	v, err := st.admin.interfaces.of(st, ctx, req.ID)
	if err != nil {
		return nil, err
	}
	return gen.GetInterface200JSONResponse{Interface: admAs[gen.Interface](v.doc)}, nil
}

func (h *server) GetInterfaceByName(ctx context.Context, req gen.GetInterfaceByNameRequestObject) (gen.GetInterfaceByNameResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	v, err := st.admin.interfaces.byName(st, ctx, req.Name, req.Version)
	if err != nil {
		return nil, err
	}
	return gen.GetInterfaceByName200JSONResponse{Interface: admAs[gen.Interface](v.doc)}, nil
}

func (h *server) UpdateInterface(ctx context.Context, req gen.UpdateInterfaceRequestObject) (gen.UpdateInterfaceResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	v, err := st.admin.interfaces.update(st, ctx, req.ID, req.Body)
	if err != nil {
		return nil, err
	}
	return gen.UpdateInterface200JSONResponse{Interface: admAs[gen.Interface](v.doc)}, nil
}

func (h *server) DeleteInterface(ctx context.Context, req gen.DeleteInterfaceRequestObject) (gen.DeleteInterfaceResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	if err := st.admin.interfaces.remove(st, ctx, req.ID); err != nil {
		return nil, err
	}
	return gen.DeleteInterface200JSONResponse{}, nil
}

// ListInterfaces lists the workspace's interface versions in creation
// order, filtered by name and version.
func (h *server) ListInterfaces(ctx context.Context, req gen.ListInterfacesRequestObject) (gen.ListInterfacesResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	p := req.Params
	page, next, err := st.admin.interfaces.list(st, ctx, p.Name, p.Version, p.NextToken, st.pageSizeOf(p.PageSize), nil)
	if err != nil {
		return nil, err
	}
	return gen.ListInterfaces200JSONResponse{Interfaces: admAs[[]gen.InterfaceSummary](page), Meta: gen.PageMeta{NextToken: next}}, nil
}

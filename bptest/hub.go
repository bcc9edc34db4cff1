package bptest

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	gen "github.com/botpress-go/sdk/bptest/internal/server"
)

// The Hub: what the workspaces of the server publish, answered from the
// versioned stores of admin_defs.go (the Hub operations take no workspace,
// so every workspace's versions are in it).
//
// Who sees what: an integration or plugin whose visibility is public is
// listed and answered; an unlisted one (usable by all, not listed) is
// answered by the gets (by ID, by name and version, code, dereferenced)
// but left out of the lists; a private one is 404 ResourceNotFound, as an
// unknown ID. An interface has only its public flag: public is listed and
// answered, anything else is 404.
//
// A public integration is answered as getIntegration answers it
// (signingSecret included, since the spec's answer requires it), plus
// what the stored version lacks:
//   - ownerWorkspace: the ID, handle (null when it has none) and name of
//     the workspace that created it;
//   - meta.installs: how many bots of the server have this version
//     installed (their integrations entries with its ID), counted at each
//     answer; meta.views: 0, since bptest counts no views.
//
// Two workspaces may publish the same name and version; by name, the one
// created last answers ("latest" likewise picks the version created last).

// hubVisibility is who may see a version: public, unlisted or private.
func hubVisibility(doc map[string]any) string {
	if v, ok := doc["visibility"].(string); ok {
		return v
	}
	if doc["public"] == true {
		return "public"
	}
	return "private"
}

// hubListed is the scope of the Hub's lists, hubReachable that of its gets.
func hubListed(v admDef) bool    { return hubVisibility(v.doc) == "public" }
func hubReachable(v admDef) bool { return hubVisibility(v.doc) != "private" }

// hubIntegration is a public integration's answer, as JSON (see the top
// of this file).
func (st *state) hubIntegration(v admDef) map[string]any {
	doc := maps.Clone(v.doc)
	id, _ := doc["id"].(string)
	doc["signingSecret"] = st.admSigningSecret(id)
	ws, _ := st.admin.workspaces.get(v.workspace)
	doc["ownerWorkspace"] = map[string]any{"id": v.workspace, "handle": ws.Handle, "name": ws.Name}
	doc["meta"] = map[string]any{"installs": st.hubInstalls(id), "views": 0}
	return doc
}

// hubInstalls counts the bots that have the integration version id.
func (st *state) hubInstalls(id string) int {
	n := 0
	for _, r := range st.admin.bots.filter(nil) {
		if st.hubInstalledIn(r.v, id) {
			n++
		}
	}
	return n
}

func (st *state) hubInstalledIn(b admBot, id string) bool {
	for _, in := range b.bot.Integrations {
		if in.ID == id {
			return true
		}
	}
	return false
}

// hubImplements reports whether an integration has an interfaces entry
// whose field (id or name) is want.
func hubImplements(doc map[string]any, field, want string) bool {
	found := false
	admEach(doc, "interfaces", func(_ string, i map[string]any) { found = found || i[field] == want })
	return found
}

// hubMatch is where a search text q (lower-cased) occurs in an integration,
// case-insensitively, as matchedOn says it: its name, title, description,
// the actions whose name, title or description has it, and the implemented
// interfaces whose name has it. It is nil when q occurs nowhere.
func hubMatch(doc map[string]any, q string) map[string]any {
	has := func(v any) bool { s, _ := v.(string); return strings.Contains(strings.ToLower(s), q) }
	m := map[string]any{}
	for _, k := range []string{"name", "title", "description"} {
		if has(doc[k]) {
			m[k] = true
		}
	}
	var actions, ifaces []string
	admEach(doc, "actions", func(k string, a map[string]any) {
		if has(k) || has(a["title"]) || has(a["description"]) {
			actions = append(actions, k)
		}
	})
	admEach(doc, "interfaces", func(_ string, i map[string]any) {
		if n, _ := i["name"].(string); has(n) && !slices.Contains(ifaces, n) {
			ifaces = append(ifaces, n)
		}
	})
	if len(actions) > 0 {
		m["actions"] = slices.Sorted(slices.Values(actions))
	}
	if len(ifaces) > 0 {
		m["interfaces"] = slices.Sorted(slices.Values(ifaces))
	}
	if len(m) == 0 {
		return nil
	}
	return m
}

// ListPublicIntegrations lists the public integration versions, filtered
// by name, version (exact, or latest: the last created of each name),
// interfaceId, interfaceName, installedByBotId, verificationStatus and
// search (each result then has matchedOn, see hubMatch). Without sortBy
// they come in creation order; sortBy name, createdAt or updatedAt orders
// by that field, installCount and popularity (which bptest takes to be the
// same) by meta.installs, ties in creation order; direction defaults to
// desc for these two, asc otherwise, and desc alone gives newest first.
// limit is read as pageSize when pageSize is left out. A nextToken whose
// last item was deleted resumes in creation order.
func (h *server) ListPublicIntegrations(ctx context.Context, req gen.ListPublicIntegrationsRequestObject) (gen.ListPublicIntegrationsResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	a := st.adm()
	p := req.Params
	var search string
	if p.Search != nil {
		search = strings.ToLower(*p.Search)
	}
	var bot *admBot
	if p.InstalledByBotID != nil {
		b, _ := a.bots.get(*p.InstalledByBotID)
		bot = &b
	}
	recs := a.integrations.where(func(v admDef) bool {
		d := v.doc
		return hubListed(v) &&
			(p.VerificationStatus == nil || d["verificationStatus"] == string(*p.VerificationStatus)) &&
			(p.InterfaceID == nil || hubImplements(d, "id", *p.InterfaceID)) &&
			(p.InterfaceName == nil || hubImplements(d, "name", *p.InterfaceName)) &&
			(bot == nil || st.hubInstalledIn(*bot, fmt.Sprint(d["id"]))) &&
			(p.Search == nil || hubMatch(d, search) != nil)
	}, p.Name, p.Version)

	sortBy := ""
	if p.SortBy != nil {
		sortBy = string(*p.SortBy)
	}
	byInstalls := sortBy == "installCount" || sortBy == "popularity"
	desc := byInstalls
	if p.Direction != nil {
		desc = *p.Direction == "desc"
	}
	if sortBy != "" || desc {
		slices.SortFunc(recs, func(x, y *record[admDef]) int {
			c := 0
			switch {
			case byInstalls:
				c = cmp.Compare(st.hubInstalls(fmt.Sprint(x.v.doc["id"])), st.hubInstalls(fmt.Sprint(y.v.doc["id"])))
			case sortBy != "":
				c = cmp.Compare(fmt.Sprint(x.v.doc[sortBy]), fmt.Sprint(y.v.doc[sortBy]))
			}
			c = cmp.Or(c, cmp.Compare(x.seq, y.seq))
			if desc {
				c = -c
			}
			return c
		})
	}
	page, next, err := paginate(recs, p.NextToken, st.pageSizeOf(pageSizeOrLimit(p.PageSize, p.Limit)), false)
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, len(page))
	for i, v := range page {
		out[i] = st.hubIntegration(v)
		if p.Search != nil {
			out[i]["matchedOn"] = hubMatch(v.doc, search)
		}
	}
	return gen.ListPublicIntegrations200JSONResponse{Integrations: admAs[[]gen.PublicIntegrationSummary](out), Meta: gen.PageMeta{NextToken: next}}, nil
}

func (h *server) GetPublicIntegrationByID(ctx context.Context, req gen.GetPublicIntegrationByIDRequestObject) (gen.GetPublicIntegrationByIDResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	v, err := st.adm().integrations.get(hubReachable, req.ID)
	if err != nil {
		return nil, err
	}
	return gen.GetPublicIntegrationByID200JSONResponse{Integration: admAs[gen.GetPublicIntegrationByIDResponse_Integration](st.hubIntegration(v))}, nil
}

func (h *server) GetPublicIntegration(ctx context.Context, req gen.GetPublicIntegrationRequestObject) (gen.GetPublicIntegrationResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	v, err := st.adm().integrations.named(hubReachable, req.Name, req.Version)
	if err != nil {
		return nil, err
	}
	return gen.GetPublicIntegration200JSONResponse{Integration: admAs[gen.GetPublicIntegrationResponse_Integration](st.hubIntegration(v))}, nil
}

// hubList answers a page of the public versions of a store, filtered by
// name and version.
func (st *state) hubList(d *admDefs, name, version, token *string, size *int) ([]admDef, *string, error) {
	return paginate(d.where(hubListed, name, version), token, st.pageSizeOf(size), false)
}

func hubDocs(vs []admDef) []map[string]any {
	out := make([]map[string]any, len(vs))
	for i, v := range vs {
		out[i] = v.doc
	}
	return out
}

// ListPublicPlugins lists the public plugin versions in creation order,
// filtered by name and version (exact, or latest).
func (h *server) ListPublicPlugins(ctx context.Context, req gen.ListPublicPluginsRequestObject) (gen.ListPublicPluginsResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	p := req.Params
	page, next, err := st.hubList(st.adm().plugins, p.Name, p.Version, p.NextToken, p.PageSize)
	if err != nil {
		return nil, err
	}
	return gen.ListPublicPlugins200JSONResponse{Plugins: admAs[[]gen.PluginSummary](hubDocs(page)), Meta: gen.PageMeta{NextToken: next}}, nil
}

func (h *server) GetPublicPluginByID(ctx context.Context, req gen.GetPublicPluginByIDRequestObject) (gen.GetPublicPluginByIDResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	v, err := st.adm().plugins.get(hubReachable, req.ID)
	if err != nil {
		return nil, err
	}
	return gen.GetPublicPluginByID200JSONResponse{Plugin: admAs[gen.Plugin](v.doc)}, nil
}

func (h *server) GetPublicPlugin(ctx context.Context, req gen.GetPublicPluginRequestObject) (gen.GetPublicPluginResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	v, err := st.adm().plugins.named(hubReachable, req.Name, req.Version)
	if err != nil {
		return nil, err
	}
	return gen.GetPublicPlugin200JSONResponse{Plugin: admAs[gen.Plugin](v.doc)}, nil
}

// GetPublicPluginCode answers the code a plugin version was created or
// last updated with for the platform, as it was sent (bptest builds
// nothing).
func (h *server) GetPublicPluginCode(ctx context.Context, req gen.GetPublicPluginCodeRequestObject) (gen.GetPublicPluginCodeResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	v, err := st.adm().plugins.get(hubReachable, req.ID)
	if err != nil {
		return nil, err
	}
	code, err := pluginCode(v.doc, req.ID, string(req.Platform))
	if err != nil {
		return nil, err
	}
	return gen.GetPublicPluginCode200JSONResponse{Code: code}, nil
}

// GetPluginCode answers a plugin of the caller's workspace's code for one
// platform, as created or last updated.
func (h *server) GetPluginCode(ctx context.Context, req gen.GetPluginCodeRequestObject) (gen.GetPluginCodeResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	v, err := st.admin.plugins.of(st, ctx, req.ID)
	if err != nil {
		return nil, err
	}
	code, err := pluginCode(v.doc, req.ID, string(req.Platform))
	if err != nil {
		return nil, err
	}
	return gen.GetPluginCode200JSONResponse{Code: code}, nil
}

// pluginCode is a stored plugin's code for platform; 404 when none is kept.
func pluginCode(doc map[string]any, id, platform string) (string, *apiError) {
	code, _ := doc["code"].(map[string]any)
	s, ok := code[platform].(string)
	if !ok {
		return "", errorf(404, "ResourceNotFound", "plugin %q has no code for platform %s", id, platform)
	}
	return s, nil
}

// GetDereferencedPublicPluginByID answers a plugin of the Hub as
// getDereferencedPlugin does (admDereference), the integrations it names
// being taken from the Hub too: public or unlisted ones, of any workspace.
func (h *server) GetDereferencedPublicPluginByID(ctx context.Context, req gen.GetDereferencedPublicPluginByIDRequestObject) (gen.GetDereferencedPublicPluginByIDResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	v, err := st.adm().plugins.get(hubReachable, req.ID)
	if err != nil {
		return nil, err
	}
	doc, err := st.admDereference(v.doc, req.Params.Interfaces, hubReachable)
	if err != nil {
		return nil, err
	}
	return gen.GetDereferencedPublicPluginByID200JSONResponse{Plugin: admAs[gen.Plugin](doc)}, nil
}

// ListPublicInterfaces lists the public interface versions in creation
// order, filtered by name and version (exact, or latest).
func (h *server) ListPublicInterfaces(ctx context.Context, req gen.ListPublicInterfacesRequestObject) (gen.ListPublicInterfacesResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	p := req.Params
	page, next, err := st.hubList(st.adm().interfaces, p.Name, p.Version, p.NextToken, p.PageSize)
	if err != nil {
		return nil, err
	}
	return gen.ListPublicInterfaces200JSONResponse{Interfaces: admAs[[]gen.InterfaceSummary](hubDocs(page)), Meta: gen.PageMeta{NextToken: next}}, nil
}

func (h *server) GetPublicInterfaceByID(ctx context.Context, req gen.GetPublicInterfaceByIDRequestObject) (gen.GetPublicInterfaceByIDResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	v, err := st.adm().interfaces.get(hubReachable, req.ID)
	if err != nil {
		return nil, err
	}
	return gen.GetPublicInterfaceByID200JSONResponse{Interface: admAs[gen.Interface](v.doc)}, nil
}

func (h *server) GetPublicInterface(ctx context.Context, req gen.GetPublicInterfaceRequestObject) (gen.GetPublicInterfaceResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	v, err := st.adm().interfaces.named(hubReachable, req.Name, req.Version)
	if err != nil {
		return nil, err
	}
	return gen.GetPublicInterface200JSONResponse{Interface: admAs[gen.Interface](v.doc)}, nil
}

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

// Integrations, plugins and interfaces of a workspace: create, get (by ID
// or by name and version), list (by name and version, pageSize honoured),
// update, delete. All are definitions of many nested maps, so each version is kept
// as the JSON object the API answers and converted to the generated type on
// the way out. A create or update body is merged into that object the same
// way: a definition map (channels, actions, states, ...) changes entry by
// entry, null removing an entry and anything else replacing it; the maps of
// user, conversation, message and dependencies (tags, interfaces, ...)
// likewise; other fields are replaced. Then the required fields the body
// left out get their defaults (admDefKind.fill), so that every answer
// matches the spec. Integrations also have a signing secret (see
// admin_secrets.go); a plugin's code is kept too, for getPublicPluginCode
// (no answer of the definition carries it). Interfaces are served in
// admin_interfaces.go, and what is public in hub.go.

// admDefKind is what differs between integrations, plugins and interfaces.
type admDefKind struct {
	name    string          // "integration", "plugin" or "interface", for errors
	prefix  string          // of the IDs
	maps    map[string]bool // top-level definition maps, merged entry by entry
	nested  map[string]bool // top-level objects whose maps are merged entry by entry
	skip    map[string]bool // body fields the answer has no place for
	signing bool            // whether versions have a signing secret
	fill    func(st *state, doc map[string]any)
}

var (
	admIntegrationKind = &admDefKind{
		name: "integration", prefix: "intver", signing: true,
		maps:   set("channels", "configurations", "states", "events", "actions", "entities", "interfaces", "attributes"),
		nested: set("user"),
		skip:   set("code", "icon", "readme", "extraOperations", "sdkVersion", "layers", "secrets"),
		fill:   admFillIntegration,
	}
	admPluginKind = &admDefKind{
		name: "plugin", prefix: "plugver",
		maps:   set("states", "events", "actions", "attributes", "code"),
		nested: set("user", "conversation", "message", "dependencies"),
		skip:   set("icon", "readme", "sdkVersion"),
		fill:   admFillPlugin,
	}
	admInterfaceKind = &admDefKind{
		name: "interface", prefix: "intface",
		maps: set("entities", "events", "actions", "channels", "attributes"),
		skip: set("icon", "readme", "sdkVersion"),
		fill: admFillInterface,
	}
)

func set(keys ...string) map[string]bool {
	m := make(map[string]bool, len(keys))
	for _, k := range keys {
		m[k] = true
	}
	return m
}

// admDef is one integration or plugin version and the workspace it belongs to.
type admDef struct {
	workspace string
	doc       map[string]any
}

// admDefs holds the versions of one kind.
type admDefs struct {
	kind *admDefKind
	recs *collection[admDef]
}

func newAdmDefs(kind *admDefKind) *admDefs {
	return &admDefs{kind: kind, recs: newCollection[admDef]()}
}

// admScope says which versions a request may see.
type admScope func(admDef) bool

// workspace is the scope of the workspace a request acts on.
func (d *admDefs) workspace(st *state, ctx context.Context) (admScope, *apiError) {
	ws, err := st.admWorkspaceOf(ctx)
	if err != nil {
		return nil, err
	}
	return func(v admDef) bool { return v.workspace == ws }, nil
}

// get finds a version by ID within a scope.
func (d *admDefs) get(in admScope, id string) (admDef, *apiError) {
	v, ok := d.recs.get(id)
	if !ok || !in(v) {
		return admDef{}, notFound(d.kind.name, id)
	}
	return v, nil
}

// named finds a version by name and version within a scope; "latest"
// picks the one created last.
func (d *admDefs) named(in admScope, name, version string) (admDef, *apiError) {
	recs := d.where(in, &name, &version)
	if len(recs) == 0 {
		return admDef{}, notFound(d.kind.name, name+"@"+version)
	}
	return recs[len(recs)-1].v, nil
}

// where answers the versions of a scope in creation order, filtered by
// name and version when given; version "latest" keeps, of each name, the
// version created last.
func (d *admDefs) where(in admScope, name, version *string) []*record[admDef] {
	recs := d.recs.filter(func(v admDef) bool {
		return in(v) && (name == nil || v.doc["name"] == *name) &&
			(version == nil || *version == "latest" || v.doc["version"] == *version)
	})
	if version != nil && *version == "latest" {
		last := map[any]int64{}
		for _, r := range recs {
			last[r.v.doc["name"]] = r.seq
		}
		recs = slices.DeleteFunc(recs, func(r *record[admDef]) bool { return last[r.v.doc["name"]] != r.seq })
	}
	return recs
}

// of finds a version of the workspace a request acts on.
func (d *admDefs) of(st *state, ctx context.Context, id string) (admDef, *apiError) {
	in, err := d.workspace(st, ctx)
	if err != nil {
		return admDef{}, err
	}
	return d.get(in, id)
}

// byName finds a version of the workspace by name and version; "latest"
// picks the one created last.
func (d *admDefs) byName(st *state, ctx context.Context, name, version string) (admDef, *apiError) {
	in, err := d.workspace(st, ctx)
	if err != nil {
		return admDef{}, err
	}
	return d.named(in, name, version)
}

// create adds a version made from a create body.
func (d *admDefs) create(st *state, ctx context.Context, body any) (admDef, *apiError) {
	ws, err := st.admWorkspaceOf(ctx)
	if err != nil {
		return admDef{}, err
	}
	in := admJSON(body)
	if err := d.checkNew(ws, in); err != nil {
		return admDef{}, err
	}
	id, seq := st.ids.next(d.kind.prefix)
	now := timestamp(st.now())
	doc := map[string]any{"id": id, "createdAt": now, "updatedAt": now}
	d.merge(st, doc, in)
	v := admDef{workspace: ws, doc: doc}
	d.recs.add(id, seq, v)
	if d.kind.signing {
		st.admNewSigning(id)
	}
	return v, nil
}

// checkNew makes the checks of a create body (as JSON) in workspace ws:
// no version of the workspace has its name and version.
func (d *admDefs) checkNew(ws string, in map[string]any) *apiError {
	name, version := in["name"], in["version"]
	if _, dup := d.recs.find(func(v admDef) bool {
		return v.workspace == ws && v.doc["name"] == name && v.doc["version"] == version
	}); dup {
		return alreadyExists(d.kind.name, fmt.Sprintf("%v@%v", name, version))
	}
	return nil
}

// update merges an update body into a version.
func (d *admDefs) update(st *state, ctx context.Context, id string, body any) (admDef, *apiError) {
	v, err := d.of(st, ctx, id)
	if err != nil {
		return admDef{}, err
	}
	doc := admClone(v.doc).(map[string]any)
	in := admJSON(body)
	delete(in, "name")
	delete(in, "version")
	d.merge(st, doc, in)
	doc["updatedAt"] = timestamp(st.now())
	v.doc = doc
	d.recs.put(id, v)
	return v, nil
}

// remove deletes a version and its signing secrets.
func (d *admDefs) remove(st *state, ctx context.Context, id string) *apiError {
	if _, err := d.of(st, ctx, id); err != nil {
		return err
	}
	d.recs.remove(id)
	st.admForget(id)
	return nil
}

// list answers a page of the workspace's versions, filtered by name and
// version when given (see where) and by keep.
func (d *admDefs) list(st *state, ctx context.Context, name, version, token *string, size int, keep func(map[string]any) bool) ([]map[string]any, *string, error) {
	in, aerr := d.workspace(st, ctx)
	if aerr != nil {
		return nil, nil, aerr
	}
	recs := d.where(func(v admDef) bool { return in(v) && (keep == nil || keep(v.doc)) }, name, version)
	page, next, err := paginate(recs, token, size, false)
	if err != nil {
		return nil, nil, err
	}
	out := make([]map[string]any, len(page))
	for i, v := range page {
		out[i] = v.doc
	}
	return out, next, nil
}

// merge applies a body (as JSON) to doc, then fills in the defaults.
func (d *admDefs) merge(st *state, doc, in map[string]any) {
	k := d.kind
	for key, v := range in {
		switch {
		case k.skip[key]:
		case v == nil:
			delete(doc, key)
		case k.maps[key]:
			doc[key] = admMergeEntries(doc[key], v)
		case k.nested[key]:
			obj, _ := doc[key].(map[string]any)
			if obj == nil {
				obj = map[string]any{}
			}
			upd, _ := v.(map[string]any)
			for sk, sv := range upd {
				if m, ok := sv.(map[string]any); ok {
					obj[sk] = admMergeEntries(obj[sk], m)
				} else {
					obj[sk] = admStripNulls(sv)
				}
			}
			doc[key] = obj
		default:
			doc[key] = admStripNulls(v)
		}
	}
	if secrets, ok := in["secrets"].(map[string]any); ok && k.skip["secrets"] {
		names := map[string]bool{}
		if cur, ok := doc["secrets"].([]any); ok {
			for _, n := range cur {
				names[fmt.Sprint(n)] = true
			}
		}
		for n, v := range secrets {
			names[n] = v != nil
		}
		out := []any{}
		for _, n := range slices.Sorted(maps.Keys(names)) {
			if names[n] {
				out = append(out, n)
			}
		}
		doc["secrets"] = out
	}
	if vis, ok := in["visibility"].(string); ok {
		doc["public"] = vis == "public"
	} else if pub, ok := in["public"].(bool); ok {
		doc["visibility"] = map[bool]string{true: "public", false: "private"}[pub]
	}
	k.fill(st, doc)
}

// admMergeEntries merges a map of entries into cur: a null entry removes
// one, any other replaces it (with the nulls inside it left out).
func admMergeEntries(cur, upd any) map[string]any {
	out := map[string]any{}
	if m, ok := cur.(map[string]any); ok {
		maps.Copy(out, m)
	}
	if m, ok := upd.(map[string]any); ok {
		for k, v := range m {
			if v == nil {
				delete(out, k)
			} else {
				out[k] = admStripNulls(v)
			}
		}
	}
	return out
}

// admStripNulls copies a JSON value without the null values of its objects.
func admStripNulls(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			if e != nil {
				out[k] = admStripNulls(e)
			}
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = admStripNulls(e)
		}
		return out
	}
	return v
}

// admClone deep-copies a JSON value.
func admClone(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = admClone(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = admClone(e)
		}
		return out
	}
	return v
}

// admJSON turns a request body into its JSON object.
func admJSON(body any) map[string]any {
	b, err := json.Marshal(body)
	if err != nil {
		panic(fmt.Sprintf("bptest: encoding %T: %v", body, err))
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		panic(fmt.Sprintf("bptest: decoding %T: %v", body, err))
	}
	if out == nil {
		out = map[string]any{}
	}
	return out
}

// admFill gives doc each key of defaults it lacks (or holds null), and
// fills the objects it has from the objects of defaults, recursively.
func admFill(doc, defaults map[string]any) {
	for k, def := range defaults {
		cur, ok := doc[k]
		if !ok || cur == nil {
			doc[k] = def
			continue
		}
		if dm, ok := def.(map[string]any); ok {
			if cm, ok := cur.(map[string]any); ok {
				admFill(cm, dm)
			}
		}
	}
}

// admEach calls f with each entry of the map doc[key] that is an object.
func admEach(doc map[string]any, key string, f func(k string, entry map[string]any)) {
	m, _ := doc[key].(map[string]any)
	for k, v := range m {
		if e, ok := v.(map[string]any); ok {
			f(k, e)
		}
	}
}

func admCreation() map[string]any {
	return map[string]any{"enabled": false, "requiredTags": []any{}}
}

// admFillIntegration gives an integration version the required fields its
// bodies left out.
func admFillIntegration(st *state, doc map[string]any) {
	admFill(doc, map[string]any{
		"identifier": map[string]any{}, "url": "", "interfaces": map[string]any{},
		"configuration":  map[string]any{"identifier": map[string]any{"required": false}, "schema": map[string]any{}},
		"configurations": map[string]any{}, "channels": map[string]any{}, "states": map[string]any{},
		"events": map[string]any{}, "actions": map[string]any{}, "entities": map[string]any{},
		"user": map[string]any{"creation": admCreation(), "tags": map[string]any{}},
		"dev":  false, "title": doc["name"], "description": "", "iconUrl": "", "readmeUrl": "",
		"public": false, "visibility": "private", "verificationStatus": "unapproved",
		"lifecycleStatus": "published", "secrets": []any{},
	})
	admEach(doc, "channels", func(_ string, ch map[string]any) {
		admFill(ch, map[string]any{
			"conversation": map[string]any{"creation": admCreation(), "tags": map[string]any{}},
			"message":      map[string]any{"tags": map[string]any{}}, "messages": map[string]any{},
		})
	})
	admEach(doc, "configurations", func(_ string, c map[string]any) {
		admFill(c, map[string]any{"identifier": map[string]any{"required": false}, "schema": map[string]any{}})
	})
	admEach(doc, "interfaces", func(k string, i map[string]any) {
		st.admRef(st.admin.interfaces, k, i)
		admFill(i, map[string]any{
			"actions": map[string]any{}, "channels": map[string]any{}, "entities": map[string]any{}, "events": map[string]any{},
		})
	})
}

// admRef fills a reference to a version of d (an integration's interface,
// a plugin's dependency) from the version it names, of any workspace: the
// name and version of the one with its ID or, when it has no ID, the ID of
// the one of its name and version created last, or else a new ID; what is
// still missing then is the key as name and 0.0.0 as version.
func (st *state) admRef(d *admDefs, key string, ref map[string]any) {
	id, _ := ref["id"].(string)
	if v, ok := d.recs.get(id); ok {
		admFill(ref, map[string]any{"name": v.doc["name"], "version": v.doc["version"]})
	} else if !admIDOK(id) {
		name, nok := ref["name"].(string)
		version, vok := ref["version"].(string)
		if recs := d.where(func(admDef) bool { return nok && vok }, &name, &version); len(recs) > 0 {
			ref["id"] = recs[len(recs)-1].v.doc["id"]
		} else {
			ref["id"], _ = st.ids.next(d.kind.prefix)
		}
	}
	admFill(ref, map[string]any{"name": key, "version": "0.0.0"})
}

// admFillPlugin gives a plugin version the required fields its bodies left
// out, and its dependencies what admRef finds for them.
func admFillPlugin(st *state, doc map[string]any) {
	admFill(doc, map[string]any{
		"configuration": map[string]any{"schema": map[string]any{}},
		"states":        map[string]any{}, "events": map[string]any{}, "actions": map[string]any{},
		"dependencies": map[string]any{"interfaces": map[string]any{}, "integrations": map[string]any{}},
		"user":         map[string]any{"tags": map[string]any{}}, "conversation": map[string]any{"tags": map[string]any{}},
		"message": map[string]any{"tags": map[string]any{}},
		"title":   doc["name"], "description": "", "iconUrl": "", "readmeUrl": "",
		"public": false, "visibility": "private", "lifecycleStatus": "published",
	})
	deps, _ := doc["dependencies"].(map[string]any)
	for _, d := range []*admDefs{st.admin.integrations, st.admin.interfaces} {
		admEach(deps, d.kind.name+"s", func(k string, dep map[string]any) { st.admRef(d, k, dep) })
	}
}

// admWorkspaceOf is the workspace a request acts on, which must exist.
func (st *state) admWorkspaceOf(ctx context.Context) (string, *apiError) {
	ws := workspaceOf(ctx)
	if _, ok := st.adm().workspaces.get(ws); !ok {
		return "", notFound("workspace", ws)
	}
	return ws, nil
}

// --- Integrations ---

// admIntegration is the answer for an integration version.
func (st *state) admIntegration(v admDef) gen.Integration {
	out := admAs[gen.Integration](v.doc)
	out.SigningSecret = st.admSigningSecret(out.ID)
	return out
}

func (h *server) CreateIntegration(ctx context.Context, req gen.CreateIntegrationRequestObject) (gen.CreateIntegrationResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	v, err := st.admin.integrations.create(st, ctx, req.Body)
	if err != nil {
		return nil, err
	}
	return gen.CreateIntegration200JSONResponse{Integration: st.admIntegration(v)}, nil
}

func (h *server) GetIntegration(ctx context.Context, req gen.GetIntegrationRequestObject) (gen.GetIntegrationResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	v, err := st.admin.integrations.of(st, ctx, req.ID)
	if err != nil {
		return nil, err
	}
	return gen.GetIntegration200JSONResponse{Integration: st.admIntegration(v)}, nil
}

func (h *server) GetIntegrationByName(ctx context.Context, req gen.GetIntegrationByNameRequestObject) (gen.GetIntegrationByNameResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	v, err := st.admin.integrations.byName(st, ctx, req.Name, req.Version)
	if err != nil {
		return nil, err
	}
	return gen.GetIntegrationByName200JSONResponse{Integration: st.admIntegration(v)}, nil
}

func (h *server) UpdateIntegration(ctx context.Context, req gen.UpdateIntegrationRequestObject) (gen.UpdateIntegrationResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	v, err := st.admin.integrations.update(st, ctx, req.ID, req.Body)
	if err != nil {
		return nil, err
	}
	return gen.UpdateIntegration200JSONResponse{Integration: st.admIntegration(v)}, nil
}

func (h *server) DeleteIntegration(ctx context.Context, req gen.DeleteIntegrationRequestObject) (gen.DeleteIntegrationResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	if err := st.admin.integrations.remove(st, ctx, req.ID); err != nil {
		return nil, err
	}
	return gen.DeleteIntegration200JSONResponse{}, nil
}

// ListIntegrations lists the workspace's integration versions in creation
// order, filtered by name, version, dev, visibility and verification
// status; the other filters, search and sorting are not applied. limit is
// read as pageSize when pageSize is left out.
func (h *server) ListIntegrations(ctx context.Context, req gen.ListIntegrationsRequestObject) (gen.ListIntegrationsResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	p := req.Params
	page, next, err := st.admin.integrations.list(st, ctx, p.Name, p.Version, p.NextToken, st.pageSizeOf(pageSizeOrLimit(p.PageSize, p.Limit)), func(doc map[string]any) bool {
		return (p.Dev == nil || doc["dev"] == *p.Dev) &&
			(p.Visibility == nil || doc["visibility"] == string(*p.Visibility)) &&
			(p.VerificationStatus == nil || doc["verificationStatus"] == string(*p.VerificationStatus))
	})
	if err != nil {
		return nil, err
	}
	return gen.ListIntegrations200JSONResponse{Integrations: admAs[[]gen.IntegrationSummary](page), Meta: gen.PageMeta{NextToken: next}}, nil
}

// pageSizeOrLimit is the page size a list of integrations asks for: its
// pageSize, or else its older limit.
func pageSizeOrLimit(pageSize *int, limit *int) *int {
	if pageSize == nil && limit != nil {
		return ptr(max(1, *limit))
	}
	return pageSize
}

// --- Plugins ---

func (h *server) CreatePlugin(ctx context.Context, req gen.CreatePluginRequestObject) (gen.CreatePluginResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	v, err := st.admin.plugins.create(st, ctx, req.Body)
	if err != nil {
		return nil, err
	}
	return gen.CreatePlugin200JSONResponse{Plugin: admAs[gen.Plugin](v.doc)}, nil
}

func (h *server) GetPlugin(ctx context.Context, req gen.GetPluginRequestObject) (gen.GetPluginResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	v, err := st.admin.plugins.of(st, ctx, req.ID)
	if err != nil {
		return nil, err
	}
	return gen.GetPlugin200JSONResponse{Plugin: admAs[gen.Plugin](v.doc)}, nil
}

// GetDereferencedPlugin answers the plugin with its references to
// interfaces resolved (admDereference).
func (h *server) GetDereferencedPlugin(ctx context.Context, req gen.GetDereferencedPluginRequestObject) (gen.GetDereferencedPluginResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	v, err := st.admin.plugins.of(st, ctx, req.ID)
	if err != nil {
		return nil, err
	}
	integrations, err := st.admin.integrations.workspace(st, ctx)
	if err != nil {
		return nil, err
	}
	doc, err := st.admDereference(v.doc, req.Params.Interfaces, integrations)
	if err != nil {
		return nil, err
	}
	return gen.GetDereferencedPlugin200JSONResponse{Plugin: admAs[gen.Plugin](doc)}, nil
}

// admDereference resolves a plugin's references to interfaces with the
// integrations a getDereferencedPlugin call names, one per interface alias
// of the plugin (interfaces.ALIAS=INTEGRATION_ID), taken from a scope: the
// workspace's integrations here, the Hub's for
// getDereferencedPublicPluginById.
//
// A reference is a JSON schema {"$ref": "interface:ALIAS/entities/ENTITY"}
// anywhere in the schemas of the plugin's configuration, states, events and
// actions, as the Botpress SDK writes an interface's entity; it is replaced
// by the schema of the integration's entity that stands for ENTITY (the
// entity its interfaces entry maps ENTITY to, or ENTITY itself). The rest of
// the plugin, dependencies included, is answered as getPlugin does.
//
// What resolves a reference is the integration's record of the interface
// it implements; the interface definitions bptest keeps (createInterface)
// are not consulted, so a plugin may name an interface by an ID bptest
// never made. The integration implements the plugin's
// interface when one of its interfaces entries has the same ID, or the
// same name and version. Errors:
//   - an alias the plugin has no interface dependency under: 404 ResourceNotFound;
//   - an integration not in the scope: 404 ResourceNotFound;
//   - an interface alias of the plugin left out of the query, or paired
//     with an integration that does not implement it: 400 InvalidQuery;
//   - a reference the integrations cannot resolve (unknown alias or entity,
//     or another form than interface:ALIAS/entities/ENTITY): 400 ReferenceNotFound.
func (st *state) admDereference(plugin map[string]any, chosen map[string]string, integrations admScope) (map[string]any, *apiError) {
	deps, _ := plugin["dependencies"].(map[string]any)
	ifaces, _ := deps["interfaces"].(map[string]any)
	pluginID, _ := plugin["id"].(string)
	for _, alias := range slices.Sorted(maps.Keys(chosen)) {
		if _, ok := ifaces[alias]; !ok {
			return nil, errorf(http.StatusNotFound, "ResourceNotFound", "plugin %q has no interface %q: its interface aliases are %q",
				pluginID, alias, slices.Sorted(maps.Keys(ifaces)))
		}
	}
	impls := map[string]admImplementation{}
	for _, alias := range slices.Sorted(maps.Keys(ifaces)) {
		dep, _ := ifaces[alias].(map[string]any)
		id, ok := chosen[alias]
		if !ok {
			return nil, errorf(http.StatusBadRequest, "InvalidQuery", "interfaces.%s: no integration given for interface %q of plugin %q", alias, alias, pluginID)
		}
		integ, err := st.admin.integrations.get(integrations, id)
		if err != nil {
			return nil, err
		}
		impl, ok := admImplementationOf(integ.doc, dep)
		if !ok {
			return nil, errorf(http.StatusBadRequest, "InvalidQuery", "interfaces.%s: integration %q does not implement interface %v@%v (%v)",
				alias, id, dep["name"], dep["version"], dep["id"])
		}
		impls[alias] = impl
	}
	out := admClone(plugin).(map[string]any)
	for _, key := range []string{"configuration", "states", "events", "actions"} {
		v, err := admResolveRefs(out[key], impls)
		if err != nil {
			return nil, err
		}
		if v != nil {
			out[key] = v
		}
	}
	return out, nil
}

// admImplementation is how an integration implements an interface: its
// entities, and its entry of the interface (which of its entities stands
// for each of the interface's).
type admImplementation struct {
	integration string
	entities    map[string]any
	entry       map[string]any
}

// admImplementationOf finds the entry of an integration's interfaces that
// implements a plugin's interface dependency: same ID, or same name and
// version.
func admImplementationOf(integ, dep map[string]any) (admImplementation, bool) {
	impls, _ := integ["interfaces"].(map[string]any)
	for _, key := range slices.Sorted(maps.Keys(impls)) {
		e, _ := impls[key].(map[string]any)
		if e == nil {
			continue
		}
		if e["id"] == dep["id"] || (e["name"] == dep["name"] && e["version"] == dep["version"]) {
			entities, _ := integ["entities"].(map[string]any)
			id, _ := integ["id"].(string)
			return admImplementation{integration: id, entities: entities, entry: e}, true
		}
	}
	return admImplementation{}, false
}

// admResolveRefs copies a JSON value with each interface reference in it
// replaced by the schema it stands for (see admDereference).
func admResolveRefs(v any, impls map[string]admImplementation) (any, *apiError) {
	switch v := v.(type) {
	case map[string]any:
		if ref, ok := v["$ref"].(string); ok && strings.HasPrefix(ref, "interface:") {
			return admResolveRef(ref, impls)
		}
		out := make(map[string]any, len(v))
		for k, e := range v {
			r, err := admResolveRefs(e, impls)
			if err != nil {
				return nil, err
			}
			out[k] = r
		}
		return out, nil
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			r, err := admResolveRefs(e, impls)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	}
	return v, nil
}

// admResolveRef answers the schema a reference interface:ALIAS/entities/ENTITY
// stands for.
func admResolveRef(ref string, impls map[string]admImplementation) (any, *apiError) {
	unresolved := func(format string, args ...any) *apiError {
		return errorf(http.StatusBadRequest, "ReferenceNotFound", "reference %q: %s", ref, fmt.Sprintf(format, args...))
	}
	parts := strings.Split(strings.TrimPrefix(ref, "interface:"), "/")
	if len(parts) != 3 || parts[1] != "entities" {
		return nil, unresolved("bptest resolves interface:ALIAS/entities/ENTITY only")
	}
	alias, entity := parts[0], parts[2]
	impl, ok := impls[alias]
	if !ok {
		return nil, unresolved("the plugin has no interface %q", alias)
	}
	name := entity
	mapping, _ := impl.entry["entities"].(map[string]any)
	if to, _ := mapping[entity].(map[string]any); to != nil {
		if n, _ := to["name"].(string); n != "" {
			name = n
		}
	}
	def, _ := impl.entities[name].(map[string]any)
	schema, ok := def["schema"].(map[string]any)
	if !ok {
		return nil, unresolved("integration %q has no entity %q for interface entity %q", impl.integration, name, entity)
	}
	return admClone(schema), nil
}

func (h *server) GetPluginByName(ctx context.Context, req gen.GetPluginByNameRequestObject) (gen.GetPluginByNameResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	v, err := st.admin.plugins.byName(st, ctx, req.Name, req.Version)
	if err != nil {
		return nil, err
	}
	return gen.GetPluginByName200JSONResponse{Plugin: admAs[gen.Plugin](v.doc)}, nil
}

func (h *server) UpdatePlugin(ctx context.Context, req gen.UpdatePluginRequestObject) (gen.UpdatePluginResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	v, err := st.admin.plugins.update(st, ctx, req.ID, req.Body)
	if err != nil {
		return nil, err
	}
	return gen.UpdatePlugin200JSONResponse{Plugin: admAs[gen.Plugin](v.doc)}, nil
}

func (h *server) DeletePlugin(ctx context.Context, req gen.DeletePluginRequestObject) (gen.DeletePluginResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	if err := st.admin.plugins.remove(st, ctx, req.ID); err != nil {
		return nil, err
	}
	return gen.DeletePlugin200JSONResponse{}, nil
}

func (h *server) ListPlugins(ctx context.Context, req gen.ListPluginsRequestObject) (gen.ListPluginsResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	p := req.Params
	page, next, err := st.admin.plugins.list(st, ctx, p.Name, p.Version, p.NextToken, st.pageSizeOf(p.PageSize), nil)
	if err != nil {
		return nil, err
	}
	return gen.ListPlugins200JSONResponse{Plugins: admAs[[]gen.PluginSummary](page), Meta: gen.PageMeta{NextToken: next}}, nil
}

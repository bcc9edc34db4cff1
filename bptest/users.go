package bptest

import (
	"context"
	"slices"
	"time"

	gen "github.com/botpress-go/sdk/bptest/internal/server"
)

// Users: create, get, list (by conversation, tags, dates), get-or-create
// (by tags, or by the tags named in discriminateByTags), update, delete.
// A user keeps the properties and (deprecated) attributes it is given:
// set at creation, merged by updates (null or "" removes a key), and
// answered wherever the user appears, participants included.

func (h *server) CreateUser(ctx context.Context, req gen.CreateUserRequestObject) (gen.CreateUserResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	body := req.Body
	u := st.newUser(st.bot(botOf(ctx)), rtUser{
		tags: body.Tags, name: body.Name, picture: body.PictureURL,
		properties: body.Properties, attributes: body.Attributes,
	})
	return gen.CreateUser201JSONResponse{User: u}, nil
}

// rtUser is what a new user is made of.
type rtUser struct {
	tags                   map[string]string
	name, picture          *string
	properties, attributes map[string]string
}

func (st *state) newUser(b *botState, in rtUser) gen.User {
	id, seq := st.ids.next("user")
	now := st.now().UTC()
	u := gen.User{
		ID: id, CreatedAt: now, UpdatedAt: now, Tags: mergeTags(nil, in.tags), Name: in.name, PictureURL: in.picture,
		Properties: rtFields(nil, in.properties),
		Attributes: rtFields(nil, in.attributes),
	}
	b.users.add(id, seq, u)
	return u
}

func (h *server) GetUser(ctx context.Context, req gen.GetUserRequestObject) (gen.GetUserResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	u, ok := st.bot(botOf(ctx)).users.get(req.ID)
	if !ok {
		return nil, notFound("user", req.ID)
	}
	return gen.GetUser200JSONResponse{User: u}, nil
}

func (h *server) ListUsers(ctx context.Context, req gen.ListUsersRequestObject) (gen.ListUsersResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	b := st.bot(botOf(ctx))
	p := req.Params
	tags := req.Params.Tags
	var members *collection[string]
	if p.ConversationID != nil {
		members = b.participants[*p.ConversationID]
		if _, ok := b.conversations.get(*p.ConversationID); !ok {
			return nil, notFound("conversation", *p.ConversationID)
		}
	}
	useUpdated := p.RangeField != nil && *p.RangeField == gen.DateFieldUpdatedAt
	recs := b.users.filter(func(u gen.User) bool {
		if members != nil {
			if _, ok := members.get(u.ID); !ok {
				return false
			}
		} else if p.ConversationID != nil {
			return false
		}
		t := u.CreatedAt
		if useUpdated {
			t = u.UpdatedAt
		}
		return matchTags(u.Tags, tags) && inRange(t, p.AfterDate, p.BeforeDate)
	})
	if p.SortField != nil && *p.SortField == gen.DateFieldUpdatedAt {
		recs = sortedBy(recs, func(u gen.User) time.Time { return u.UpdatedAt })
	}
	desc := p.SortDirection != nil && *p.SortDirection == gen.SortDirectionDesc
	users, next, err := paginate(recs, p.NextToken, st.pageSizeOf(p.PageSize), desc)
	if err != nil {
		return nil, err
	}
	return gen.ListUsers200JSONResponse{Users: users, Meta: gen.PageMeta{NextToken: next}}, nil
}

func (h *server) GetOrCreateUser(ctx context.Context, req gen.GetOrCreateUserRequestObject) (gen.GetOrCreateUserResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	b := st.bot(botOf(ctx))
	body := req.Body
	tags := rtStrings(body.Tags)
	// With no tags to match on, nothing matches: a new user is made.
	if want := discriminate(tags, body.DiscriminateByTags); len(want) > 0 {
		if u, ok := b.users.find(func(u gen.User) bool { return matchTags(u.Tags, want) }); ok {
			return gen.GetOrCreateUser200JSONResponse{User: u, Meta: gen.GetOrCreateMeta{Created: false}}, nil
		}
	}
	u := st.newUser(b, rtUser{
		tags: tags, name: body.Name, picture: body.PictureURL,
		properties: rtStrings(body.Properties), attributes: rtStrings(body.Attributes),
	})
	return gen.GetOrCreateUser200JSONResponse{User: u, Meta: gen.GetOrCreateMeta{Created: true}}, nil
}

func (h *server) UpdateUser(ctx context.Context, req gen.UpdateUserRequestObject) (gen.UpdateUserResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	b := st.bot(botOf(ctx))
	u, ok := b.users.get(req.ID)
	if !ok {
		return nil, notFound("user", req.ID)
	}
	u.Tags = mergeTags(u.Tags, rtStrings(req.Body.Tags))
	u.Properties = rtFields(u.Properties, rtStrings(req.Body.Properties))
	u.Attributes = rtFields(u.Attributes, rtStrings(req.Body.Attributes))
	setNullable(&u.Name, req.Body.Name)
	setNullable(&u.PictureURL, req.Body.PictureURL)
	u.UpdatedAt = st.now().UTC()
	b.users.put(u.ID, u)
	return gen.UpdateUser200JSONResponse{User: u}, nil
}

func (h *server) DeleteUser(ctx context.Context, req gen.DeleteUserRequestObject) (gen.DeleteUserResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	if !st.rtDeleteUser(st.bot(botOf(ctx)), req.ID) {
		return nil, notFound("user", req.ID)
	}
	return gen.DeleteUser200JSONResponse{}, nil
}

// rtDeleteUser removes a user, from the conversations it takes part in
// too, with its states; the Chat API forgets its ID and ends its streams.
func (st *state) rtDeleteUser(b *botState, id string) bool {
	if !b.users.remove(id) {
		return false
	}
	for _, p := range b.participants {
		p.remove(id)
	}
	b.rtRemoveStates(gen.StateTypeUser, id)
	if b.id == st.srv.BotID {
		st.chat.users.forget(id)
		st.srv.chatHub.end(func(s *chatStream) bool { return s.user == id })
	}
	return true
}

// rtStrings reads a map whose values may be null, as the tags, properties
// and attributes of get-or-create and update calls are: a null value
// becomes "", which removes a key in an update (mergeTags) and stands for
// "no such key" in a lookup (matchTags).
func rtStrings(m map[string]*string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		if v != nil {
			out[k] = *v
		} else {
			out[k] = ""
		}
	}
	return out
}

// rtFields applies an update to the properties or attributes of a user or
// conversation, as mergeTags does to tags ("" removes a key); none left is
// nil, which the answers leave out.
func rtFields(fields, update map[string]string) map[string]string {
	out := mergeTags(fields, update)
	if len(out) == 0 {
		return nil
	}
	return out
}

// discriminate returns the tags a get-or-create matches on: those named in
// by, or all of tags when by is empty.
func discriminate(tags map[string]string, by []string) map[string]string {
	if len(by) == 0 {
		return tags
	}
	out := map[string]string{}
	for _, k := range by {
		out[k] = tags[k]
	}
	return out
}

// inRange reports whether t lies within the optional bounds, both included.
func inRange(t time.Time, after, before *time.Time) bool {
	return (after == nil || !t.Before(*after)) && (before == nil || !t.After(*before))
}

// sortedBy orders records by a time, keeping creation order on ties.
func sortedBy[T any](recs []*record[T], key func(T) time.Time) []*record[T] {
	out := slices.Clone(recs)
	slices.SortStableFunc(out, func(a, b *record[T]) int { return key(a.v).Compare(key(b.v)) })
	return out
}

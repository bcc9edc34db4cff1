package bptest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/oapi-codegen/nullable"

	gen "github.com/botpress-go/sdk/bptest/internal/server"
)

// ActionHandler scripts the integrations' actions that bots call with
// callAction, since bptest runs no integration: it gets the action's type
// (integration:action, such as slack:addReaction) and input, and returns
// its output, or an error for an action that fails. ctx is the request's;
// ActionBotID tells the bot that calls.
type ActionHandler func(ctx context.Context, actionType string, input map[string]any) (output map[string]any, err error)

// OnAction sets the script of callAction (see ActionHandler); nil, the
// default, makes every call fail with 400 Runtime "no action handler".
//
// A call is answered as Botpress does: its type must be
// integration:action (400 InvalidPayload otherwise), and the integration,
// an alias of the bot's (the key it is installed under in getBot's
// integrations, or its name), installed in the bot (404 ResourceNotFound
// otherwise). The handler then runs, outside the server's lock (it may
// call the server); its output is answered with meta.cached false, a nil
// output as {}. An error is answered 400 Runtime with the error's text.
// Each call the handler runs is recorded as an action run of the bot
// (listActionRuns): SUCCESS with the output, or FAILURE with the error's
// text; integrationName is the alias, durationMs what the server's clock
// measured. A call refused before the handler runs records nothing.
func (s *Server) OnAction(h ActionHandler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onAction = h
}

type actionBotKey struct{}

// ActionBotID returns the ID of the bot that called the action an
// ActionHandler runs, or "" for another context.
func ActionBotID(ctx context.Context) string {
	id, _ := ctx.Value(actionBotKey{}).(string)
	return id
}

func (h *server) CallAction(ctx context.Context, req gen.CallActionRequestObject) (gen.CallActionResponseObject, error) {
	typ, input := req.Body.Type, req.Body.Input
	alias, action, ok := strings.Cut(typ, ":")
	if !ok || alias == "" || action == "" {
		return nil, invalidPayload("type %q: an action's type is integration:action", typ)
	}
	if input == nil {
		input = map[string]any{}
	}
	botID := botOf(ctx)
	st, unlock := h.lock()
	b, found := st.adm().bots.get(botID)
	installed := false
	for k, in := range b.bot.Integrations {
		installed = installed || k == alias || in.Name == alias
	}
	handler := h.s.onAction
	start := st.now()
	unlock()
	switch {
	case !found:
		return nil, notFound("bot", botID)
	case !installed:
		return nil, errorf(http.StatusNotFound, "ResourceNotFound", "integration %q is not installed in bot %q", alias, botID)
	case handler == nil:
		return nil, errorf(http.StatusBadRequest, "Runtime", "no action handler: bptest runs no integration; set one with Server.OnAction to answer %s", typ)
	}
	out, herr := handler(context.WithValue(ctx, actionBotKey{}, botID), typ, admClone(input).(map[string]any))
	if herr == nil {
		// The output as JSON, as it is answered.
		raw, err := json.Marshal(out)
		if err == nil {
			out = nil
			err = json.Unmarshal(raw, &out)
		}
		if err != nil {
			herr = fmt.Errorf("output is not a JSON object: %v", err)
		}
	}
	if out == nil {
		out = map[string]any{}
	}
	st, unlock = h.lock()
	defer unlock()
	run := gen.ActionRun{
		ActionType: typ, IntegrationName: ptr(alias), Input: input, Timestamp: instant(start),
		DurationMs: float64(st.now().Sub(start).Milliseconds()), Status: gen.ActionRunStatusSUCCESS,
		Output: nullable.NewNullableWithValue(out),
	}
	if herr != nil {
		run.Status, run.Output = gen.ActionRunStatusFAILURE, nullable.NewNullNullable[map[string]any]()
		run.ErrorMessage = nullable.NewNullableWithValue(herr.Error())
	}
	if bs := st.bots[botID]; bs != nil {
		id, seq := st.ids.next("actrun")
		bs.actionRuns.add(id, seq, run)
	}
	if herr != nil {
		return nil, errorf(http.StatusBadRequest, "Runtime", "%s: %v", typ, herr)
	}
	return gen.CallAction200JSONResponse{Output: out, Meta: gen.CallActionResponse_Meta{}}, nil
}

package bptest

import (
	"context"
	"net/http"

	gen "github.com/botpress-go/sdk/bptest/internal/server"
)

// The helpers of the admin API, and deleteAccount.
//
//   - runVrl answers 501 (type Unknown, a message that says so): bptest
//     cannot run VRL (Vector Remap Language) programs, and answers no made
//     up result. Try programs against Botpress Cloud.
//   - introspect answers the workspace a bot belongs to (any workspace the
//     server holds: the account owns them all), the bot's ID and the ID of
//     the account the server's token belongs to; an unknown bot is 404.
//   - deleteAccount deletes the account of the server's token: from then on
//     every request of the API with that token is 401 Unauthorized, as the
//     token of a deleted account is. Nothing else changes: the state is
//     kept (the Chat API, which does not use the token, keeps working).

func (h *server) RunVrl(ctx context.Context, req gen.RunVrlRequestObject) (gen.RunVrlResponseObject, error) {
	return nil, errorf(http.StatusNotImplemented, "Unknown", "bptest cannot run VRL programs: try this one against Botpress Cloud")
}

func (h *server) Introspect(ctx context.Context, req gen.IntrospectRequestObject) (gen.IntrospectResponseObject, error) {
	if req.Body == nil {
		return nil, invalidPayload("a body is required")
	}
	st, unlock := h.lock()
	defer unlock()
	a := st.adm()
	b, ok := a.bots.get(req.Body.BotID)
	if !ok {
		return nil, notFound("bot", req.Body.BotID)
	}
	return gen.Introspect200JSONResponse{WorkspaceID: b.workspace, BotID: b.bot.ID, UserID: a.account.ID}, nil
}

func (h *server) DeleteAccount(ctx context.Context, req gen.DeleteAccountRequestObject) (gen.DeleteAccountResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	st.adm().deleted = true
	return gen.DeleteAccount200JSONResponse{}, nil
}

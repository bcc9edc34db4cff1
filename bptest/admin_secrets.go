package bptest

import (
	"context"
	"fmt"
	"slices"
	"time"

	gen "github.com/botpress-go/sdk/bptest/internal/server"
)

// Signing secrets of bots and integrations, kept alike for both: each has a
// current secret, which its reads answer as signingSecret, and the secrets
// that rotations replaced, which keep verifying for SigningSecretOverlap
// after the rotation (by the server's clock, see WithClock). The API answers
// only the current one; SigningSecrets lists all that verify.

// SigningSecretOverlap is how long a signing secret replaced by a rotation
// (rotateBotSigningSecrets, rotateIntegrationSigningSecrets) keeps verifying.
const SigningSecretOverlap = 24 * time.Hour

// signing is the signing secret of one bot or integration.
type signing struct {
	current  string
	replaced []replacedSecret // oldest first
}

// replacedSecret is a secret a rotation replaced, valid until a time.
type replacedSecret struct {
	value string
	until time.Time
}

// admNewSigning gives a bot or an integration its first signing secret.
func (st *state) admNewSigning(id string) string {
	s := &signing{current: st.admSecret()}
	st.admin.signing[id] = s
	return s.current
}

// admSecret makes a random signing secret.
func (st *state) admSecret() string {
	return fmt.Sprintf("bptest_secret_%016x%016x", st.ids.rng.Uint64(), st.ids.rng.Uint64())
}

// admSigningSecret is the current signing secret of a bot or an integration.
func (st *state) admSigningSecret(id string) string {
	if s := st.admin.signing[id]; s != nil {
		return s.current
	}
	return ""
}

// admRotate gives a bot or an integration a new signing secret and returns
// it; the one it replaces keeps verifying for SigningSecretOverlap, and
// those whose time is over are forgotten.
func (st *state) admRotate(id string) string {
	now := st.now()
	s := st.admin.signing[id]
	if s == nil {
		s = &signing{}
		st.admin.signing[id] = s
	}
	s.replaced = slices.DeleteFunc(s.replaced, func(r replacedSecret) bool { return !r.until.After(now) })
	if s.current != "" {
		s.replaced = append(s.replaced, replacedSecret{value: s.current, until: now.Add(SigningSecretOverlap)})
	}
	s.current = st.admSecret()
	return s.current
}

// SigningSecrets lists the signing secrets that verify now for the bot or
// integration with this ID: the current one first, then those that
// rotations replaced less than SigningSecretOverlap ago, newest first. It
// is empty for an ID the server does not know.
func (s *Server) SigningSecrets(id string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.state
	st.adm()
	sig := st.admin.signing[id]
	if sig == nil {
		return nil
	}
	now := st.now()
	out := []string{sig.current}
	for _, r := range slices.Backward(sig.replaced) {
		if r.until.After(now) {
			out = append(out, r.value)
		}
	}
	return out
}

func (h *server) RotateBotSigningSecrets(ctx context.Context, req gen.RotateBotSigningSecretsRequestObject) (gen.RotateBotSigningSecretsResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	if _, err := st.admBotOf(ctx, req.ID); err != nil {
		return nil, err
	}
	return gen.RotateBotSigningSecrets200JSONResponse{NewSigningSecret: st.admRotate(req.ID)}, nil
}

func (h *server) RotateIntegrationSigningSecrets(ctx context.Context, req gen.RotateIntegrationSigningSecretsRequestObject) (gen.RotateIntegrationSigningSecretsResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	if _, err := st.admin.integrations.of(st, ctx, req.ID); err != nil {
		return nil, err
	}
	return gen.RotateIntegrationSigningSecrets200JSONResponse{NewSigningSecret: st.admRotate(req.ID)}, nil
}

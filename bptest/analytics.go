package bptest

import (
	"context"

	gen "github.com/botpress-go/sdk/bptest/internal/server"
)

// Analytics: trackAnalytics and captureObservation are accepted once the
// request has passed the spec's validation (for an observation: a name and
// a data object, the other fields optional strings), and answer {}. No
// operation of the API reads back what they record, so bptest keeps none
// of it; the bot the call acts on must exist, as for every runtime call.

func (h *server) TrackAnalytics(ctx context.Context, req gen.TrackAnalyticsRequestObject) (gen.TrackAnalyticsResponseObject, error) {
	if req.Body == nil {
		return nil, invalidPayload("a body is required")
	}
	return gen.TrackAnalytics200JSONResponse{}, nil
}

func (h *server) CaptureObservation(ctx context.Context, req gen.CaptureObservationRequestObject) (gen.CaptureObservationResponseObject, error) {
	if req.Body == nil {
		return nil, invalidPayload("a body is required")
	}
	return gen.CaptureObservation200JSONResponse{}, nil
}

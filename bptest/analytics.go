package bptest

import (
	"context"
	"fmt"
	"time"

	gen "github.com/botpress-go/sdk/bptest/internal/server"
)

// Analytics: trackAnalytics and captureObservation are accepted once the
// request has passed the spec's validation (for an observation: a name and
// a data object, the other fields optional strings), and answer {}. No
// operation of the API reads back what they record, so bptest keeps none
// of it; the bot the call acts on must exist, as for every runtime call.
//
// getBotAnalytics answers one record per UTC day from startDate's day to
// endDate's, both included (ISO 8601 dates or date-times; else, or when
// the end comes before the start, 400 InvalidQuery; at most
// analyticsMaxDays days, bptest's own bound): the record seeded for the
// bot and that day (BotSeed.Analytics), else a record of zeros. bptest
// computes no analytics from what it serves: the figures are the seed's.
// The bot must be one of the request's workspace (404 otherwise).

// analyticsMaxDays is the longest range getBotAnalytics answers.
const analyticsMaxDays = 3660

// analyticsDay gives the UTC day of t; false for the zero time.
func analyticsDay(t time.Time) (time.Time, bool) {
	if t.IsZero() {
		return time.Time{}, false
	}
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), true
}

// analyticsSpan gives a record the bounds of the day that starts at day.
func analyticsSpan(r *gen.GetBotAnalyticsResponse_Records, day time.Time) {
	r.StartDateTimeUtc = instant(day)
	r.EndDateTimeUtc = instant(day.AddDate(0, 0, 1).Add(-time.Millisecond))
}

// loadAnalytics adds seeded analytics records: each covers the UTC day of
// its startDateTimeUtc (required; endDateTimeUtc is set to that day's
// end), one per day; eventTypes and customEvents default to {}.
func (b *botState) loadAnalytics(recs []gen.GetBotAnalyticsResponse_Records) error {
	for _, r := range recs {
		day, ok := analyticsDay(r.StartDateTimeUtc)
		if !ok {
			return fmt.Errorf("analytics record: startDateTimeUtc is required")
		}
		key := day.Format(time.DateOnly)
		if _, dup := b.analytics[key]; dup {
			return fmt.Errorf("analytics record of %s given twice", key)
		}
		analyticsSpan(&r, day)
		if r.EventTypes == nil {
			r.EventTypes = map[string]float64{}
		}
		if r.CustomEvents == nil {
			r.CustomEvents = map[string]float64{}
		}
		b.analytics[key] = r
	}
	return nil
}

func (h *server) GetBotAnalytics(ctx context.Context, req gen.GetBotAnalyticsRequestObject) (gen.GetBotAnalyticsResponseObject, error) {
	from, ok := analyticsDay(req.Params.StartDate)
	if !ok {
		return nil, errorf(400, "InvalidQuery", "startDate is required")
	}
	until, ok := analyticsDay(req.Params.EndDate)
	if !ok {
		return nil, errorf(400, "InvalidQuery", "endDate is required")
	}
	if until.Before(from) {
		return nil, errorf(400, "InvalidQuery", "endDate %s comes before startDate %s", req.Params.EndDate.Format(time.RFC3339Nano), req.Params.StartDate.Format(time.RFC3339Nano))
	}
	if until.Sub(from) >= analyticsMaxDays*24*time.Hour {
		return nil, errorf(400, "InvalidQuery", "bptest answers at most %d days of analytics", analyticsMaxDays)
	}
	st, unlock := h.lock()
	defer unlock()
	if _, err := st.admBotOf(ctx, req.ID); err != nil {
		return nil, err
	}
	b := st.bots[req.ID]
	out := gen.GetBotAnalytics200JSONResponse{Records: []gen.GetBotAnalyticsResponse_Records{}}
	for day := from; !day.After(until); day = day.AddDate(0, 0, 1) {
		r, ok := b.analytics[day.Format(time.DateOnly)]
		if !ok {
			r = gen.GetBotAnalyticsResponse_Records{EventTypes: map[string]float64{}, CustomEvents: map[string]float64{}}
			analyticsSpan(&r, day)
		}
		out.Records = append(out.Records, r)
	}
	return out, nil
}

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

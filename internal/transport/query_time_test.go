package transport

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A date-time parameter goes in the query as JavaScript's toISOString
// writes it: UTC, to the millisecond, whatever the zone and precision of
// the time.Time.
func TestEncodeQueryTime(t *testing.T) {
	paris := time.FixedZone("CET", 3600)
	type params struct {
		Start time.Time  `form:"timeStart"`
		End   *time.Time `form:"timeEnd,omitempty"`
		Unset *time.Time `form:"unset,omitempty"`
	}
	end := time.Date(2026, 1, 2, 15, 4, 5, 123456789, paris)
	q, err := EncodeQuery(&params{Start: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC), End: &end})
	require.NoError(t, err)
	assert.Equal(t, "timeEnd=2026-01-02T14%3A04%3A05.123Z&timeStart=2026-01-02T00%3A00%3A00.000Z", q)
}

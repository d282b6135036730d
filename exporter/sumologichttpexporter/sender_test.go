package sumologichttpexporter

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestRetryAfter(t *testing.T) {
	httpDate := func(d time.Duration) string { return time.Now().Add(d).UTC().Format(http.TimeFormat) }
	tests := []struct {
		name   string
		value  string
		want   time.Duration
		wantOK bool
		// within: the HTTP-date cases lose up to a second to the format and the clock.
		within time.Duration
	}{
		{name: "absent", value: ""},
		{name: "garbage", value: "soon"},
		{name: "negative", value: "-1"},
		{name: "seconds", value: " 7 ", want: 7 * time.Second, wantOK: true},
		{name: "zero", value: "0", want: 0, wantOK: true},
		{name: "at the cap", value: "300", want: maxRetryAfter, wantOK: true},
		{name: "a day is capped", value: "86400", want: maxRetryAfter, wantOK: true},
		{name: "beyond a Duration is capped", value: "99999999999999", want: maxRetryAfter, wantOK: true},
		{name: "date in a minute", value: httpDate(time.Minute), want: time.Minute, wantOK: true, within: 2 * time.Second},
		{name: "date in a day is capped", value: httpDate(24 * time.Hour), want: maxRetryAfter, wantOK: true},
		{name: "past date", value: httpDate(-time.Hour), want: 0, wantOK: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := retryAfter(tt.value)
			assert.Equal(t, tt.wantOK, ok)
			assert.InDelta(t, tt.want, got, float64(tt.within))
		})
	}
}

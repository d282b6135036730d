package jumpcloud

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBaseURLFromEndpoint(t *testing.T) {
	const base = "https://api.jumpcloud.com/insights/directory/v1"
	tests := []struct {
		endpoint string
		want     string
		wantErr  string
	}{
		{endpoint: "https://api.jumpcloud.com", want: base},
		{endpoint: "https://api.jumpcloud.com/", want: base},
		{endpoint: "https://api.jumpcloud.com//", want: base},
		{endpoint: " https://api.jumpcloud.com ", want: base},
		{endpoint: "https://api.jumpcloud.com/insights/directory/v1", want: base},
		{endpoint: "https://api.jumpcloud.com/insights/directory/v1/", want: base},
		{endpoint: "https://api.jumpcloud.com/insights/directory/v1/events", want: base},
		{endpoint: "https://api.jumpcloud.com/insights/directory/v1/events/", want: base},
		{endpoint: "https://api.eu.jumpcloud.com", want: "https://api.eu.jumpcloud.com/insights/directory/v1"},
		{endpoint: "http://127.0.0.1:8080", want: "http://127.0.0.1:8080/insights/directory/v1"},
		// A reverse proxy's prefix is kept, the API path below it.
		{endpoint: "https://proxy.example.com/jumpcloud", want: "https://proxy.example.com/jumpcloud/insights/directory/v1"},
		{endpoint: "https://proxy.example.com/jumpcloud/", want: "https://proxy.example.com/jumpcloud/insights/directory/v1"},
		{endpoint: "https://proxy.example.com/jumpcloud/insights/directory/v1/events", want: "https://proxy.example.com/jumpcloud/insights/directory/v1"},
		{endpoint: "https://proxy.example.com/events", want: "https://proxy.example.com/events/insights/directory/v1"},
		{endpoint: "https://proxy.example.com/a%2Fb", want: "https://proxy.example.com/a%2Fb/insights/directory/v1"},
		{endpoint: "ftp://api.jumpcloud.com", wantErr: `scheme "ftp" must be http or https`},
		{endpoint: "api.jumpcloud.com", wantErr: `scheme "" must be http or https`},
		{endpoint: "https://", wantErr: "has no host"},
		{endpoint: "https://api.jumpcloud.com?x=1", wantErr: "query"},
		{endpoint: "https://api.jumpcloud.com/#top", wantErr: "fragment"},
		{endpoint: "https://user:pw@api.jumpcloud.com", wantErr: "user info"},
		{endpoint: "https://api.jumpcloud.com/%zz", wantErr: "not a URL"},
	}
	for _, tt := range tests {
		t.Run(tt.endpoint, func(t *testing.T) {
			got, err := BaseURLFromEndpoint(tt.endpoint)
			if tt.wantErr != "" {
				assert.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestNotFoundPointsAtEndpoint(t *testing.T) {
	for _, status := range []int{http.StatusNotFound, http.StatusMethodNotAllowed} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			c := newTestClient(t, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(status) })
			_, err := c.Events(context.Background(), anyQuery)
			require.Error(t, err)
			assert.True(t, IsConfigError(err), "retrying a wrong URL cannot succeed")
			assert.Equal(t, status, StatusCodeOf(err))
			assert.Contains(t, err.Error(), "check endpoint")
		})
	}
}

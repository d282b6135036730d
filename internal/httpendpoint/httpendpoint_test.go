package httpendpoint

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestValidate(t *testing.T) {
	const secret = "ZaVnC4dhaV2"
	tests := []struct {
		name    string
		raw     string
		wantErr string
	}{
		{name: "https", raw: "https://endpoint4.collection.sumologic.com/receiver/v1/http/" + secret},
		{name: "http on loopback", raw: "http://127.0.0.1:8080/api/v2"},
		{name: "not a URL", raw: "https://bad host/" + secret, wantErr: "not a valid URL"},
		{name: "control character", raw: "https://h/\x7f" + secret, wantErr: "not a valid URL"},
		{name: "other scheme", raw: "ftp://h/" + secret, wantErr: "scheme must be https"},
		{name: "relative", raw: "/receiver/v1/http/" + secret, wantErr: "scheme must be https"},
		{name: "no host", raw: "https:///" + secret, wantErr: "has no host"},
		{name: "user information", raw: "https://user:" + secret + "@h/", wantErr: "user information"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Validate(tt.raw)
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tt.wantErr)
			assert.NotContains(t, err.Error(), secret, "the value is never echoed")
		})
	}
}

package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
		check   func(t *testing.T, o options)
	}{
		{"defaults", nil, "", func(t *testing.T, o options) {
			assert.Equal(t, "catchup", o.mode)
			assert.Equal(t, []time.Duration{2 * time.Minute, 5 * time.Minute}, o.downs)
			assert.Equal(t, []int{1000}, o.orgs)
			assert.Equal(t, 4, o.concurrency, "the configuration's default max_concurrent_requests")
		}},
		{"lists", []string{"-mode", "orgs", "-orgs", "100, 1000", "-down", "30s,1m"}, "", func(t *testing.T, o options) {
			assert.Equal(t, []int{100, 1000}, o.orgs)
			assert.Equal(t, []time.Duration{30 * time.Second, time.Minute}, o.downs)
		}},
		{"unknown mode", []string{"-mode", "soak"}, `-mode "soak": want catchup, orgs or replicas`, nil},
		{"bad down", []string{"-down", "2m,-1m"}, `-down "2m,-1m"`, nil},
		{"bad orgs", []string{"-orgs", "0"}, `-orgs "0"`, nil},
		{"no rate", []string{"-rate", "0"}, "-rate must be positive", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := parse(tt.args)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			tt.check(t, o)
		})
	}
}

func TestQuantile(t *testing.T) {
	sorted := []time.Duration{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	tests := []struct {
		q    float64
		want time.Duration
	}{{0, 1}, {0.5, 6}, {0.99, 10}, {1, 10}}
	for _, tt := range tests {
		assert.Equal(t, tt.want, quantile(sorted, tt.q), "q=%v", tt.q)
	}
	assert.Zero(t, quantile(nil, 0.5))
}

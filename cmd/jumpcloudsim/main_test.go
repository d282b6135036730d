package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/jumpcloudsim"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestParseFlags(t *testing.T) {
	tests := []struct {
		args []string
		err  string
	}{
		{nil, ""},
		{[]string{"-events", "5", "-rate", "2.5", "-late-fraction", "0.3", "-services", "sso,radius"}, ""},
		{[]string{"-events", "-1"}, "-events -1 is negative"},
		{[]string{"-backfill", "0s"}, "-backfill 0s must be positive"},
		{[]string{"-rate", "-1"}, "-rate -1 is negative"},
		{[]string{"-late-fraction", "1.5"}, "-late-fraction 1.5 out of range"},
		{[]string{"-tick", "0s"}, "-tick 0s must be positive"},
		{[]string{"-client-id", "svc", "-client-secret", "s", "-token-ttl", "2s"}, ""},
		{[]string{"-client-id", "svc"}, "-client-id and -client-secret go together"},
		{[]string{"-token-ttl", "0s"}, "-token-ttl 0s must be positive"},
		{[]string{"extra"}, "unexpected arguments"},
		{[]string{"-nope"}, "flag provided but not defined"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			_, err := parseFlags(tt.args, io.Discard)
			if tt.err == "" {
				assert.NoError(t, err)
				return
			}
			assert.ErrorContains(t, err, tt.err)
		})
	}
}

func TestRunServesBackfillLiveEventsAndStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-listen", "127.0.0.1:0", "-api-key", "k", "-events", "500",
			"-backfill", "1h", "-rate", "200", "-tick", "10ms", "-late-fraction", "0.5", "-late-delay", "1h"}, pw, io.Discard)
		_ = pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	require.NoError(t, err)
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	require.True(t, strings.HasPrefix(line, "jumpcloudsim listening on http://127.0.0.1:"), line)
	base := strings.TrimSpace(strings.TrimPrefix(line, "jumpcloudsim listening on "))

	stats := func() jumpcloudsim.Stats {
		resp, err := http.Get(base + jumpcloudsim.AdminStatsPath)
		require.NoError(t, err)
		defer resp.Body.Close()
		var st jumpcloudsim.Stats
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&st))
		return st
	}
	require.Eventually(t, func() bool { return stats().Events > 520 }, 10*time.Second, 20*time.Millisecond, "live events generated")
	st := stats()
	assert.Less(t, st.VisibleEvents, st.Events, "some live events are late")

	req, err := http.NewRequest(http.MethodPost, base+jumpcloudsim.CountPath,
		strings.NewReader(`{"service":["all"],"start_time":"`+time.Now().Add(-2*time.Hour).UTC().Format(time.RFC3339)+`"}`))
	require.NoError(t, err)
	req.Header.Set("x-api-key", "k")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	var c struct{ Count int }
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&c))
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	assert.GreaterOrEqual(t, c.Count, 500)

	cancel()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("run did not stop")
	}
	http.DefaultClient.CloseIdleConnections()
}

func TestRunListenError(t *testing.T) {
	err := run(context.Background(), []string{"-listen", "127.0.0.1:-1", "-events", "0"}, io.Discard, io.Discard)
	assert.ErrorContains(t, err, "listen 127.0.0.1:-1")
}

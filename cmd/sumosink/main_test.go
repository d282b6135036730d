package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/sumosink"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestServePrintsURLAndSummaries(t *testing.T) {
	out := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	// The test drives the summary clock: a tick sent on the unbuffered channel is received only
	// once the previous one has been handled.
	ticks := make(chan time.Time)
	tick := func() {
		select {
		case ticks <- time.Now():
		case <-time.After(5 * time.Second):
			t.Fatal("serve stopped taking ticks")
		}
	}
	go func() {
		done <- serve(ctx, "127.0.0.1:0", sumosink.Config{Code: "demo-code"}, ticks, out)
	}()

	listening := regexp.MustCompile(`^sumosink listening on (http://127\.0\.0\.1:\d+/receiver/v1/http/demo-code)\n`)
	var url string
	require.Eventually(t, func() bool {
		m := listening.FindStringSubmatch(out.String())
		if m != nil {
			url = m[1]
		}
		return m != nil
	}, 5*time.Second, 5*time.Millisecond)

	client := &http.Client{}
	defer client.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader("e1\ne2\n"))
	require.NoError(t, err)
	req.Header.Set("X-Sumo-Category", "security/jumpcloud")
	resp, err := client.Do(req)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	require.NoError(t, resp.Body.Close())
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	tick()
	tick() // the first tick has been handled: its summary is out
	require.Contains(t, out.String(), "sumosink: 2 messages (2 distinct, 0 duplicates, 0 dropped) by category: security/jumpcloud=2; requests: 200=1")
	tick()
	tick() // two more ticks handled
	assert.Equal(t, 1, strings.Count(out.String(), "sumosink: 2 messages"), "no new line without new messages")

	cancel()
	require.NoError(t, <-done)
}

func TestRunRejectsBadFlags(t *testing.T) {
	require.Error(t, run([]string{"-no-such-flag"}, io.Discard))
	require.ErrorContains(t, run([]string{"-code", ""}, io.Discard), "Code is required")
}

func TestSummary(t *testing.T) {
	got := summary(sumosink.Stats{Messages: 3, Distinct: 2, Duplicates: 1, Dropped: 4,
		ByCategory: map[string]int{"b": 1, "": 2}, Requests: map[int]int{429: 1, 0: 2, 200: 3}})
	assert.Equal(t, "sumosink: 3 messages (2 distinct, 1 duplicates, 4 dropped) by category: (none)=2 b=1; requests: reset=2 200=3 429=1", got)
}

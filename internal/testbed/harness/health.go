package harness // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/harness"

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// ReceiverComponent is the receiver's key in the health_check component tree.
const ReceiverComponent = "receiver:jumpclouddirectoryinsights"

// Component-status values as the health_check extension prints them.
const (
	StatusStarting         = "StatusStarting"
	StatusOK               = "StatusOK"
	StatusRecoverableError = "StatusRecoverableError"
	StatusPermanentError   = "StatusPermanentError"
)

// ComponentHealth is one component's entry of the health_check answer.
type ComponentHealth struct {
	Healthy bool   `json:"healthy"`
	Status  string `json:"status"`
	Error   string `json:"error"`
	// Attributes of the last status event: the receiver sets jumpcloud.source_state and, in
	// an error state, jumpcloud.error_type.
	Attributes map[string]any              `json:"attributes"`
	Components map[string]*ComponentHealth `json:"components"`
}

// SourceState is the receiver's Sumo Logic source state (Authenticated, Collecting, Error...).
func (c *ComponentHealth) SourceState() string { return c.attr("jumpcloud.source_state") }

// Organizations maps each configured organization (org_id) to its own state, e.g. "Collecting"
// or "Error (ThirdPartyConfig)" (the receiver's jumpcloud.organizations attribute; empty without
// org_id; the provider's own events are under jumpcloud.providers).
func (c *ComponentHealth) Organizations() map[string]string {
	if c == nil {
		return nil
	}
	m, _ := c.Attributes["jumpcloud.organizations"].(map[string]any)
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k], _ = v.(string)
	}
	return out
}

// ErrorType is the Sumo Logic error type of an Error state (ThirdPartyConfig, ...).
func (c *ComponentHealth) ErrorType() string { return c.attr("jumpcloud.error_type") }

func (c *ComponentHealth) attr(k string) string {
	if c == nil {
		return ""
	}
	s, _ := c.Attributes[k].(string)
	return s
}

// find returns the first component named key in the tree (pipelines nest their components).
func (c *ComponentHealth) find(key string) *ComponentHealth {
	if c == nil {
		return nil
	}
	if hit, ok := c.Components[key]; ok {
		return hit
	}
	for _, sub := range c.Components {
		if hit := sub.find(key); hit != nil {
			return hit
		}
	}
	return nil
}

// Health is one answer of the health_check endpoint.
type Health struct {
	// HTTPStatus is the endpoint's status code (200 healthy; 500 with a permanent error or a
	// recoverable one older than recovery_duration; 503 while starting or stopping).
	HTTPStatus int
	// Overall is the collector's aggregated status.
	Overall *ComponentHealth
	// Receiver is the receiver's entry (nil before the collector reported it).
	Receiver *ComponentHealth
}

// ReceiverStatus is the receiver's status, or "" before it was reported.
func (h Health) ReceiverStatus() string {
	if h.Receiver == nil {
		return ""
	}
	return h.Receiver.Status
}

// String is a one-line summary: "http=200 overall=StatusOK receiver=StatusOK state=Collecting".
func (h Health) String() string {
	s := fmt.Sprintf("http=%d", h.HTTPStatus)
	if h.Overall != nil {
		s += " overall=" + h.Overall.Status
	}
	if h.Receiver != nil {
		s += fmt.Sprintf(" receiver=%s state=%s", h.Receiver.Status, h.Receiver.SourceState())
		if et := h.Receiver.ErrorType(); et != "" {
			s += " error_type=" + et
		}
	}
	return s
}

// healthClient keeps no idle connections: no goroutine outlives a check (goleak in tests).
var healthClient = &http.Client{
	Timeout:   2 * time.Second,
	Transport: &http.Transport{DisableKeepAlives: true},
}

// Health reads the health_check endpoint once.
func (c *Collector) Health(ctx context.Context) (Health, error) {
	return ReadHealth(ctx, c.HealthURL)
}

// ReadHealth reads a health_check status URL (with ?verbose) once.
func ReadHealth(ctx context.Context, url string) (Health, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, http.NoBody)
	if err != nil {
		return Health{}, err
	}
	resp, err := healthClient.Do(req)
	if err != nil {
		return Health{}, fmt.Errorf("health endpoint: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return Health{}, fmt.Errorf("health endpoint: %w", err)
	}
	h := Health{HTTPStatus: resp.StatusCode, Overall: &ComponentHealth{}}
	if err := json.Unmarshal(body, h.Overall); err != nil {
		return h, fmt.Errorf("health endpoint: status %d, body is not JSON: %w", resp.StatusCode, err)
	}
	h.Receiver = h.Overall.find(ReceiverComponent)
	return h, nil
}

// WaitReady waits until the health endpoint answers and the receiver has a status other than
// Starting, or the collector exits.
func (c *Collector) WaitReady(ctx context.Context, timeout time.Duration) (Health, error) {
	return c.WaitHealth(ctx, timeout, func(h Health) bool {
		st := h.ReceiverStatus()
		return st != "" && st != StatusStarting
	})
}

// WaitHealth polls the health endpoint every 100ms until cond holds, the collector exits or
// timeout passes; it returns the last answer.
func (c *Collector) WaitHealth(ctx context.Context, timeout time.Duration, cond func(Health) bool) (Health, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-c.done: // no point in waiting for a process that is gone
			cancel()
		case <-ctx.Done():
		}
	}()
	var last Health
	err := Poll(ctx, timeout, 100*time.Millisecond, func() (bool, error) {
		select {
		case <-c.done:
			return false, c.ExitedError()
		default:
		}
		h, err := c.Health(ctx)
		if err != nil {
			return false, err
		}
		last = h
		return cond(h), nil
	})
	if err != nil {
		return last, fmt.Errorf("waiting for health (last: %s): %w", last, err)
	}
	return last, nil
}

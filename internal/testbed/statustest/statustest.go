// Package statustest provides a component.Host for tests that records the component status
// events a component reports and serves extensions (e.g. a storage extension).
package statustest // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/statustest"

import (
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/component/componenttest"
)

// Host records status events; it is safe for concurrent use.
type Host struct {
	component.Host
	extensions map[component.ID]component.Component

	mu     sync.Mutex
	events []*componentstatus.Event
}

var (
	_ component.Host           = (*Host)(nil)
	_ componentstatus.Reporter = (*Host)(nil)
)

// NewHost returns a Host without extensions.
func NewHost() *Host {
	return &Host{Host: componenttest.NewNopHost(), extensions: map[component.ID]component.Component{}}
}

// AddExtension makes ext available through GetExtensions.
func (h *Host) AddExtension(id component.ID, ext component.Component) { h.extensions[id] = ext }

// GetExtensions returns the added extensions.
func (h *Host) GetExtensions() map[component.ID]component.Component { return h.extensions }

// Report records ev (componentstatus.Reporter).
func (h *Host) Report(ev *componentstatus.Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.events = append(h.events, ev)
}

// Events returns a copy of the recorded events, oldest first.
func (h *Host) Events() []*componentstatus.Event {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]*componentstatus.Event(nil), h.events...)
}

// Statuses returns the statuses of the recorded events, oldest first.
func (h *Host) Statuses() []componentstatus.Status {
	evs := h.Events()
	out := make([]componentstatus.Status, len(evs))
	for i, ev := range evs {
		out[i] = ev.Status()
	}
	return out
}

// Last returns the newest event, or nil.
func (h *Host) Last() *componentstatus.Event {
	evs := h.Events()
	if len(evs) == 0 {
		return nil
	}
	return evs[len(evs)-1]
}

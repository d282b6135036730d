package jumpcloudsim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"
)

// GenerateOptions describes a batch of generated events.
type GenerateOptions struct {
	// N events with timestamps spread uniformly at random in [Start, End).
	N          int
	Start, End time.Time
	// Services to draw from (weighted like a real tenant); empty or "all" means every service.
	Services []string
	// LateFraction of the events (0..1) become visible LateDelay after their timestamp.
	LateFraction float64
	LateDelay    time.Duration
	// VisibleFrom, when set, makes every event of the batch invisible before it (events
	// already older become visible exactly then; younger ones at their timestamp or later).
	VisibleFrom time.Time
}

// Generate adds n events of the given services (none or "all": every service) with timestamps
// spread in [start, end), each visible at its timestamp. Deterministic for a given Config.Seed
// and sequence of calls.
func (s *Server) Generate(n int, start, end time.Time, services ...string) error {
	return s.GenerateWith(GenerateOptions{N: n, Start: start, End: end, Services: services})
}

// GenerateLate adds n events in [start, end) that only become visible at visibleFrom (or at
// their timestamp if later): events that appear late in an already-read window.
func (s *Server) GenerateLate(n int, start, end, visibleFrom time.Time, services ...string) error {
	return s.GenerateWith(GenerateOptions{N: n, Start: start, End: end, Services: services, VisibleFrom: visibleFrom})
}

// GenerateWith adds a batch of generated events.
func (s *Server) GenerateWith(o GenerateOptions) error {
	if o.N < 0 {
		return fmt.Errorf("generate: n %d is negative", o.N)
	}
	if !o.End.After(o.Start) {
		return fmt.Errorf("generate: end %s not after start %s", o.End.Format(time.RFC3339Nano), o.Start.Format(time.RFC3339Nano))
	}
	if o.LateFraction < 0 || o.LateFraction > 1 {
		return fmt.Errorf("generate: late fraction %v out of range 0..1", o.LateFraction)
	}
	allowed, err := serviceIndexes(o.Services)
	if err != nil {
		return err
	}
	start, span := o.Start.UnixNano(), o.End.UnixNano()-o.Start.UnixNano()
	end := start + span
	visibleFrom := int64(math.MinInt64)
	if !o.VisibleFrom.IsZero() {
		visibleFrom = o.VisibleFrom.UnixNano()
	}
	const chunk = 1 << 16 // bounded batches keep the transient memory small
	batch := make([]pending, 0, min(o.N, chunk))
	idBuf := make([]byte, 0, min(o.N, chunk)*36)
	for done := 0; done < o.N; {
		batch, idBuf = batch[:0], idBuf[:0]
		s.genMu.Lock()
		for ; done < o.N && len(batch) < chunk; done++ {
			r := &s.genRNG
			svc := weightedService(r, allowed)
			ts := start + r.int64n(span)
			prec := precisionFor(svc, r)
			ts, prec = fitPrecision(ts, prec, start, end)
			vis := ts
			if o.LateFraction > 0 && r.chance(o.LateFraction) {
				vis = ts + int64(o.LateDelay)
			}
			vis = max(vis, visibleFrom)
			off := len(idBuf)
			if services[svc] == "radius" {
				idBuf = r.appendUUID(idBuf, true)
			} else {
				idBuf = r.appendHex(idBuf, 12, false)
			}
			batch = append(batch, pending{
				e:  entry{ts: ts, vis: vis, seed: r.next(), svc: svc, flags: prec},
				id: idBuf[off:len(idBuf):len(idBuf)],
			})
		}
		s.genMu.Unlock()
		if err := s.store.add(batch); err != nil {
			return fmt.Errorf("generate: %w", err)
		}
	}
	return nil
}

// fitPrecision truncates ts to prec, staying inside [start, end): it rounds up instead when
// truncating would leave the window, and keeps nanoseconds when neither fits (tiny windows).
func fitPrecision(ts int64, prec uint8, start, end int64) (int64, uint8) {
	t := truncateTo(ts, prec)
	if t >= start {
		return t, prec
	}
	if up := t + precisionUnit(prec); up < end {
		return up, prec
	}
	return ts, precNano
}

func serviceIndexes(names []string) ([]uint8, error) {
	var out []uint8
	for _, n := range names {
		if n == serviceAll {
			out = nil
			break
		}
		i, ok := serviceIndex(n)
		if !ok {
			return nil, fmt.Errorf("generate: unknown service %q: supported values are %s", n, supportedServices())
		}
		out = append(out, i)
	}
	if len(names) == 0 || out == nil {
		out = make([]uint8, len(services))
		for i := range services {
			out[i] = uint8(i)
		}
	}
	return out, nil
}

// AddEvent adds an event from its JSON bytes (kept verbatim and sent as they are). The object
// needs a string "id" and an RFC3339 "timestamp"; "service" decides which queries see it (an
// unknown or missing service matches only "all"). visibleAt zero means its timestamp.
func (s *Server) AddEvent(raw []byte, visibleAt time.Time) error {
	var head struct {
		ID        *string `json:"id"`
		Timestamp *string `json:"timestamp"`
		Service   string  `json:"service"`
	}
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return errors.New("add event: not a JSON object")
	}
	if err := json.Unmarshal(trimmed, &head); err != nil {
		return fmt.Errorf("add event: %w", err)
	}
	if head.ID == nil || *head.ID == "" {
		return errors.New("add event: id is missing")
	}
	if head.Timestamp == nil {
		return errors.New("add event: timestamp is missing")
	}
	ts, err := time.Parse(time.RFC3339Nano, *head.Timestamp)
	if err != nil {
		return fmt.Errorf("add event: timestamp: %w", err)
	}
	svc, _ := serviceIndex(head.Service)
	vis := ts
	if !visibleAt.IsZero() {
		vis = visibleAt
	}
	idx := s.store.addRaw(bytes.Clone(trimmed), head.Service)
	return s.store.add([]pending{{
		e:  entry{ts: ts.UnixNano(), vis: vis.UnixNano(), seed: idx, svc: svc, flags: flagRaw},
		id: []byte(*head.ID),
	}})
}

// Event is one stored event as a test expects to receive it.
type Event struct {
	ID        string          `json:"id"`
	Timestamp time.Time       `json:"timestamp"`
	Service   string          `json:"service"`
	VisibleAt time.Time       `json:"visible_at"`
	Cursor    Cursor          `json:"-"`
	Raw       json.RawMessage `json:"raw,omitempty"`
}

// EventFilter selects events for Events. The zero value selects every event, with raw bytes.
type EventFilter struct {
	Start, End time.Time // window [Start, End); zero: unbounded
	Services   []string  // empty or "all": every service
	VisibleAt  time.Time // non-zero: only events visible at that time
	Desc       bool      // descending order
	NoRaw      bool      // leave Event.Raw empty (cheaper)
}

// Events returns the selected events in the API's order (ASC by (millisecond, id) unless
// Desc): the exact set a client paging through the same window should receive.
func (s *Server) Events(ef EventFilter) ([]Event, error) {
	f := filter{start: math.MinInt64, end: math.MaxInt64, visibleAt: math.MaxInt64, desc: ef.Desc}
	if !ef.Start.IsZero() {
		f.start = ef.Start.UnixNano()
	}
	if !ef.End.IsZero() {
		f.end = ef.End.UnixNano()
	}
	if !ef.VisibleAt.IsZero() {
		f.visibleAt = ef.VisibleAt.UnixNano()
	}
	if len(ef.Services) == 0 {
		f.services = allServices
	}
	for _, n := range ef.Services {
		if n == serviceAll {
			f.services = allServices
			continue
		}
		i, ok := serviceIndex(n)
		if !ok {
			return nil, fmt.Errorf("events: unknown service %q", n)
		}
		f.services |= 1 << i
	}
	var out []Event
	var b []byte
	var ents []entry
	snap := s.store.scan(f, func(e *entry) bool { ents = append(ents, *e); return true })
	for i := range ents {
		e := &ents[i]
		id := string(snap.ids[e.idOff : e.idOff+uint32(e.idLen)])
		ev := Event{
			ID:        id,
			Timestamp: time.Unix(0, e.ts).UTC(),
			VisibleAt: time.Unix(0, e.vis).UTC(),
			Cursor:    Cursor{Millis: millis(e.ts), ID: id},
		}
		if e.flags&flagRaw != 0 {
			ev.Service = serviceName(e.svc, snap.ext[e.seed])
		} else {
			ev.Service = services[e.svc]
		}
		if !ef.NoRaw {
			b = s.renderEntry(b[:0], e, snap)
			ev.Raw = bytes.Clone(b)
		}
		out = append(out, ev)
	}
	return out, nil
}

// EventCount returns the number of stored events (visible or not).
func (s *Server) EventCount() int { return s.store.len() }

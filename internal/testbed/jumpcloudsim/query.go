package jumpcloudsim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/jsonenc"
)

// Query limits, as documented.
const (
	DefaultLimit = 1000
	MaxLimit     = 10000
)

// Query is a parsed and validated /events body, with the values the server applied.
type Query struct {
	Services    []string        // as sent
	StartTime   time.Time       // inclusive
	EndTime     time.Time       // exclusive; zero when the body had no end_time
	Limit       int             // applied: 1..10000
	Sort        string          // applied: "ASC" or "DESC"
	SearchAfter json.RawMessage // as sent; nil when absent
	Skip        int             // applied: >= 0
	NotIDs      int             // ids excluded by search_term {"not": {"id": [...]}}
}

// badRequest is a 400 with the message sent to the client.
type badRequest struct{ msg string }

func (e *badRequest) Error() string { return e.msg }

func badf(format string, args ...any) error { return &badRequest{msg: fmt.Sprintf(format, args...)} }

// parseQuery validates a body as the real API does and builds the store filter.
// now is the simulator's clock (start_time must not be after it unless allowFuture).
func parseQuery(body []byte, now time.Time, allowFuture bool) (*Query, filter, error) {
	var f filter
	var fields map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&fields); err != nil {
		return nil, f, badf("invalid JSON body: %v", err)
	}
	if fields == nil {
		return nil, f, badf("invalid JSON body: expected an object")
	}
	q := &Query{Limit: DefaultLimit, Sort: "ASC"}

	rawSvc, ok := fields["service"]
	if !ok || isNull(rawSvc) {
		return nil, f, badf("service is required")
	}
	if err := json.Unmarshal(rawSvc, &q.Services); err != nil {
		return nil, f, badf("service must be an array of strings")
	}
	if len(q.Services) == 0 {
		return nil, f, badf("service must not be empty; supported values are %s", supportedServices())
	}
	for _, s := range q.Services {
		if s == serviceAll {
			f.services = allServices
			continue
		}
		i, known := serviceIndex(s)
		if !known {
			return nil, f, badf("invalid service %q: supported values are %s", s, supportedServices())
		}
		f.services |= 1 << i
	}

	var err error
	if q.StartTime, err = parseTimeField(fields, "start_time", true); err != nil {
		return nil, f, err
	}
	if !allowFuture && q.StartTime.After(now) {
		return nil, f, badf("start_time %s is in the future", q.StartTime.Format(time.RFC3339Nano))
	}
	if q.EndTime, err = parseTimeField(fields, "end_time", false); err != nil {
		return nil, f, err
	}
	f.start, f.end = q.StartTime.UnixNano(), math.MaxInt64
	if !q.EndTime.IsZero() {
		if !q.EndTime.After(q.StartTime) {
			return nil, f, badf("Start Time not after End Time %s > %s",
				q.StartTime.Format(time.RFC3339Nano), q.EndTime.Format(time.RFC3339Nano))
		}
		f.end = q.EndTime.UnixNano()
	}

	q.Limit = intOr(fields["limit"], DefaultLimit, 1, MaxLimit)
	q.Skip = intOr(fields["skip"], 0, 0, math.MaxInt32)
	var sort string
	if json.Unmarshal(fields["sort"], &sort) == nil && strings.EqualFold(sort, "DESC") {
		q.Sort = "DESC"
	}
	if raw, ok := fields["search_after"]; ok && !isNull(raw) {
		c, err := parseSearchAfter(raw)
		if err != nil {
			return nil, f, err
		}
		if c != nil {
			q.SearchAfter = append(json.RawMessage(nil), raw...)
			f.after = c
		}
	}
	if raw, ok := fields["fields"]; ok && !isNull(raw) {
		var proj []string
		if json.Unmarshal(raw, &proj) != nil || len(proj) == 0 {
			return nil, f, badf("fields must be a non-empty array of strings")
		}
	}
	if raw, ok := fields["search_term"]; ok && !isNull(raw) {
		if f.notIDs, err = parseNotIDs(raw); err != nil {
			return nil, f, err
		}
		q.NotIDs = len(f.notIDs)
	}
	f.desc = q.Sort == "DESC"
	f.limit = q.Limit
	f.skip = q.Skip
	f.visibleAt = now.UnixNano()
	return q, f, nil
}

// parseNotIDs reads the one search_term the simulator applies, {"not": {"id": "x" | ["x", ...]}}
// (ids compared in lower case: the API stores field values lower-cased). Any other search_term
// is validated as the API does (an object with exactly one of and, or, not) and not applied.
func parseNotIDs(raw json.RawMessage) (map[string]struct{}, error) {
	var st map[string]map[string]json.RawMessage
	if json.Unmarshal(raw, &st) != nil || len(st) != 1 {
		return nil, badf("search_term must be an object with exactly one of and, or, not")
	}
	for op, terms := range st {
		if op != "and" && op != "or" && op != "not" {
			return nil, badf("search_term must be an object with exactly one of and, or, not")
		}
		rawIDs, ok := terms["id"]
		if op != "not" || !ok || len(terms) != 1 {
			return nil, nil
		}
		var ids []string
		if json.Unmarshal(rawIDs, &ids) != nil {
			var one string
			if json.Unmarshal(rawIDs, &one) != nil {
				return nil, badf("search_term id must be a string or a list of strings")
			}
			ids = []string{one}
		}
		out := make(map[string]struct{}, len(ids))
		for _, id := range ids {
			out[strings.ToLower(id)] = struct{}{}
		}
		return out, nil
	}
	return nil, nil
}

func isNull(raw json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(raw), []byte("null")) }

func parseTimeField(fields map[string]json.RawMessage, name string, required bool) (time.Time, error) {
	raw, ok := fields[name]
	if !ok || isNull(raw) {
		if required {
			return time.Time{}, badf("%s is required", name)
		}
		return time.Time{}, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return time.Time{}, badf("%s must be an RFC3339 date string", name)
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, badf("%s %q is not an RFC3339 date", name, s)
	}
	return t, nil
}

// intOr returns the integer in raw if it is one in [lo, hi], else def ("nonsensical values
// silently become the default").
func intOr(raw json.RawMessage, def, lo, hi int) int {
	var v float64 // a JSON string or anything else than a number fails here
	if raw == nil || json.Unmarshal(raw, &v) != nil {
		return def
	}
	if v != math.Trunc(v) || v < float64(lo) || v > float64(hi) {
		return def
	}
	return int(v)
}

var errSearchAfter = errors.New(`search_after must be [epochMillis, "id"] as sent in X-Search_after`)

// parseSearchAfter reads [epochMillis, "id"]; an empty array means no cursor.
func parseSearchAfter(raw json.RawMessage) (*Cursor, error) {
	var parts []json.RawMessage
	if err := json.Unmarshal(raw, &parts); err != nil {
		return nil, &badRequest{msg: errSearchAfter.Error()}
	}
	if len(parts) == 0 {
		return nil, nil
	}
	if len(parts) != 2 {
		return nil, &badRequest{msg: errSearchAfter.Error()}
	}
	var c Cursor
	var num json.Number
	if err := json.Unmarshal(parts[0], &num); err != nil {
		var s string
		if json.Unmarshal(parts[0], &s) != nil {
			return nil, &badRequest{msg: errSearchAfter.Error()}
		}
		num = json.Number(s)
	}
	ms, err := strconv.ParseInt(string(num), 10, 64)
	if err != nil {
		return nil, &badRequest{msg: errSearchAfter.Error()}
	}
	c.Millis = ms
	if err := json.Unmarshal(parts[1], &c.ID); err != nil {
		return nil, &badRequest{msg: errSearchAfter.Error()}
	}
	return &c, nil
}

// MarshalJSON renders a cursor as X-Search_after does: [epochMillis,"id"].
func (c Cursor) MarshalJSON() ([]byte, error) {
	b := []byte{'['}
	b = strconv.AppendInt(b, c.Millis, 10)
	b = append(b, ',')
	b = jsonenc.AppendString(b, c.ID)
	return append(b, ']'), nil
}

package jumpcloudsim

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Admin routes (no API key; a simulator is never exposed beyond localhost).
const (
	adminPrefix      = "/_sim/"
	AdminStatsPath   = adminPrefix + "stats"
	AdminEventsPath  = adminPrefix + "events"
	AdminFaultsPath  = adminPrefix + "faults"
	AdminSettingPath = adminPrefix + "settings"
)

// Settings is the body of POST /_sim/settings; absent fields are left unchanged.
type Settings struct {
	APIKey    *string `json:"api_key,omitempty"`
	DIEnabled *bool   `json:"di_enabled,omitempty"`
	// ClientID and ClientSecret replace the accepted service account (both are set together).
	ClientID     *string `json:"client_id,omitempty"`
	ClientSecret *string `json:"client_secret,omitempty"`
	// TokenTTL is a Go duration ("2s") for the tokens issued from now on.
	TokenTTL *string `json:"token_ttl,omitempty"`
	// RevokeTokens true invalidates every issued token.
	RevokeTokens *bool `json:"revoke_tokens,omitempty"`
}

// serveAdmin answers:
//
//	GET    /_sim/stats    Stats as JSON
//	GET    /_sim/events   NDJSON, one line per event in ASC order:
//	                      {"id","timestamp","service","visible_at"} or, with ?raw=1, the event bytes.
//	                      Only events visible now unless ?all=1; ?service=a,b; ?start=&end= (RFC3339).
//	POST   /_sim/faults   a Fault or an array of Faults, queued in order
//	DELETE /_sim/faults   clear the queue
//	GET    /_sim/faults   the queue
//	POST   /_sim/settings Settings (api key, DI enabled, service account, token TTL, revoke tokens)
func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) {
	route := r.Method + " " + r.URL.Path
	switch route {
	case "GET " + AdminStatsPath:
		writeJSON(w, http.StatusOK, s.Stats())
	case "GET " + AdminEventsPath:
		s.adminEvents(w, r)
	case "GET " + AdminFaultsPath:
		writeJSON(w, http.StatusOK, s.PendingFaults())
	case "POST " + AdminFaultsPath:
		faults, err := decodeFaults(r.Body)
		if err != nil {
			writeMessage(w, http.StatusBadRequest, "faults: "+err.Error())
			return
		}
		for _, f := range faults {
			if err := s.InjectFault(f); err != nil {
				writeMessage(w, http.StatusBadRequest, "faults: "+err.Error())
				return
			}
		}
		writeJSON(w, http.StatusOK, s.PendingFaults())
	case "DELETE " + AdminFaultsPath:
		s.ClearFaults()
		w.WriteHeader(http.StatusNoContent)
	case "POST " + AdminSettingPath:
		var st Settings
		if err := json.NewDecoder(io.LimitReader(r.Body, maxBodyBytes)).Decode(&st); err != nil {
			writeMessage(w, http.StatusBadRequest, "settings: "+err.Error())
			return
		}
		if err := s.applySettings(st); err != nil {
			writeMessage(w, http.StatusBadRequest, "settings: "+err.Error())
			return
		}
		w.WriteHeader(http.StatusNoContent)
	default:
		writeMessage(w, http.StatusNotFound, "no admin route "+route)
	}
}

// applySettings applies the fields of st that are set; nothing when one is invalid.
func (s *Server) applySettings(st Settings) error {
	var ttl time.Duration
	if st.TokenTTL != nil {
		d, err := time.ParseDuration(*st.TokenTTL)
		if err != nil {
			return fmt.Errorf("token_ttl: %w", err)
		}
		ttl = d
	}
	if (st.ClientID == nil) != (st.ClientSecret == nil) {
		return errors.New("client_id and client_secret are set together")
	}
	if st.APIKey != nil {
		s.SetAPIKey(*st.APIKey)
	}
	if st.DIEnabled != nil {
		s.SetDIEnabled(*st.DIEnabled)
	}
	if st.ClientID != nil {
		s.SetServiceAccount(*st.ClientID, *st.ClientSecret)
	}
	if st.TokenTTL != nil {
		s.SetTokenTTL(ttl)
	}
	if st.RevokeTokens != nil && *st.RevokeTokens {
		s.RevokeTokens()
	}
	return nil
}

func decodeFaults(body io.Reader) ([]Fault, error) {
	b, err := io.ReadAll(io.LimitReader(body, maxBodyBytes))
	if err != nil {
		return nil, err
	}
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		var fs []Fault
		err := json.Unmarshal(b, &fs)
		return fs, err
	}
	var f Fault
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, err
	}
	return []Fault{f}, nil
}

func (s *Server) adminEvents(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	ef := EventFilter{NoRaw: q.Get("raw") != "1"}
	if q.Get("all") != "1" {
		ef.VisibleAt = s.now()
	}
	if v := q.Get("service"); v != "" {
		ef.Services = strings.Split(v, ",")
	}
	for name, dst := range map[string]*time.Time{"start": &ef.Start, "end": &ef.End} {
		if v := q.Get(name); v != "" {
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				writeMessage(w, http.StatusBadRequest, name+": "+err.Error())
				return
			}
			*dst = t
		}
	}
	events, err := s.Events(ef)
	if err != nil {
		writeMessage(w, http.StatusBadRequest, err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriterSize(w, 64<<10)
	var line bytes.Buffer
	for i := range events {
		ev := &events[i]
		line.Reset()
		if ef.NoRaw {
			b, _ := json.Marshal(ev)
			line.Write(b)
		} else if err := json.Compact(&line, ev.Raw); err != nil {
			line.Write(ev.Raw)
		}
		line.WriteByte('\n')
		if _, err := bw.Write(line.Bytes()); err != nil {
			return
		}
	}
	_ = bw.Flush()
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeMessage(w, http.StatusInternalServerError, err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

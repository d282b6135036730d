package sumosink // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/sumosink"

import (
	"bufio"
	"encoding/json"
	"net/http"
)

// maxFaultsRequestBytes bounds the body of POST /_sink/faults.
const maxFaultsRequestBytes = 1 << 20

// admin serves GET /_sink/stats, GET /_sink/messages[?category=C], POST /_sink/faults and
// POST /_sink/reset.
func (s *Sink) admin(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/_sink/stats" && r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, s.Stats())
	case r.URL.Path == "/_sink/messages" && r.Method == http.MethodGet:
		s.writeMessages(w, r.URL.Query().Get("category"), r.URL.Query().Has("category"))
	case r.URL.Path == "/_sink/faults" && r.Method == http.MethodPost:
		var req FaultsRequest
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxFaultsRequestBytes))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			http.Error(w, "invalid faults request: "+err.Error(), http.StatusBadRequest)
			return
		}
		s.ApplyFaults(req)
		writeJSON(w, http.StatusOK, s.Stats())
	case r.URL.Path == "/_sink/reset" && r.Method == http.MethodPost:
		s.Reset()
		w.WriteHeader(http.StatusNoContent)
	default:
		http.NotFound(w, r)
	}
}

// writeMessages streams the recorded messages as NDJSON, optionally of one category.
func (s *Sink) writeMessages(w http.ResponseWriter, category string, filter bool) {
	s.mu.Lock()
	msgs := s.messages // append-only until Reset, which replaces the slice
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-ndjson")
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for _, m := range msgs {
		if filter && m.meta.Category != category {
			continue
		}
		if err := enc.Encode(Message{Body: m.body, Metadata: *m.meta}); err != nil {
			return
		}
	}
	_ = bw.Flush()
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

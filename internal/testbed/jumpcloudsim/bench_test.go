package jumpcloudsim

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"
)

// discardWriter is a ResponseWriter that drops the body (the benchmark measures the simulator,
// not a network).
type discardWriter struct {
	h http.Header
	n int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) WriteHeader(int)             {}
func (w *discardWriter) Write(b []byte) (int, error) { w.n += len(b); return len(b), nil }

// BenchmarkServePage10000 serves one full page (limit 10000) of generated events from a
// 100,000-event store: query, lazy rendering and writing. MB/s is the body throughput.
func BenchmarkServePage10000(b *testing.B) {
	sim := New(Config{APIKey: testKey, Now: func() time.Time { return t0.Add(24 * time.Hour) }})
	if err := sim.Generate(100000, t0, t0.Add(12*time.Hour)); err != nil {
		b.Fatal(err)
	}
	body := []byte(`{"service":["all"],"start_time":"2024-03-01T02:00:00Z","limit":10000}`)
	w := &discardWriter{h: http.Header{}}
	serve := func() {
		req := httptest.NewRequest(http.MethodPost, EventsPath, bytes.NewReader(body))
		req.Header.Set("x-api-key", testKey)
		w.n = 0
		clear(w.h)
		sim.ServeHTTP(w, req)
	}
	serve()
	if w.h.Get("X-Result-Count") != "10000" {
		b.Fatalf("X-Result-Count %q", w.h.Get("X-Result-Count"))
	}
	b.SetBytes(int64(w.n))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		serve()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/10000, "ns/event")
}

// BenchmarkMemory1M reports the heap held by a store of 1,000,000 generated events
// (runtime.MemStats.HeapAlloc after GC, before minus after) and the time to generate them.
func BenchmarkMemory1M(b *testing.B) {
	const n = 1000000
	var perEvent, total float64
	for b.Loop() {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		sim := New(Config{})
		if err := sim.Generate(n, t0, t0.Add(30*24*time.Hour)); err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		if sim.EventCount() != n {
			b.Fatal("count")
		}
		total = float64(after.HeapAlloc) - float64(before.HeapAlloc)
		perEvent = total / n
		runtime.KeepAlive(sim)
	}
	b.ReportMetric(total/(1<<20), "heap-MiB")
	b.ReportMetric(perEvent, "heap-B/event")
}

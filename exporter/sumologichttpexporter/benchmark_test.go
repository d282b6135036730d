package sumologichttpexporter

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/golden"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configcompression"
	"go.opentelemetry.io/collector/config/configmiddleware"
	"go.opentelemetry.io/collector/extension/extensionmiddleware"
	"go.opentelemetry.io/collector/pdata/plog"
)

// benchmarkLogs builds records shaped like JumpCloud Directory Insights events (JSON bodies of
// ~1.2 KB) from two sources with different metadata.
func benchmarkLogs(records int) (plog.Logs, int) {
	ld := plog.NewLogs()
	size := 0
	for r, cat := range []string{"security/jumpcloud/directory", "security/jumpcloud/sso"} {
		rl := ld.ResourceLogs().AppendEmpty()
		attrs := rl.Resource().Attributes()
		attrs.PutStr("_sourceCategory", cat)
		attrs.PutStr("_sourceName", "jumpcloud-directory-insights")
		attrs.PutStr("_siemForward", "true")
		lrs := rl.ScopeLogs().AppendEmpty().LogRecords()
		for i := range records / 2 {
			body := fmt.Sprintf(`{"id":"%024x","event_type":"user_login_attempt","service":"directory","organization":"5f8a2b9c7d6e5f4a3b2c1d0e",`+
				`"timestamp":"2025-01-15T10:%02d:%02d.123Z","success":true,"client_ip":"203.0.113.%d","initiated_by":{"id":"%024x","type":"user","username":"user%d"},`+
				`"geoip":{"country_code":"US","region_name":"California","latitude":37.7749,"longitude":-122.4194,"timezone":"America/Los_Angeles"},`+
				`"useragent":{"name":"Chrome","os":"Mac OS X","version":"120.0.0.0","device":"Other"},"mfa":true,"message":"%s"}`,
				r*records+i, (i/60)%60, i%60, i%250, i*7, i, words(r*records+i, 80))
			lrs.AppendEmpty().Body().SetStr(body)
			size += len(body) + 1
		}
	}
	return ld, size
}

// BenchmarkEncodeCompress measures the push path up to the wire, for each compression and log
// format: grouping by metadata, line encoding, splitting at 1 MiB, compression and the HTTP
// client of confighttp. The bottom of the client (a confighttp middleware, where a real
// transport would write to a socket) reads the request body and answers 200, so no network or
// peer CPU is measured.
//
//	go test -run '^$' -bench BenchmarkEncodeCompress -benchmem ./exporter/sumologichttpexporter/
func BenchmarkEncodeCompress(b *testing.B) {
	const records = 2000
	ld, size := benchmarkLogs(records)
	ld.MarkReadOnly()
	for _, format := range []LogFormat{LogFormatRaw, LogFormatJSON} {
		for _, comp := range []configcompression.Type{configcompression.TypeGzip, configcompression.TypeZstd, configcompression.TypeDeflate, "none"} {
			b.Run(fmt.Sprintf("%s/%s", format, comp), func(b *testing.B) {
				cfg := withCompression(testConfig("http://127.0.0.1:1/receiver/v1/http/bench"), comp)
				cfg.LogFormat = format
				wire := &wireCounter{}
				cfg.Middlewares = []configmiddleware.Config{{ID: wireCounterID}}
				e, err := newSumoExporter(cfg, nopSettings())
				require.NoError(b, err)
				ctx := context.Background()
				require.NoError(b, e.start(ctx, wireCounterHost{counter: wire}))
				defer func() { require.NoError(b, e.shutdown(ctx)) }()
				require.NoError(b, e.pushLogs(ctx, ld)) // warm the pools
				wire.bytes.Store(0)

				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				b.SetBytes(int64(size))
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					if err := e.pushLogs(ctx, ld); err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				runtime.ReadMemStats(&after)
				n := float64(b.N) * records
				b.ReportMetric(n/b.Elapsed().Seconds(), "records/s")
				b.ReportMetric(float64(after.Mallocs-before.Mallocs)/n, "allocs/record")
				b.ReportMetric(float64(size)*float64(b.N)/float64(wire.bytes.Load()), "ratio")
			})
		}
	}
}

var wireCounterID = component.MustNewID("wirecounter")

// wireCounter is a confighttp client middleware that stands in for the network: it reads and
// counts the request body (compressed by then) and answers 200 without a body.
type wireCounter struct {
	component.StartFunc
	component.ShutdownFunc
	bytes atomic.Int64
}

func (w *wireCounter) GetHTTPRoundTripper(context.Context) (extensionmiddleware.WrapHTTPRoundTripperFunc, error) {
	return func(context.Context, http.RoundTripper) (http.RoundTripper, error) {
		return roundTripFunc(func(req *http.Request) (*http.Response, error) {
			n, err := io.Copy(io.Discard, req.Body)
			_ = req.Body.Close()
			if err != nil {
				return nil, err
			}
			w.bytes.Add(n)
			return &http.Response{StatusCode: http.StatusOK, Header: http.Header{}, Body: http.NoBody, Request: req}, nil
		}), nil
	}, nil
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

// wireCounterHost is a host whose only extension is the wireCounter.
type wireCounterHost struct{ counter *wireCounter }

func (h wireCounterHost) GetExtensions() map[component.ID]component.Component {
	return map[component.ID]component.Component{wireCounterID: h.counter}
}

var benchWords = strings.Fields("login attempt success failure password mfa totp push device trusted policy " +
	"group member added removed admin console sso saml oidc application launch ldap bind radius " +
	"system agent update user created deleted suspended locked unlocked api key rotated session")

// words returns n pseudo-random words (a fixed sequence per seed), so bodies compress like
// real text rather than like a repeated string.
func words(seed, n int) string {
	var b strings.Builder
	x := uint32(seed)*2654435761 + 1
	for range n {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b.WriteString(benchWords[x%uint32(len(benchWords))])
		b.WriteByte(' ')
	}
	return b.String()
}

// BenchmarkAppendMapBody measures the line encoding of map bodies (the receiver's ecs and ocsf
// formats): the records of the mapping package's goldens (every service and event type), each
// written as compact JSON, from 1 copy of them (102 records: the CPU's caches hold them) up to
// 200 copies (over 100 MB of pdata: read from memory).
//
//	go test -run '^$' -bench BenchmarkAppendMapBody -benchmem ./exporter/sumologichttpexporter/
func BenchmarkAppendMapBody(b *testing.B) {
	for _, format := range []string{"ecs", "ocsf"} {
		ld, err := golden.ReadLogs(filepath.Join("..", "..", "receiver", "jumpclouddirectoryinsightsreceiver",
			"internal", "mapping", "testdata", "golden", format+".yaml"))
		require.NoError(b, err)
		golden := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
		for _, copies := range []int{1, 20, 200} {
			lrs := plog.NewLogRecordSlice()
			for range copies {
				for i := 0; i < golden.Len(); i++ {
					golden.At(i).CopyTo(lrs.AppendEmpty())
				}
			}
			b.Run(fmt.Sprintf("%s/%d", format, lrs.Len()), func(b *testing.B) {
				var line []byte
				size := 0
				for i := 0; i < lrs.Len(); i++ {
					size += len(appendRawLine(nil, lrs.At(i)))
				}
				b.SetBytes(int64(size))
				b.ReportAllocs()
				for b.Loop() {
					for i := 0; i < lrs.Len(); i++ {
						line = appendRawLine(line[:0], lrs.At(i))
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*lrs.Len()), "ns/record")
			})
		}
	}
}

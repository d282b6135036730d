package sumologichttpexporter

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/config/configcompression"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/sumosink"
)

// threeSources are records of three resources: two share their metadata set (and must be
// merged into the same requests), one differs.
func threeSources(n int) (plog.Logs, map[string]sumosink.Metadata) {
	siem := map[string]string{"_sourceCategory": "security/jumpcloud", "_sourceName": "jumpcloud-di", "_siemForward": "true", "team": "sec,ops=all\nx"}
	other := map[string]string{"_sourceCategory": "it/jumpcloud", "_sourceName": "jc-sso", "_sourceHost": "collector-1"}
	bodies := func(prefix string) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf(`{"id":"%s-%04d","service":"directory","msg":"%s"}`, prefix, i, strings.Repeat("é", i%50))
		}
		return out
	}
	ld := makeLogs(
		resourceSpec{attrs: siem, bodies: bodies("a")},
		resourceSpec{attrs: other, bodies: bodies("b")},
		resourceSpec{attrs: siem, bodies: bodies("c")},
	)
	siemMeta := sumosink.Metadata{Category: "security/jumpcloud", Name: "jumpcloud-di", Client: DefaultClient,
		Fields: map[string]string{"_siemForward": "true", "team": "sec_ops:all_x"}}
	otherMeta := sumosink.Metadata{Category: "it/jumpcloud", Name: "jc-sso", Host: "collector-1", Client: DefaultClient}
	return ld, map[string]sumosink.Metadata{"a": siemMeta, "b": otherMeta, "c": siemMeta}
}

func TestDeliveryHeadersBodiesAndLimits(t *testing.T) {
	const limit = 16 << 10 // small, to force several bodies per group
	tests := []struct {
		name        string
		compression configcompression.Type
		encoding    string
	}{
		{name: "gzip", compression: configcompression.TypeGzip, encoding: "gzip"},
		{name: "deflate", compression: configcompression.TypeDeflate, encoding: "deflate"},
		{name: "zstd", compression: configcompression.TypeZstd, encoding: "zstd"},
		{name: "none", compression: "none", encoding: ""},
		{name: "empty means none", compression: "", encoding: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			var batches []sumosink.Batch
			sink := startSink(t, sumosink.Config{MaxBodySize: limit, OnBatch: func(b sumosink.Batch) int {
				mu.Lock()
				defer mu.Unlock()
				batches = append(batches, b)
				return 0
			}})
			cfg := withCompression(testConfig(sink.URL()), tt.compression)
			cfg.MaxRequestBodySize = limit
			exp := newTestExporter(t, cfg, nopSettings(), nil)

			ld, metas := threeSources(300)
			require.NoError(t, exp.pushLogs(context.Background(), ld))

			// Every record arrives once, byte-identical, with the headers of its resource.
			msgs := sink.Messages()
			require.Len(t, msgs, 900)
			got := map[string]sumosink.Message{}
			for _, m := range msgs {
				got[m.Body] = m
			}
			require.Len(t, got, 900)
			for i := range ld.ResourceLogs().Len() {
				rl := ld.ResourceLogs().At(i)
				lrs := rl.ScopeLogs().At(0).LogRecords()
				for j := range lrs.Len() {
					body := lrs.At(j).Body().Str()
					m, ok := got[body]
					require.True(t, ok, "record %q missing", body)
					assert.Equal(t, metas[body[7:8]], m.Metadata, "metadata of %q", body)
				}
			}

			// No body over the limit; groups were merged: the two resources sharing a
			// metadata set travel together, so requests are full except the last of a group.
			mu.Lock()
			defer mu.Unlock()
			var total int
			for _, b := range batches {
				size := 0
				for _, m := range b.Messages {
					size += len(m) + 1
				}
				assert.LessOrEqual(t, size, limit)
				assert.Equal(t, tt.encoding, b.ContentEncoding)
				total += len(b.Messages)
			}
			assert.Equal(t, 900, total)
			assert.Less(t, len(batches), 900/4, "records are batched")
			assert.Equal(t, map[int]int{http.StatusOK: len(batches)}, sink.Requests())
		})
	}
}

func TestSingleRequestPerMetadataSet(t *testing.T) {
	sink := startSink(t, sumosink.Config{})
	exp := newTestExporter(t, testConfig(sink.URL()), nopSettings(), nil)
	ld, _ := threeSources(10)
	require.NoError(t, exp.pushLogs(context.Background(), ld))
	assert.Equal(t, map[int]int{http.StatusOK: 2}, sink.Requests(), "one request per metadata set")
	assert.Equal(t, 30, sink.Count())
}

func TestOversizedRecordIsRejectedAlone(t *testing.T) {
	sink := startSink(t, sumosink.Config{})
	cfg := testConfig(sink.URL())
	cfg.MaxRequestBodySize = 100
	exp := newTestExporter(t, cfg, nopSettings(), nil)
	big := strings.Repeat("x", 100) // 100 bytes + newline > 100
	ld := makeLogs(resourceSpec{attrs: map[string]string{"_sourceCategory": "c"}, bodies: []string{"small-1", big, "small-2", strings.Repeat("y", 99)}})
	err := exp.pushLogs(context.Background(), ld)
	require.Error(t, err)
	assert.True(t, consumererror.IsPermanent(err))
	assert.Contains(t, err.Error(), "exceeds max_request_body_size")
	var logsErr consumererror.Logs
	assert.False(t, errors.As(err, &logsErr), "nothing to retry")
	bodies := []string{}
	for _, m := range sink.Messages() {
		bodies = append(bodies, m.Body)
	}
	assert.Equal(t, []string{"small-1", "small-2", strings.Repeat("y", 99)}, bodies)
}

func TestPartialFailureReturnsOnlyUnsentRecords(t *testing.T) {
	tests := []struct {
		name      string
		fault     sumosink.Fault
		permanent bool
		throttle  string // the delay the retry must wait
	}{
		{name: "503 retries the rest", fault: sumosink.Fault{Status: http.StatusServiceUnavailable}},
		{name: "429 with Retry-After is a throttle", fault: sumosink.Fault{Status: http.StatusTooManyRequests, RetryAfter: 7}, throttle: "7s"},
		{name: "a day of Retry-After is capped", fault: sumosink.Fault{Status: http.StatusServiceUnavailable, RetryAfter: 86400}, throttle: "5m0s"},
		{name: "401 stays retryable", fault: sumosink.Fault{Status: http.StatusUnauthorized}},
		{name: "404 stays retryable", fault: sumosink.Fault{Status: http.StatusNotFound}},
		{name: "408 retries", fault: sumosink.Fault{Status: http.StatusRequestTimeout}},
		{name: "connection reset retries", fault: sumosink.Fault{Reset: true}},
		{name: "400 drops that request only", fault: sumosink.Fault{Status: http.StatusBadRequest}, permanent: true},
		{name: "413 drops that request only", fault: sumosink.Fault{Status: http.StatusRequestEntityTooLarge}, permanent: true},
		{name: "405 drops that request only", fault: sumosink.Fault{Status: http.StatusMethodNotAllowed}, permanent: true},
		{name: "411 drops that request only", fault: sumosink.Fault{Status: http.StatusLengthRequired}, permanent: true},
		{name: "414 drops that request only", fault: sumosink.Fault{Status: http.StatusRequestURITooLong}, permanent: true},
		{name: "415 drops that request only", fault: sumosink.Fault{Status: http.StatusUnsupportedMediaType}, permanent: true},
		{name: "422 drops that request only", fault: sumosink.Fault{Status: http.StatusUnprocessableEntity}, permanent: true},
		{name: "431 drops that request only", fault: sumosink.Fault{Status: http.StatusRequestHeaderFieldsTooLarge}, permanent: true},
		{name: "403 stays retryable", fault: sumosink.Fault{Status: http.StatusForbidden}},
		{name: "429 without Retry-After retries", fault: sumosink.Fault{Status: http.StatusTooManyRequests}},
		{name: "500 retries", fault: sumosink.Fault{Status: http.StatusInternalServerError}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := startSink(t, sumosink.Config{})
			cfg := testConfig(sink.URL())
			cfg.MaxRequestBodySize = 64 // a few records per request
			host := newStatusHost()
			exp := newTestExporter(t, cfg, nopSettings(), host)
			ld := makeLogs(
				resourceSpec{attrs: map[string]string{"_sourceCategory": "one"}, bodies: []string{"r1-0000000001", "r1-0000000002", "r1-0000000003", "r1-0000000004", "r1-0000000005", "r1-0000000006"}},
				resourceSpec{attrs: map[string]string{"_sourceCategory": "two"}, bodies: []string{"r2-0000000001", "r2-0000000002"}},
			)
			// The first request (4 records) succeeds, the second fails.
			sink.InjectFaults(sumosink.Fault{DelayMS: 1}, tt.fault)
			err := exp.pushLogs(context.Background(), ld)
			require.Error(t, err)
			assert.NotContains(t, err.Error(), testCode)
			delivered := bodiesOf(sink.Messages())
			if tt.permanent {
				assert.True(t, consumererror.IsPermanent(err))
				// The rejected request is dropped; the request after it is still sent.
				assert.Equal(t, []string{"r1-0000000001", "r1-0000000002", "r1-0000000003", "r1-0000000004", "r2-0000000001", "r2-0000000002"}, delivered)
				// Dropped data is a health problem until a push succeeds without rejection.
				require.Equal(t, []componentstatus.Status{componentstatus.StatusRecoverableError}, host.Statuses())
				reason, _ := host.Last().Attributes().Get("reason")
				assert.Equal(t, reasonRejected, reason.Str())
				code, _ := host.Last().Attributes().Get("http.response.status_code")
				assert.Equal(t, int64(tt.fault.Status), code.Int())
				sink.InjectFaults(tt.fault)
				require.Error(t, exp.pushLogs(context.Background(), makeLogs(resourceSpec{bodies: []string{"rejected again"}})))
				assert.Len(t, host.Statuses(), 1, "status is reported on change only")
				require.NoError(t, exp.pushLogs(context.Background(), makeLogs(resourceSpec{bodies: []string{"accepted"}})))
				assert.Equal(t, []componentstatus.Status{componentstatus.StatusRecoverableError, componentstatus.StatusOK}, host.Statuses())
				return
			}
			assert.Equal(t, []string{"r1-0000000001", "r1-0000000002", "r1-0000000003", "r1-0000000004"}, delivered)
			assert.False(t, consumererror.IsPermanent(err))
			var logsErr consumererror.Logs
			require.ErrorAs(t, err, &logsErr)
			failed := logsErr.Data()
			assert.Equal(t, []string{"r1-0000000005", "r1-0000000006", "r2-0000000001", "r2-0000000002"}, recordBodies(failed))
			cat, _ := failed.ResourceLogs().At(1).Resource().Attributes().Get("_sourceCategory")
			assert.Equal(t, "two", cat.Str(), "failed records keep their resource")
			if tt.throttle != "" {
				assert.Contains(t, err.Error(), "Throttle ("+tt.throttle+")")
			}
			require.NotNil(t, host.Last())
			assert.Equal(t, "StatusRecoverableError", host.Last().Status().String())

			// Retrying the failed records delivers them; nothing is sent twice.
			require.NoError(t, exp.pushLogs(context.Background(), failed))
			assert.Equal(t, 8, sink.Stats().Distinct)
			assert.Equal(t, 0, sink.Stats().Duplicates)
			assert.Equal(t, "StatusOK", host.Last().Status().String())
			assert.Len(t, host.Statuses(), 2, "status is reported on change only")
		})
	}
}

func TestWarningAnswerIsAccepted(t *testing.T) {
	sink := startSink(t, sumosink.Config{})
	exp := newTestExporter(t, testConfig(sink.URL()), nopSettings(), nil)
	attrs := map[string]string{}
	for i := range 35 {
		attrs[fmt.Sprintf("field%02d", i)] = "v"
	}
	// The exporter keeps 30 fields itself, so force the sink's warning with a long value
	// the exporter passes through unchanged (200 characters, the limit).
	attrs["long"] = strings.Repeat("v", 200)
	ld := makeLogs(resourceSpec{attrs: attrs, bodies: []string{"m"}})
	require.NoError(t, exp.pushLogs(context.Background(), ld))
	msgs := sink.Messages()
	require.Len(t, msgs, 1)
	assert.Len(t, msgs[0].Fields, maxFields)
}

func bodiesOf(msgs []sumosink.Message) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m.Body
	}
	return out
}

func recordBodies(ld plog.Logs) []string {
	var out []string
	for i := range ld.ResourceLogs().Len() {
		sls := ld.ResourceLogs().At(i).ScopeLogs()
		for j := range sls.Len() {
			lrs := sls.At(j).LogRecords()
			for k := range lrs.Len() {
				out = append(out, lrs.At(k).Body().AsString())
			}
		}
	}
	return out
}

package jumpclouddirectoryinsightsreceiver

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/otel/attribute"
	"go.uber.org/zap"
)

// A stream's names: each one meaning. The storage name and the keys built on it are stored
// (checkpoints written by earlier versions must still load): they never change. Logs, metrics
// and errors say organization for a configured organization and provider for the provider's own
// events, nothing for the API key's own organization.
func TestStreamNames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		spec        streamSpec
		storage     string
		cpKey, seen string
		label       string
		logFields   []zap.Field
		metricAttrs []attribute.KeyValue
	}{
		{name: "the API key's own organization", spec: streamSpec{}, storage: "",
			cpKey: "jumpcloud_directory_insights_checkpoint", seen: "jumpcloud_directory_insights_seen_ids"},
		{name: "organization", spec: streamSpec{orgID: "org-1"}, storage: "org-1",
			cpKey: "jumpcloud_directory_insights_checkpoint/org-1", seen: "jumpcloud_directory_insights_seen_ids/org-1",
			label: "organization org-1", logFields: []zap.Field{zap.String("organization", "org-1")},
			metricAttrs: []attribute.KeyValue{attribute.String("jumpcloud.organization", "org-1")}},
		{name: "provider", spec: streamSpec{providerID: "prov-1"}, storage: "provider:prov-1",
			cpKey: "jumpcloud_directory_insights_checkpoint/provider:prov-1", seen: "jumpcloud_directory_insights_seen_ids/provider:prov-1",
			label: "provider prov-1", logFields: []zap.Field{zap.String("provider", "prov-1")},
			metricAttrs: []attribute.KeyValue{attribute.String("jumpcloud.provider", "prov-1")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.storage, tt.spec.storageName())
			st := newCheckpointStore(nil, tt.spec)
			assert.Equal(t, tt.cpKey, st.cpKey)
			assert.Equal(t, tt.seen, st.seenKey)
			assert.Equal(t, tt.label, tt.spec.label())
			assert.Equal(t, tt.logFields, tt.spec.logFields())
			assert.Equal(t, tt.metricAttrs, tt.spec.metricAttrs())
		})
	}
}

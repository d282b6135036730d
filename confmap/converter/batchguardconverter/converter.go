// Package batchguardconverter is a confmap converter that refuses, at start-up and in
// `validate`, a pipeline that has both the jumpclouddirectoryinsights receiver and a batch
// processor, or a redaction processor without allow_all_keys: true.
//
// The batch processor acknowledges data as soon as it holds it in memory. The receiver then
// checkpoints those events as delivered, and a crash (kill -9, out of memory, power loss) loses
// them for good: measured, 11,000 of 50,000 events across one kill -9. Batching belongs to the
// exporter's sending_queue (its `batch` settings, with `storage` for a persistent queue), which
// batches after the data is stored. Pipelines without the receiver may use batch as usual.
//
// The redaction processor without allow_all_keys: true removes every attribute that is not in
// allowed_keys, the resource attributes that carry the Sumo Logic metadata included: the events
// would arrive without their source name, category and fields, silently.
package batchguardconverter // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/confmap/converter/batchguardconverter"

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"go.opentelemetry.io/collector/confmap"
)

const (
	// receiverType is the component type of our receiver (any name: jumpclouddirectoryinsights/x).
	receiverType = "jumpclouddirectoryinsights"
	// processorType is the component type of the core batch processor (any name: batch/x).
	processorType = "batch"
	// redactionType is the component type of the contrib redaction processor.
	redactionType = "redaction"
)

type converter struct{}

// NewFactory returns a factory for a confmap.Converter that refuses a pipeline combining the
// jumpclouddirectoryinsights receiver with a batch processor, or with a redaction processor
// that would remove the Sumo Logic metadata.
func NewFactory() confmap.ConverterFactory {
	return confmap.NewConverterFactory(newConverter)
}

func newConverter(confmap.ConverterSettings) confmap.Converter {
	return converter{}
}

// Convert leaves the configuration unchanged; it returns an error naming every pipeline that
// has the receiver and a batch processor or a redaction processor without allow_all_keys:
// true. A configuration whose service.pipelines is not of
// the usual shape is left to the collector's own validation.
func (converter) Convert(_ context.Context, conf *confmap.Conf) error {
	pipelines, ok := conf.Get("service::pipelines").(map[string]any)
	if !ok {
		return nil
	}
	ids := make([]string, 0, len(pipelines))
	for id := range pipelines {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var errs []error
	for _, id := range ids {
		p, ok := pipelines[id].(map[string]any)
		if !ok {
			continue
		}
		receiver := firstOfType(p["receivers"], receiverType)
		if receiver == "" {
			continue
		}
		for _, redaction := range ofType(p["processors"], redactionType) {
			if !isTrue(conf.Get("processors::" + redaction + "::allow_all_keys")) {
				errs = append(errs, fmt.Errorf("pipeline %q has the %q receiver and the %q processor without allow_all_keys: true: "+
					"it would remove every attribute not in allowed_keys, the resource attributes that carry the Sumo Logic metadata "+
					"(_sourceName, _sourceCategory, the fields such as _siemForward) included, and the events would arrive without them; "+
					"set allow_all_keys: true in %q and mask with blocked_values or blocked_key_patterns",
					id, receiver, redaction, redaction))
			}
		}
		batch := firstOfType(p["processors"], processorType)
		if batch == "" {
			continue
		}
		errs = append(errs, fmt.Errorf("pipeline %q has the %q receiver and the %q processor: "+
			"the batch processor acknowledges events before they are delivered or stored, so the receiver checkpoints them "+
			"and a crash or kill loses them for good; remove %q from this pipeline's processors (the receiver already "+
			"delivers batches of about one Sumo Logic request and commits its checkpoint only once they are delivered; "+
			"an exporter's own sending_queue::batch batches further); pipelines without the %s receiver may keep batch",
			id, receiver, batch, batch, receiverType))
	}
	return errors.Join(errs...)
}

// firstOfType returns the first component id in list (a list of ids as strings) whose type is
// typ ("typ" or "typ/name"), or "".
func firstOfType(list any, typ string) string {
	if ids := ofType(list, typ); len(ids) > 0 {
		return ids[0]
	}
	return ""
}

// ofType returns the component ids in list (a list of ids as strings) whose type is typ.
func ofType(list any, typ string) []string {
	items, ok := list.([]any)
	if !ok {
		return nil
	}
	var ids []string
	for _, item := range items {
		s, ok := item.(string)
		if !ok {
			continue
		}
		t, _, _ := strings.Cut(strings.TrimSpace(s), "/")
		if t == typ {
			ids = append(ids, s)
		}
	}
	return ids
}

// isTrue reports whether a configuration value is the boolean true (also as a string, as an
// unexpanded environment value may be).
func isTrue(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case string:
		b, err := strconv.ParseBool(strings.TrimSpace(x))
		return err == nil && b
	}
	return false
}

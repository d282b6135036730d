package statustest

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/component/componenttest"
)

func TestHostRecordsStatusEvents(t *testing.T) {
	h := NewHost()
	assert.Nil(t, h.Last())
	componentstatus.ReportStatus(h, componentstatus.NewEvent(componentstatus.StatusOK))
	componentstatus.ReportStatus(h, componentstatus.NewRecoverableErrorEvent(errors.New("x")))
	assert.Equal(t, []componentstatus.Status{componentstatus.StatusOK, componentstatus.StatusRecoverableError}, h.Statuses())
	assert.Equal(t, componentstatus.StatusRecoverableError, h.Last().Status())
	assert.Len(t, h.Events(), 2)

	id := component.MustNewID("file_storage")
	h.AddExtension(id, componenttest.NewNopHost().GetExtensions()[id])
	assert.Contains(t, h.GetExtensions(), id)
}

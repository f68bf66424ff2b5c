package awsapi

import (
	"testing"

	"github.com/connectdir/connectdir/awsapi/model"
)

// The statuses in the exceptions table are the model's, wherever the model knows the exception.
func TestExceptionStatusesMatchModel(t *testing.T) {
	checked := 0
	for kind, ex := range exceptions {
		status, ok := model.ErrorStatus(ex.name)
		if !ok {
			continue
		}
		checked++
		if status != ex.status {
			t.Errorf("kind %d: %s answers %d, the model says %d", kind, ex.name, ex.status, status)
		}
	}
	if checked < 9 {
		t.Errorf("only %d exceptions checked against the model", checked)
	}
}

package awsapi

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/connectdir/connectdir"
	"github.com/connectdir/connectdir/awsapi/model"
	"github.com/connectdir/connectdir/sigv4"
)

// exception is an AWS error as the wire carries it.
type exception struct {
	name   string
	status int
}

// exceptions maps each refusal kind to its AWS exception: the one place that decides names and
// HTTP statuses (the statuses are the model's httpStatusCode of each error shape).
var exceptions = map[connectdir.Kind]exception{
	connectdir.KindInternal:         {"InternalServiceException", http.StatusInternalServerError},
	connectdir.KindNotFound:         {"ResourceNotFoundException", http.StatusNotFound},
	connectdir.KindDuplicate:        {"DuplicateResourceException", http.StatusConflict},
	connectdir.KindInUse:            {"ResourceInUseException", http.StatusConflict},
	connectdir.KindInvalidParameter: {"InvalidParameterException", http.StatusBadRequest},
	connectdir.KindInvalidRequest:   {"InvalidRequestException", http.StatusBadRequest},
	connectdir.KindLimitExceeded:    {"LimitExceededException", http.StatusTooManyRequests},
	connectdir.KindQuotaExceeded:    {"ServiceQuotaExceededException", http.StatusPaymentRequired},
	connectdir.KindThrottled:        {"ThrottlingException", http.StatusTooManyRequests},
	connectdir.KindUserNotFound:     {"UserNotFoundException", http.StatusNotFound},
	connectdir.KindAccessDenied:     {"AccessDeniedException", http.StatusForbidden},
}

// wireError is a refusal the wire layer decides on its own, before any operation runs: a body
// that is not JSON, a path no operation serves.
type wireError struct {
	exception
	message string
}

func (e *wireError) Error() string { return e.message }

// errorBody is the rest-json error document; the SDKs read the name from X-Amzn-ErrorType.
type errorBody struct {
	Message      string `json:"Message"`
	ResourceType string `json:"ResourceType,omitempty"`
	ResourceId   string `json:"ResourceId,omitempty"`
}

// errorTypeHeader carries the exception name; the SDKs read it before the body.
const errorTypeHeader = "X-Amzn-Errortype"

// writeError answers with the AWS exception for err. Internal errors are logged, not shown.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) string {
	var (
		ex   exception
		body errorBody
	)
	var de *connectdir.Error
	var se *sigv4.Error
	var ve *model.Violation
	var we *wireError
	switch {
	case errors.As(err, &we):
		ex, body.Message = we.exception, we.message
	case errors.As(err, &se):
		ex, body.Message = exception{se.Code, se.Status}, se.Message
	case errors.As(err, &ve):
		ex, body.Message = exceptions[connectdir.KindInvalidParameter], ve.Message
	case errors.As(err, &de):
		ex, body = exceptions[de.Kind], errorBody{Message: de.Message, ResourceType: de.ResourceType, ResourceId: de.ResourceID}
	case errors.Is(err, context.Canceled) && r.Context().Err() != nil:
		// The client hung up (a load generator stopping, a cancelled SDK call): nobody reads this
		// answer and nothing failed on our side, so it is neither a 500 nor an error in the log.
		// 499 is nginx's "client closed request"; the request log line records it.
		ex, body.Message = exception{"ClientClosedRequest", 499}, "The client closed the request."
	default:
		log.Error("internal error", "request_id", RequestID(r.Context()), "method", r.Method, "path", r.URL.Path, "err", err)
		ex, body.Message = exceptions[connectdir.KindInternal], "An internal error occurred."
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set(errorTypeHeader, ex.name)
	w.WriteHeader(ex.status)
	_ = json.NewEncoder(w).Encode(body)
	return ex.name
}

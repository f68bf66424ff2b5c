package hrsync

import (
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"golang.org/x/time/rate"
)

// MaxAttempts is how many times one call is tried when the service throttles it.
const MaxAttempts = 10

// Paced returns client options that space every request (first attempts and retries alike) to
// rps per second, and retry ThrottlingException with exponential backoff. rps <= 0 means no
// client-side limit.
//
// The limiter sits in the HTTP client, below the SDK's retry loop, so retries count against the
// same budget. The SDK's client-side retry quota is off: under sustained throttling it would give
// up after a handful of refusals, where backing off and trying again is exactly what is needed.
func Paced(rps float64) func(*connect.Options) {
	return func(o *connect.Options) {
		o.RetryMaxAttempts = MaxAttempts // the client caps the retryer with this after option functions
		o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
			so.MaxAttempts = MaxAttempts
			so.MaxBackoff = 10 * time.Second
			so.RateLimiter = ratelimit.None
		})
		if rps > 0 {
			o.HTTPClient = pacedClient{next: o.HTTPClient, lim: rate.NewLimiter(rate.Limit(rps), 1)}
		}
	}
}

type pacedClient struct {
	next aws.HTTPClient
	lim  *rate.Limiter
}

func (c pacedClient) Do(r *http.Request) (*http.Response, error) {
	if err := c.lim.Wait(r.Context()); err != nil {
		return nil, err
	}
	return c.next.Do(r)
}

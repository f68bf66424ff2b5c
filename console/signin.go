package console

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/aws/smithy-go"
)

// The sign-in form is open to anyone, before any authentication: whatever it makes the server
// do, an anonymous visitor can make it do. So it reaches only endpoints that are known to be a
// Connect API (this server's, AWS's own for the chosen region, or those an operator lists), it
// shows no text a remote endpoint chose, and it answers repeated failures with back-off.

// awsRegion is the shape of an AWS region name: it becomes part of a host name.
var awsRegion = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$`)

// signInEndpoint decides which endpoint a sign-in may reach: the form's endpoint when it is
// this server's, one of AWS's Connect endpoints of the region (standard or FIPS) or one the
// operator allowed; AWS's standard one for "Amazon Connect"; else this server. msg is the
// refusal shown when the form asks for anything else.
func (c *console) signInEndpoint(target, region, endpoint string) (resolved, shown, msg string) {
	aws := []string{"https://connect." + region + ".amazonaws.com", "https://connect-fips." + region + ".amazonaws.com"}
	if target == "aws" || endpoint != "" {
		if !awsRegion.MatchString(region) {
			return "", "", "The region must be an AWS region name, such as us-east-1."
		}
	}
	if endpoint == "" {
		if target == "aws" {
			return aws[0], "Amazon Connect", ""
		}
		return c.cfg.Endpoint, "connectdir", ""
	}
	if known := c.knownEndpoint(endpoint, region); known != "" {
		return known, known, ""
	}
	return "", "", "This console may only reach this server, Amazon Connect's endpoints of the region (" +
		strings.Join(aws, ", ") + ") and the endpoints its operator lists with --console-endpoints."
}

// knownEndpoint returns endpoint, without a trailing slash, when the console may call it: this
// server's, one of AWS's Connect endpoints of the region, or one the operator listed; else "".
// Both the sign-in and a copy's target go through it: no other address typed into a form is
// ever called.
func (c *console) knownEndpoint(endpoint, region string) string {
	want := strings.TrimSuffix(endpoint, "/")
	allowed := append([]string{c.cfg.Endpoint, "https://connect." + region + ".amazonaws.com",
		"https://connect-fips." + region + ".amazonaws.com"}, c.cfg.Endpoints...)
	for _, a := range allowed {
		if a != "" && strings.EqualFold(strings.TrimSuffix(a, "/"), want) {
			return want
		}
	}
	return ""
}

// paceFor is the pace of a job's calls to an endpoint: Amazon Connect allows about two calls a
// second, so calls to AWS are spaced; this server and the endpoints its operator lists answer
// ThrottlingException if they limit calls, which the client's retries back off from.
func paceFor(endpoint string) float64 {
	u, err := url.Parse(endpoint)
	if err != nil {
		return awsRPS
	}
	host := strings.ToLower(u.Hostname())
	if strings.HasSuffix(host, ".amazonaws.com") || strings.HasSuffix(host, ".amazonaws.com.cn") {
		return awsRPS
	}
	return 0
}

// signInFailure is what a failed sign-in shows: the exception name when it is one of those a
// Connect endpoint answers a sign-in with, with words of our own; never a remote message, which
// an arbitrary endpoint could fill with anything (and whose differences made the form a probe).
// named says whether the form named an instance (else the instances were listed).
func signInFailure(err error, named bool) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		if !named && ae.ErrorCode() == "AccessDeniedException" {
			return "Sign-in failed: AccessDeniedException (the key may not list instances: type the instance id)."
		}
		if why, ok := signInRefusals[ae.ErrorCode()]; ok {
			return "Sign-in failed: " + ae.ErrorCode() + " (" + why + ")."
		}
	}
	return "Sign-in failed: the service did not answer as Amazon Connect does."
}

var signInRefusals = map[string]string{
	"UnrecognizedClientException":  "the access key is not known",
	"InvalidClientTokenId":         "the access key is not known",
	"InvalidSignatureException":    "the secret access key does not match",
	"SignatureDoesNotMatch":        "the secret access key does not match",
	"IncompleteSignatureException": "the request could not be signed with these credentials",
	"AccessDeniedException":        "the key may not describe this instance",
	"ResourceNotFoundException":    "there is no such instance in this region",
	"InvalidParameterException":    "the instance id is not valid",
	"InvalidRequestException":      "the instance id is not valid",
	"ThrottlingException":          "the service is throttling requests; try again later",
}

// Sign-in throttling: each client address and each access key id may fail signInFreeFailures
// times in a row; after that each attempt must wait, twice as long after each further failure,
// up to signInMaxWait. A success clears both.
const (
	signInFreeFailures = 5
	signInFirstWait    = time.Second
	signInMaxWait      = 5 * time.Minute
	// signInForget drops a record this long after its last failure; signInMaxRecords bounds
	// the table against a flood of distinct key ids.
	signInForget     = 30 * time.Minute
	signInMaxRecords = 100_000
)

type failures struct {
	count int
	until time.Time // no attempt before
	last  time.Time
}

// signInLimiter counts failed sign-ins by client address and by access key id.
type signInLimiter struct {
	mu      sync.Mutex
	records map[string]*failures
	now     func() time.Time
}

func newSignInLimiter() *signInLimiter {
	return &signInLimiter{records: map[string]*failures{}, now: time.Now}
}

// signInKeys are the limiter's keys for a sign-in attempt.
func signInKeys(r *http.Request, keyID string) []string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return []string{"addr " + host, "key " + keyID}
}

// attempt returns how long an attempt must still wait, or 0 when it may go ahead; an attempt
// that goes ahead counts as a failure until it succeeds, so a burst of concurrent attempts is
// held to signInFreeFailures too, not let through before the first failure is known.
func (l *signInLimiter) attempt(keys []string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	var longest time.Duration
	for _, k := range keys {
		if f := l.records[k]; f != nil && f.until.After(now) {
			longest = max(longest, f.until.Sub(now))
		}
	}
	if longest > 0 {
		return longest
	}
	if len(l.records) >= signInMaxRecords {
		for k, f := range l.records {
			if now.Sub(f.last) > signInForget {
				delete(l.records, k)
			}
		}
	}
	for _, k := range keys {
		f := l.records[k]
		if f == nil {
			if len(l.records) >= signInMaxRecords {
				continue // full of recent failures: the attempt's other key still counts
			}
			f = &failures{}
			l.records[k] = f
		}
		f.count++
		f.last = now
		if f.count >= signInFreeFailures {
			f.until = now.Add(backoff(f.count))
		}
	}
	return 0
}

func backoff(count int) time.Duration {
	d := signInFirstWait
	for i := signInFreeFailures; i < count && d < signInMaxWait; i++ {
		d *= 2
	}
	return min(d, signInMaxWait)
}

// succeeded undoes the attempt's count: the access key's failures are forgotten, the address's
// only by this one, so that signing in with a key of one's own between guesses at others does
// not clear the address.
func (l *signInLimiter) succeeded(keys []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range keys {
		f := l.records[k]
		if f == nil {
			continue
		}
		if f.count--; f.count <= 0 || strings.HasPrefix(k, "key ") {
			delete(l.records, k)
		} else if f.count < signInFreeFailures {
			f.until = time.Time{}
		}
	}
}

// tooMany is the refusal of an attempt that must wait.
func tooMany(wait time.Duration) string {
	return fmt.Sprintf("Too many failed sign-ins from this address or for this access key: try again in %d s.", int(wait.Round(time.Second)/time.Second)+1)
}

// validEndpointURL checks the shape of an endpoint given in the form.
func validEndpointURL(endpoint string) string {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "The endpoint URL must be an http:// or https:// URL."
	}
	// The endpoint is shown on every page and logged: it must not carry a secret of its own.
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "The endpoint URL must not contain a user name, password, query or fragment."
	}
	return ""
}

package awsapi

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/connectdir/connectdir"
	"github.com/connectdir/connectdir/sigv4"
)

// A small STS on the API's endpoint: GetCallerIdentity and GetSessionToken, in the STS Query
// protocol (a form POST to /, XML answers). Browser pages and scripts that hold a long-term key
// trade it for temporary credentials there before calling Connect, with the same endpoint
// configured for both services.

const stsNamespace = "https://sts.amazonaws.com/doc/2011-06-15/"

// stsError is a refusal in STS's terms.
type stsError struct {
	code    string
	status  int
	message string
}

func (e *stsError) Error() string { return e.code + ": " + e.message }

// stsCodes renames the signature refusals, which the verifier names as the JSON services do, to
// the names the Query services give them.
var stsCodes = map[string]string{
	"UnrecognizedClientException":         "InvalidClientTokenId",
	"InvalidSignatureException":           "SignatureDoesNotMatch",
	"MissingAuthenticationTokenException": "MissingAuthenticationToken",
	"IncompleteSignatureException":        "IncompleteSignature",
	"ExpiredTokenException":               "ExpiredToken",
}

func (s *Server) sts(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	action, outcome := s.serveSTS(w, r)
	s.requests.WithLabelValues("sts:"+action, outcome).Inc()
	s.latency.WithLabelValues("sts:" + action).Observe(time.Since(start).Seconds())
}

func (s *Server) serveSTS(w http.ResponseWriter, r *http.Request) (action, outcome string) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	who, err := s.authenticate(r, s.stsVerifier)
	if err != nil {
		return "", writeSTSError(w, r, s, err)
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return "", writeSTSError(w, r, s, &stsError{"InvalidParameterValue", http.StatusBadRequest, "The request body could not be read"})
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return "", writeSTSError(w, r, s, &stsError{"MalformedQueryString", http.StatusBadRequest, "The request body is not a valid form"})
	}
	action = form.Get("Action")
	if action == "" {
		return "", writeSTSError(w, r, s, &stsError{"MissingAction", http.StatusBadRequest, "Missing Action"})
	}
	var result any
	switch action {
	case "GetCallerIdentity":
		result = s.getCallerIdentity(who)
	case "GetSessionToken":
		result, err = s.getSessionToken(r, who, form)
	default:
		return action, writeSTSError(w, r, s, &stsError{"InvalidAction", http.StatusBadRequest,
			fmt.Sprintf("Could not find operation %s for version 2011-06-15", action)})
	}
	if err != nil {
		return action, writeSTSError(w, r, s, err)
	}
	type metadata struct {
		RequestId string
	}
	doc := struct {
		XMLName  xml.Name
		XMLNS    string   `xml:"xmlns,attr"`
		Result   any      `xml:",any"`
		Metadata metadata `xml:"ResponseMetadata"`
	}{xml.Name{Local: action + "Response"}, stsNamespace, result, metadata{RequestID(r.Context())}}
	out, err := xml.Marshal(doc)
	if err != nil {
		return action, writeSTSError(w, r, s, err)
	}
	w.Header().Set("Content-Type", "text/xml")
	_, _ = w.Write(append([]byte(xml.Header), out...))
	return action, "OK"
}

type callerIdentityResult struct {
	XMLName xml.Name `xml:"GetCallerIdentityResult"`
	Arn     string
	UserId  string
	Account string
}

// getCallerIdentity answers for the IAM user the key stands for; temporary credentials from
// GetSessionToken answer as the user that asked for them, as they do at AWS.
func (s *Server) getCallerIdentity(who identity) callerIdentityResult {
	name := who.userName
	if name == "" {
		name = who.keyID
	}
	return callerIdentityResult{Arn: "arn:aws:iam::" + s.dir.AccountID + ":user/" + name, UserId: iamUserID(name), Account: s.dir.AccountID}
}

// iamUserID is a stable unique id in the shape of an IAM user's (AIDA and 17 characters).
func iamUserID(name string) string {
	sum := sha256.Sum256([]byte(name))
	return "AIDA" + base32.StdEncoding.EncodeToString(sum[:])[:17]
}

type sessionTokenResult struct {
	XMLName     xml.Name `xml:"GetSessionTokenResult"`
	Credentials struct {
		AccessKeyId     string
		SecretAccessKey string
		SessionToken    string
		Expiration      string
	}
}

func (s *Server) getSessionToken(r *http.Request, who identity, form url.Values) (any, error) {
	if who.session {
		return nil, &stsError{"AccessDenied", http.StatusForbidden, "Cannot call GetSessionToken with session credentials"}
	}
	duration := connectdir.SessionDefaultDuration
	if v := form.Get("DurationSeconds"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, &stsError{"ValidationError", http.StatusBadRequest, fmt.Sprintf("Value '%s' at 'durationSeconds' failed to satisfy constraint: Member must be an integer", v)}
		}
		min, max := int(connectdir.SessionMinDuration/time.Second), int(connectdir.SessionMaxDuration/time.Second)
		switch {
		case n < min:
			return nil, &stsError{"ValidationError", http.StatusBadRequest, fmt.Sprintf("1 validation error detected: Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to %d", n, min)}
		case n > max:
			return nil, &stsError{"ValidationError", http.StatusBadRequest, fmt.Sprintf("1 validation error detected: Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to %d", n, max)}
		}
		duration = time.Duration(n) * time.Second
	}
	creds, err := s.dir.GetSessionToken(r.Context(), who.userName, duration)
	if err != nil {
		return nil, err
	}
	var out sessionTokenResult
	c := &out.Credentials
	c.AccessKeyId, c.SecretAccessKey, c.SessionToken = creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken
	c.Expiration = creds.Expiration.UTC().Format("2006-01-02T15:04:05Z")
	return out, nil
}

// writeSTSError answers with STS's XML error document.
func writeSTSError(w http.ResponseWriter, r *http.Request, s *Server, err error) string {
	var (
		se  *stsError
		sig *sigv4.Error
		we  *wireError
	)
	switch {
	case errors.As(err, &se):
	case errors.As(err, &sig):
		se = &stsError{sig.Code, sig.Status, sig.Message}
	case errors.As(err, &we):
		se = &stsError{we.name, we.status, we.message}
	default:
		s.log.Error("internal error", "request_id", RequestID(r.Context()), "method", r.Method, "path", r.URL.Path, "err", err)
		se = &stsError{"InternalFailure", http.StatusInternalServerError, "An internal error occurred."}
	}
	code := se.code
	if c, ok := stsCodes[code]; ok {
		code = c
	}
	kind := "Sender"
	if se.status >= 500 {
		kind = "Receiver"
	}
	doc := struct {
		XMLName xml.Name `xml:"ErrorResponse"`
		XMLNS   string   `xml:"xmlns,attr"`
		Error   struct {
			Type, Code, Message string
		}
		RequestId string
	}{XMLNS: stsNamespace, RequestId: RequestID(r.Context())}
	doc.Error.Type, doc.Error.Code, doc.Error.Message = kind, code, se.message
	out, _ := xml.Marshal(doc)
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(se.status)
	_, _ = w.Write(append([]byte(xml.Header), out...))
	return code
}

// Package sigv4 verifies AWS Signature Version 4 signatures on incoming requests and refuses bad ones with the exceptions AWS JSON services return.
package sigv4

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

const (
	algorithm       = "AWS4-HMAC-SHA256"
	terminator      = "aws4_request"
	amzDateFormat   = "20060102T150405Z"
	unsignedPayload = "UNSIGNED-PAYLOAD"
	defaultMaxSkew  = 5 * time.Minute
	// maxExpires is the week SigV4 caps a presigned URL's life at.
	maxExpires = 7 * 24 * 60 * 60
)

const (
	codeMissingToken  = "MissingAuthenticationTokenException"
	codeIncomplete    = "IncompleteSignatureException"
	codeInvalid       = "InvalidSignatureException"
	codeUnrecognized  = "UnrecognizedClientException"
	msgMissingToken   = "Missing Authentication Token"
	msgUnrecognized   = "The security token included in the request is invalid."
	msgMismatch       = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	msgBothAuth       = "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header."
	msgHostNotSigned  = "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
	msgHashedAuthNote = "(Hashed with SHA-256 and encoded with Base64) Authorization="
)

// Error is a refusal, carrying the AWS exception name and HTTP status AWS returns for it.
type Error struct {
	Code    string
	Status  int
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Connect's front end answers malformed signatures with 400 and every other
// refusal with 403, as the AWS common-errors table lists them.
func incomplete(msg string) *Error {
	return &Error{Code: codeIncomplete, Status: http.StatusBadRequest, Message: msg}
}
func invalid(msg string) *Error {
	return &Error{Code: codeInvalid, Status: http.StatusForbidden, Message: msg}
}

// Verifier checks SigV4 signatures of requests for one service and region.
type Verifier struct {
	Service string // signing name, e.g. "connect"
	Region  string // the region the server answers for; a credential scoped to another region is refused
	// Secret returns the secret access key of accessKeyID; ok=false when the key is unknown.
	Secret  func(ctx context.Context, accessKeyID string) (secret string, ok bool, err error)
	Now     func() time.Time // nil means time.Now
	MaxSkew time.Duration    // 0 means 5 minutes
}

// auth is what the request claims about its own signature, from either the
// Authorization header or the presigned query parameters.
type auth struct {
	algorithm     string
	credential    string
	signedHeaders string
	signature     string
	date          time.Time
	amzDate       string // date as it enters the string to sign
	presigned     bool
	expires       time.Duration
	hasExpires    bool
}

// Verify checks r's signature (Authorization header, or presigned query parameters X-Amz-Algorithm/X-Amz-Credential/X-Amz-Date/X-Amz-Expires/X-Amz-SignedHeaders/X-Amz-Signature) and returns the access key id that signed it.
// It reads the body to hash it and leaves r.Body readable again (bytes already read replaced by an in-memory reader).
// A refusal is returned as *Error; a failure of Secret is returned as it is.
func (v *Verifier) Verify(r *http.Request) (accessKeyID string, err error) {
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	skew := v.MaxSkew
	if skew <= 0 {
		skew = defaultMaxSkew
	}

	query := parseQuery(r.URL.RawQuery)
	authorization := r.Header.Get("Authorization")
	_, presigned := query.get("X-Amz-Algorithm")
	switch {
	case authorization != "" && presigned:
		return "", invalid(msgBothAuth)
	case authorization == "" && !presigned:
		return "", &Error{Code: codeMissingToken, Status: http.StatusForbidden, Message: msgMissingToken}
	}

	var a auth
	var refusal *Error
	if presigned {
		a, refusal = fromQuery(query)
	} else {
		a, refusal = fromHeader(r.Header, authorization)
	}
	if refusal != nil {
		return "", refusal
	}

	// Checks run in the order AWS runs them, so that a request with several
	// faults is refused for the same one AWS would name.
	if refusal := checkTime(a, now().UTC(), skew); refusal != nil {
		return "", refusal
	}
	if !hasHost(a.signedHeaders) {
		return "", invalid(msgHostNotSigned)
	}
	if a.algorithm != algorithm {
		return "", incomplete("Unsupported AWS 'algorithm': '" + a.algorithm + "' (only AWS4-HMAC-SHA256 for now). ")
	}
	scope, refusal := v.checkScope(a)
	if refusal != nil {
		return "", refusal
	}
	if !presigned && r.Header.Get("X-Amz-Security-Token") != "" && !slices.Contains(strings.Split(strings.ToLower(a.signedHeaders), ";"), "x-amz-security-token") {
		// An unsigned token could be swapped in transit; a presigned URL
		// carries it in the query, which the signature always covers.
		return "", incomplete("The request signature does not conform to AWS standards. Header(s) not signed: x-amz-security-token.")
	}

	secret, ok, err := v.Secret(r.Context(), scope.accessKeyID)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", &Error{Code: codeUnrecognized, Status: http.StatusForbidden, Message: msgUnrecognized}
	}

	ph, refusal, err := payloadHash(r, query, presigned)
	if err != nil {
		return "", err
	}
	if refusal != nil {
		return "", refusal
	}

	want, ok := decodeSignature(a.signature)
	if !ok {
		return "", invalid(msgMismatch)
	}

	key := signingKey(secret, scope, v.Region, v.Service)
	buf := bufPool.Get().(*[]byte)
	defer bufPool.Put(buf)

	rawPath := requestPath(r)
	canonical := appendCanonicalHead((*buf)[:0], r.Method, rawPath)
	head := len(canonical)
	canonical = canonicalRest(canonical, r, query, a, ph)
	*buf = canonical
	got := signature(key, canonical, a.amzDate, scope.scope)
	if hmac.Equal(got[:], want[:]) {
		return scope.accessKeyID, nil
	}
	// The Go SDK signs the path as sent while botocore first removes dot
	// segments and empty segments; either is a signature the client meant.
	if normalized := normalizePath(rawPath); normalized != rawPath {
		alt := append(appendCanonicalHead(nil, r.Method, normalized), canonical[head:]...)
		got := signature(key, alt, a.amzDate, scope.scope)
		if hmac.Equal(got[:], want[:]) {
			return scope.accessKeyID, nil
		}
	}
	return "", invalid(msgMismatch)
}

// hashedAuthorization lets a refusal point at the header it is about without
// echoing a credential back into logs and responses.
func hashedAuthorization(authorization string) string {
	sum := sha256.Sum256([]byte(authorization))
	return base64.StdEncoding.EncodeToString(sum[:])
}

func fromHeader(h http.Header, authorization string) (auth, *Error) {
	var a auth
	alg, rest, _ := strings.Cut(authorization, " ")
	a.algorithm = alg
	// AWS splits on blanks as well as commas, which is why a stray space after
	// "Credential=" is reported as a pair without an equal sign.
	for rest != "" {
		i := strings.IndexAny(rest, ", \t")
		f := rest
		if i >= 0 {
			f, rest = rest[:i], rest[i+1:]
		} else {
			rest = ""
		}
		if f == "" {
			continue
		}
		k, val, ok := strings.Cut(f, "=")
		if !ok {
			return a, incomplete("Invalid key=value pair (missing equal-sign) in Authorization header (hashed with SHA-256 and encoded with Base64): '" + hashedAuthorization(authorization) + "'.")
		}
		switch k {
		case "Credential":
			a.credential = val
		case "SignedHeaders":
			a.signedHeaders = val
		case "Signature":
			a.signature = val
		}
	}

	rawDate, fromDateHeader := h.Get("X-Amz-Date"), false
	if rawDate == "" {
		rawDate, fromDateHeader = h.Get("Date"), true
	}

	var msg strings.Builder
	if a.credential == "" {
		msg.WriteString("Authorization header requires 'Credential' parameter. ")
	}
	if a.signature == "" {
		msg.WriteString("Authorization header requires 'Signature' parameter. ")
	}
	if a.signedHeaders == "" {
		msg.WriteString("Authorization header requires 'SignedHeaders' parameter. ")
	}
	if rawDate == "" {
		msg.WriteString("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ")
	}
	if msg.Len() > 0 {
		msg.WriteString(msgHashedAuthNote)
		msg.WriteString(hashedAuthorization(authorization))
		return a, incomplete(msg.String())
	}

	var t time.Time
	var err error
	if fromDateHeader {
		t, err = http.ParseTime(rawDate)
		a.amzDate = t.UTC().Format(amzDateFormat)
	} else {
		t, err = parseAmzDate(rawDate)
		a.amzDate = rawDate
	}
	if err != nil {
		return a, badDate(rawDate)
	}
	a.date = t.UTC()
	return a, nil
}

// parseAmzDate insists on the exact basic format, because the string to sign
// carries the value as sent and the credential scope is compared to its
// first eight characters.
func parseAmzDate(s string) (time.Time, error) {
	if len(s) != len(amzDateFormat) {
		return time.Time{}, &time.ParseError{Layout: amzDateFormat, Value: s}
	}
	return time.Parse(amzDateFormat, s)
}

func badDate(raw string) *Error {
	return incomplete("Date must be in ISO-8601 'basic format'. Got '" + raw + "'. See http://en.wikipedia.org/wiki/ISO_8601")
}

func fromQuery(q queryParams) (auth, *Error) {
	a := auth{presigned: true}
	var msg strings.Builder
	for _, p := range [...]struct {
		name string
		dst  *string
	}{
		{"X-Amz-Algorithm", &a.algorithm},
		{"X-Amz-Credential", &a.credential},
		{"X-Amz-Signature", &a.signature},
		{"X-Amz-SignedHeaders", &a.signedHeaders},
		{"X-Amz-Date", &a.amzDate},
	} {
		*p.dst, _ = q.get(p.name)
		if *p.dst == "" {
			msg.WriteString("AWS query-string parameters must include '" + p.name + "'. ")
		}
	}
	if msg.Len() > 0 {
		msg.WriteString("Re-examine the query-string parameters.")
		return a, incomplete(msg.String())
	}

	t, err := parseAmzDate(a.amzDate)
	if err != nil {
		return a, badDate(a.amzDate)
	}
	a.date = t.UTC()

	if raw, ok := q.get("X-Amz-Expires"); ok {
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || n < 0 {
			return a, incomplete("X-Amz-Expires should be a number")
		}
		if n > maxExpires {
			return a, incomplete("X-Amz-Expires must be less than a week (in seconds) that is 604800")
		}
		a.expires, a.hasExpires = time.Duration(n)*time.Second, true
	}
	return a, nil
}

func checkTime(a auth, now time.Time, skew time.Duration) *Error {
	if earliest := now.Add(-skew); a.date.Before(earliest) {
		return invalid("Signature expired: " + a.amzDate + " is now earlier than " +
			earliest.Format(amzDateFormat) + " (" + now.Format(amzDateFormat) + " - " + minutes(skew) + ")")
	}
	if latest := now.Add(skew); a.date.After(latest) {
		return invalid("Signature not yet current: " + a.amzDate + " is still later than " +
			latest.Format(amzDateFormat) + " (" + now.Format(amzDateFormat) + " + " + minutes(skew) + ")")
	}
	// A presigned URL may also promise less life than the clock allowance.
	if a.hasExpires {
		if earliest := now.Add(-a.expires); a.date.Before(earliest) {
			return invalid("Signature expired: " + a.amzDate + " is now earlier than " +
				earliest.Format(amzDateFormat) + " (" + now.Format(amzDateFormat) + " - " + minutes(a.expires) + ")")
		}
	}
	return nil
}

// minutes renders a window the way AWS's clock messages do ("5 min."),
// falling back to seconds for windows AWS itself never uses.
func minutes(d time.Duration) string {
	if d%time.Minute == 0 {
		return strconv.FormatInt(int64(d/time.Minute), 10) + " min."
	}
	return strconv.FormatInt(int64(d/time.Second), 10) + " sec."
}

func hasHost(signedHeaders string) bool {
	for name := range strings.SplitSeq(signedHeaders, ";") {
		if strings.EqualFold(name, "host") {
			return true
		}
	}
	return false
}

type credentialScope struct {
	accessKeyID string
	date        string
	scope       string // date/region/service/aws4_request, as signed
}

func (v *Verifier) checkScope(a auth) (credentialScope, *Error) {
	// AWS ignores trailing slashes when counting the credential's elements.
	cred := strings.TrimRight(a.credential, "/")
	keyID, scope, _ := strings.Cut(cred, "/")
	date, rest, _ := strings.Cut(scope, "/")
	region, rest, _ := strings.Cut(rest, "/")
	service, term, _ := strings.Cut(rest, "/")
	if strings.Count(cred, "/") != 4 {
		return credentialScope{}, incomplete("Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '" + a.credential + "'")
	}

	// AWS names every scope fault at once, in this order.
	var msg strings.Builder
	if region != v.Region {
		msg.WriteString("Credential should be scoped to a valid region. ")
	}
	if service != v.Service {
		msg.WriteString("Credential should be scoped to correct service: '" + v.Service + "'. ")
	}
	if term != terminator {
		msg.WriteString("Credential should be scoped with a valid terminator: 'aws4_request'. ")
	}
	if day := a.amzDate[:8]; date != day {
		msg.WriteString("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '" + date + "' != '" + day + "', from '" + a.amzDate + "'.")
	}
	if msg.Len() > 0 {
		return credentialScope{}, invalid(msg.String())
	}
	return credentialScope{
		accessKeyID: keyID,
		date:        date,
		scope:       scope,
	}, nil
}

// payloadHash returns the hash the canonical request ends with. Connect's
// clients send no X-Amz-Content-Sha256, so the body is hashed here; a hash
// the client did send is used as AWS uses it, but only once it matches the
// body, or a body swapped in transit would pass under the old hash.
func payloadHash(r *http.Request, q queryParams, presigned bool) (string, *Error, error) {
	claimed := r.Header.Get("X-Amz-Content-Sha256")
	if claimed == "" && presigned {
		claimed, _ = q.get("X-Amz-Content-Sha256")
	}
	if claimed == unsignedPayload {
		// Only S3 lets a signature leave the body out; every other AWS service hashes the body
		// it received, so a request signed over "UNSIGNED-PAYLOAD" cannot match, and a body
		// swapped after signing is never accepted.
		return "", invalid(msgMismatch), nil
	}
	sum, err := hashBody(r)
	if err != nil {
		return "", nil, err
	}
	var hexSum [2 * sha256.Size]byte
	hex.Encode(hexSum[:], sum[:])
	if len(claimed) == len(hexSum) && isHex(claimed) {
		if !strings.EqualFold(claimed, string(hexSum[:])) {
			return "", invalid(msgMismatch), nil
		}
		return claimed, nil, nil
	}
	return string(hexSum[:]), nil, nil
}

// decodeSignature accepts either hex case, as hex.Decode does, without the
// copy a []byte conversion of the header value would cost.
func decodeSignature(s string) (out [sha256.Size]byte, ok bool) {
	if len(s) != hex.EncodedLen(sha256.Size) {
		return out, false
	}
	for i := range out {
		hi, ok1 := fromHexChar(s[2*i])
		lo, ok2 := fromHexChar(s[2*i+1])
		if !ok1 || !ok2 {
			return out, false
		}
		out[i] = hi<<4 | lo
	}
	return out, true
}

func fromHexChar(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// replayBody hands the handler the bytes the verifier already consumed while
// still closing the connection's body when the handler is done.
type replayBody struct {
	bytes.Reader
	orig io.Closer
}

func (b *replayBody) Close() error { return b.orig.Close() }

// bodyPrealloc caps how much a claimed Content-Length may reserve up front,
// so a lying header cannot make the server allocate memory it never fills.
const bodyPrealloc = 1 << 20

func hashBody(r *http.Request) ([sha256.Size]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return sha256.Sum256(nil), nil
	}
	size := 512
	if r.ContentLength > 0 {
		// One byte more than announced lets the read see EOF without growing.
		size = int(min(r.ContentLength+1, bodyPrealloc))
	}
	buf := make([]byte, 0, size)
	var err error
	for {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, cap(buf))
		}
		var n int
		n, err = r.Body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err != nil {
			break
		}
	}
	rb := &replayBody{orig: r.Body}
	rb.Reset(buf)
	r.Body = rb
	if err != io.EOF {
		return [sha256.Size]byte{}, &ReadError{err}
	}
	return sha256.Sum256(buf), nil
}

// ReadError is a body that could not be read to its end (the client went away, sent it too
// slowly or sent too much): the client's failure, not the verifier's nor the server's.
type ReadError struct{ Err error }

func (e *ReadError) Error() string { return "reading the request body: " + e.Err.Error() }
func (e *ReadError) Unwrap() error { return e.Err }

// requestPath is the path exactly as the client sent it: r.URL.Path loses
// the difference between "/" and "%2F" inside an ARN, which the signature
// depends on.
func requestPath(r *http.Request) string {
	if p := r.RequestURI; strings.HasPrefix(p, "/") {
		if i := strings.IndexByte(p, '?'); i >= 0 {
			p = p[:i]
		}
		return p
	}
	if p := r.URL.EscapedPath(); p != "" {
		return p
	}
	return "/"
}

// normalizePath removes dot segments and empty segments as botocore does
// before signing.
func normalizePath(p string) string {
	if p == "" {
		return "/"
	}
	var out []string
	for seg := range strings.SplitSeq(p, "/") {
		switch seg {
		case "", ".":
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		default:
			out = append(out, seg)
		}
	}
	var b strings.Builder
	if p[0] == '/' {
		b.WriteByte('/')
	}
	b.WriteString(strings.Join(out, "/"))
	if p[len(p)-1] == '/' && len(out) > 0 {
		b.WriteByte('/')
	}
	return b.String()
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

func appendCanonicalHead(b []byte, method, rawPath string) []byte {
	b = append(b, method...)
	b = append(b, '\n')
	b = appendEscaped(b, rawPath, true)
	return append(b, '\n')
}

// signature signs a canonical request under the derived key.
func signature(key [sha256.Size]byte, canonical []byte, amzDate, scope string) [sha256.Size]byte {
	sum := sha256.Sum256(canonical)
	var sts [len(algorithm) + 1 + len(amzDateFormat) + 1 + 64 + 1 + 2*sha256.Size]byte
	b := append(sts[:0], algorithm+"\n"...)
	b = append(b, amzDate...)
	b = append(b, '\n')
	b = append(b, scope...)
	b = append(b, '\n')
	b = hex.AppendEncode(b, sum[:])
	return hmacSHA256(key[:], b)
}

// canonicalRest appends everything of the canonical request after the URI.
func canonicalRest(b []byte, r *http.Request, q queryParams, a auth, payloadHash string) []byte {
	b = appendCanonicalQuery(b, q, a.presigned)
	b = append(b, '\n')
	b = appendCanonicalHeaders(b, r, a.signedHeaders)
	b = append(b, '\n')
	b = append(b, a.signedHeaders...)
	b = append(b, '\n')
	b = append(b, payloadHash...)
	return b
}

func appendCanonicalHeaders(b []byte, r *http.Request, signedHeaders string) []byte {
	for name := range strings.SplitSeq(signedHeaders, ";") {
		name = strings.ToLower(name)
		b = append(b, name...)
		b = append(b, ':')
		switch name {
		case "host":
			// net/http moves Host out of the header map.
			b = appendTrimmed(b, r.Host)
		default:
			values := r.Header[headerKey(name)]
			if len(values) == 0 {
				b = appendDerivedHeader(b, r, name)
			}
			for i, v := range values {
				if i > 0 {
					b = append(b, ',')
				}
				b = appendTrimmed(b, v)
			}
		}
		b = append(b, '\n')
	}
	return b
}

// appendDerivedHeader recovers headers net/http keeps outside the header map, for
// clients that signed them and requests built in-process that never had them.
func appendDerivedHeader(b []byte, r *http.Request, name string) []byte {
	switch name {
	case "content-length":
		if r.ContentLength > 0 {
			return strconv.AppendInt(b, r.ContentLength, 10)
		}
	case "transfer-encoding":
		for i, te := range r.TransferEncoding {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, te...)
		}
	}
	return b
}

// commonHeaders spares the canonicalisation allocation for the headers the
// SDKs sign on every request.
var commonHeaders = map[string]string{
	"content-type":                 "Content-Type",
	"content-length":               "Content-Length",
	"x-amz-date":                   "X-Amz-Date",
	"x-amz-security-token":         "X-Amz-Security-Token",
	"x-amz-content-sha256":         "X-Amz-Content-Sha256",
	"x-amz-user-agent":             "X-Amz-User-Agent",
	"amz-sdk-invocation-id":        "Amz-Sdk-Invocation-Id",
	"amz-sdk-request":              "Amz-Sdk-Request",
	"accept-encoding":              "Accept-Encoding",
	"x-amz-target":                 "X-Amz-Target",
	"content-encoding":             "Content-Encoding",
	"x-amz-client-context":         "X-Amz-Client-Context",
	"x-amzn-query-mode":            "X-Amzn-Query-Mode",
	"x-amz-sdk-checksum-algorithm": "X-Amz-Sdk-Checksum-Algorithm",
}

func headerKey(lower string) string {
	if k, ok := commonHeaders[lower]; ok {
		return k
	}
	return http.CanonicalHeaderKey(lower)
}

// appendTrimmed writes a header value trimmed and with runs of spaces
// collapsed, as the SDKs canonicalise it.
func appendTrimmed(b []byte, v string) []byte {
	v = strings.Trim(v, " \t")
	space := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == ' ' {
			if space {
				continue
			}
			space = true
		} else {
			space = false
		}
		b = append(b, c)
	}
	return b
}

type queryPair struct{ key, value string }

type queryParams []queryPair

// parseQuery decodes the query as the Go SDK does before re-encoding it, so
// that "+" and "%20" canonicalise alike; unlike url.ParseQuery it keeps pairs
// it cannot decode, which then fail the signature instead of vanishing from it.
func parseQuery(raw string) queryParams {
	if raw == "" {
		return nil
	}
	q := make(queryParams, 0, strings.Count(raw, "&")+1)
	for pair := range strings.SplitSeq(raw, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		if dk, err := url.QueryUnescape(k); err == nil {
			k = dk
		}
		if dv, err := url.QueryUnescape(v); err == nil {
			v = dv
		}
		q = append(q, queryPair{k, v})
	}
	return q
}

func (q queryParams) get(key string) (string, bool) {
	for _, p := range q {
		if p.key == key {
			return p.value, true
		}
	}
	return "", false
}

func appendCanonicalQuery(b []byte, q queryParams, presigned bool) []byte {
	enc := make([]queryPair, 0, len(q))
	for _, p := range q {
		if presigned && p.key == "X-Amz-Signature" {
			continue
		}
		enc = append(enc, queryPair{escapeQuery(p.key), escapeQuery(p.value)})
	}
	// SigV4 sorts after encoding, which orders differently from sorting the
	// decoded values when they contain reserved characters.
	slices.SortFunc(enc, func(x, y queryPair) int {
		if c := strings.Compare(x.key, y.key); c != 0 {
			return c
		}
		return strings.Compare(x.value, y.value)
	})
	for i, p := range enc {
		if i > 0 {
			b = append(b, '&')
		}
		b = append(b, p.key...)
		b = append(b, '=')
		b = append(b, p.value...)
	}
	return b
}

func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

func escapeQuery(s string) string {
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) {
			return string(appendEscaped(make([]byte, 0, len(s)+16), s, false))
		}
	}
	return s
}

const upperHex = "0123456789ABCDEF"

// appendEscaped percent-encodes everything but the RFC 3986 unreserved set
// (and "/" in paths). Applied to a path that is already escaped, it yields
// the double encoding every SDK except S3's signs.
func appendEscaped(b []byte, s string, path bool) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) || path && c == '/' {
			b = append(b, c)
		} else {
			b = append(b, '%', upperHex[c>>4], upperHex[c&15])
		}
	}
	return b
}

type keyCacheKey struct{ accessKeyID, date, region, service string }

type keyCacheEntry struct {
	secret string
	key    [sha256.Size]byte
}

// keyCache keeps the day's derived keys: one client signs many requests a
// day with the same scope. It is dropped whole when full, which is cheaper to
// reason about than eviction and costs at most one derivation per key.
var keyCache = struct {
	sync.Mutex
	m map[keyCacheKey]keyCacheEntry
}{m: make(map[keyCacheKey]keyCacheEntry)}

const keyCacheMax = 1024

func signingKey(secret string, s credentialScope, region, service string) [sha256.Size]byte {
	ck := keyCacheKey{s.accessKeyID, s.date, region, service}
	keyCache.Lock()
	e, ok := keyCache.m[ck]
	keyCache.Unlock()
	// The secret is part of the check so a rotated secret takes effect at once.
	if ok && e.secret == secret {
		return e.key
	}
	k := hmacSum([]byte("AWS4"+secret), s.date)
	k = hmacSum(k[:], region)
	k = hmacSum(k[:], service)
	k = hmacSum(k[:], terminator)
	keyCache.Lock()
	if len(keyCache.m) >= keyCacheMax {
		clear(keyCache.m)
	}
	keyCache.m[ck] = keyCacheEntry{secret: secret, key: k}
	keyCache.Unlock()
	return k
}

func hmacSum(key []byte, data string) [sha256.Size]byte {
	var msg [128]byte
	return hmacSHA256(key, append(msg[:0], data...))
}

// hmacSHA256 is HMAC-SHA256 (RFC 2104) over fixed-size buffers: crypto/hmac
// allocates a pair of digests per call, and this runs five times a request.
func hmacSHA256(key, msg []byte) [sha256.Size]byte {
	const block = 64
	var k [block]byte
	if len(key) > block {
		sum := sha256.Sum256(key)
		copy(k[:], sum[:])
	} else {
		copy(k[:], key)
	}
	// Longer messages outgrow the array and move to the heap by themselves.
	var inner [block + 512]byte
	in := inner[:0]
	for _, c := range k {
		in = append(in, c^0x36)
	}
	in = append(in, msg...)
	innerSum := sha256.Sum256(in)
	var outer [block + sha256.Size]byte
	for i, c := range k {
		outer[i] = c ^ 0x5c
	}
	copy(outer[block:], innerSum[:])
	return sha256.Sum256(outer[:])
}

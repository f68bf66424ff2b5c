package awsapi

import (
	"encoding/base64"
	"strings"

	"github.com/connectdir/connectdir"
)

// Pagination tokens are opaque to clients but plain to us: the operation, the scope (instance)
// and the key of the last item returned. Paging continues after that key (keyset pagination),
// so rows created or deleted meanwhile neither repeat nor hide rows that stayed.
const tokenPrefix = "cd1"

func encodeToken(op, scope, key string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(tokenPrefix + "\x00" + op + "\x00" + scope + "\x00" + key))
}

// decodeToken returns the key a token carries; "" for no token.
func decodeToken(token, op, scope string) (string, error) {
	if token == "" {
		return "", nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	parts := strings.SplitN(string(raw), "\x00", 4)
	if err != nil || len(parts) != 4 || parts[0] != tokenPrefix || parts[1] != op || parts[2] != scope || parts[3] == "" {
		return "", connectdir.Errorf(connectdir.KindInvalidParameter, "The nextToken is not valid for this request.")
	}
	return parts[3], nil
}

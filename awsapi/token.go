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
		return "", errNextToken()
	}
	return parts[3], nil
}

func errNextToken() error {
	return connectdir.Errorf(connectdir.KindInvalidParameter, "The nextToken is not valid for this request.")
}

// searchUsersToken is the operation SearchUsers tokens name. Their key is the last user's
// hierarchy path and id (connectdir.SearchKey: a search with a group condition pages in path
// order), where it was the id alone. The name differs from the operation's so that a server of
// that earlier version, which would read path and id as an id and start the walk again, refuses
// these tokens, and so that this one refuses the earlier tokens: an id alone does not say where
// to go on in path order. Either way the client is told its token is not valid, nothing worse.
const searchUsersToken = "SearchUsers/path"

// searchKey is a SearchKey as a token's key: neither paths ("/" and UUIDs) nor ids hold a NUL.
func searchKey(u connectdir.User) string {
	k := connectdir.KeyOf(u)
	return k.Path + "\x00" + k.ID
}

// parseSearchKey reads what searchKey wrote; "" is the start.
func parseSearchKey(key string) (connectdir.SearchKey, error) {
	if key == "" {
		return connectdir.SearchKey{}, nil
	}
	path, id, ok := strings.Cut(key, "\x00")
	if !ok || id == "" || strings.Contains(id, "\x00") {
		return connectdir.SearchKey{}, errNextToken()
	}
	return connectdir.SearchKey{Path: path, ID: id}, nil
}

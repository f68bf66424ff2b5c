package sqlstore_test

import (
	"reflect"
	"testing"

	"github.com/connectdir/connectdir/sqlstore"
)

// TestDecodeTags reads tag objects as both databases write them, and ones whose strings hold
// escapes (read by encoding/json), to the same maps encoding/json gives.
func TestDecodeTags(t *testing.T) {
	for _, tc := range []struct {
		obj  string
		want map[string]string
	}{
		{``, nil},
		{`{}`, nil},
		{`{"team":"red"}`, map[string]string{"team": "red"}},
		{`{"a":"1","b":""}`, map[string]string{"a": "1", "b": ""}},
		{`{ "team" : "Équipe 1·2", "cost-centre" : "CC-001" }`, map[string]string{"team": "Équipe 1·2", "cost-centre": "CC-001"}},
		{`{ }`, map[string]string{}},
		{`{"q":"say \"hi\"","b\\s":"x\ny","u":"\u00e9\ud83d\ude00"}`, map[string]string{"q": `say "hi"`, `b\s`: "x\ny", "u": "é😀"}},
		{`{"a":"{\"x\":1}"}`, map[string]string{"a": `{"x":1}`}},
	} {
		got, err := sqlstore.DecodeTags(tc.obj)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("decodeTags(%s) = %q, %v; want %q", tc.obj, got, err, tc.want)
		}
	}
	for _, bad := range []string{`{"a":"b"`, `{"a":1}`, `["a"]`, `{"a":"b"} x`, `{"a" "b"}`} {
		if got, err := sqlstore.DecodeTags(bad); err == nil {
			t.Errorf("decodeTags(%s) = %q, want an error", bad, got)
		}
	}
}

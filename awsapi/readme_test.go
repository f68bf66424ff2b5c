package awsapi_test

import (
	"os"
	"strings"
	"testing"

	"github.com/connectdir/connectdir/awsapi/model"
)

// The README's table of served operations names every operation the model copy serves.
func TestReadmeListsServedOperations(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "## Served operations")
	if !ok {
		t.Fatal("README has no Served operations section")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	for _, op := range model.Operations() {
		if !strings.Contains(section, " "+op.Name+",") && !strings.Contains(section, " "+op.Name+" |") &&
			!strings.Contains(section, "**"+op.Name+"**") {
			t.Errorf("README's Served operations table does not list %s", op.Name)
		}
	}
}

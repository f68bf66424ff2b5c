package hrsync_test

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/connectdir/connectdir/hrsync"
)

func TestParseCSVErrors(t *testing.T) {
	const header = "username,first_name,last_name,email,hierarchy,routing_profile,security_profiles,phone_type,desk_phone,auto_accept,acw_timeout,tags,password\n"
	const good = "ann,Ann,A,ann@example.com,EMEA/Ireland,Basic Routing Profile,Agent,soft,,yes,30,team=a,\n"
	for _, tc := range []struct {
		name, rows string
		want       []string // every error must be reported, each naming row and column
	}{
		{"missing names", ",,A,,,Basic Routing Profile,Agent,,,,,,\n", []string{"row 2, column 1 (username)", "row 2, column 2 (first_name)"}},
		{"bad email and phone", "bob,Bob,B,bob-at-example,,Basic Routing Profile,Agent,desk,,maybe,-1,,\n",
			[]string{"row 2, column 4 (email)", "row 2, column 9 (desk_phone): a desk phone", "row 2, column 10 (auto_accept)", "row 2, column 11 (acw_timeout)"}},
		{"too deep and weak password", "cy,Cy,C,,A/B/C/D/E/F,Basic Routing Profile,Agent,,,,,,short\n",
			[]string{"row 2, column 5 (hierarchy)", "row 2, column 13 (password)"}},
		{"no profiles, bad tag", "di,Di,D,,,,,,,,,novalue,\n", []string{"row 2, column 6 (routing_profile)", "row 2, column 7 (security_profiles)", "row 2, column 12 (tags)"}},
		{"duplicate across rows", good + strings.Replace(good, "ann,", "ANN,", 1), []string{"row 3, column 1 (username): username ANN already on row 2"}},
		{"errors on several rows", good + "x,,X,,,Basic Routing Profile,Agent,,,,,,\n" + good[:len(good)-1] + ",extra\n",
			[]string{"row 3, column 2", "row 4: has 14 columns", "row 4, column 1 (username): username ann already on row 2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := hrsync.ParseCSV(strings.NewReader(header + tc.rows))
			var re hrsync.RowErrors
			if !errors.As(err, &re) {
				t.Fatalf("want row errors, got %v", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("missing %q in:\n%v", w, err)
				}
			}
		})
	}
	if _, _, err := hrsync.ParseCSV(strings.NewReader("user,name\nx,y\n")); err == nil || !strings.Contains(err.Error(), "unrecognised header") {
		t.Errorf("unknown header: %v", err)
	}
	if _, _, err := hrsync.ParseCSV(strings.NewReader(strings.Replace(header, "tags", "tagz", 1))); err == nil || !strings.Contains(err.Error(), "column 12 (tagz): unknown column") {
		t.Errorf("unknown column: %v", err)
	}
}

func TestParseConsoleCSV(t *testing.T) {
	in := "first name,last name,email address,password,user login,routing profile name,security_profile_name_1|security_profile_name_2,phone type (soft/desk),phone number,soft phone auto accept (yes/no),ACW timeout (seconds),UserHierarchy\n" +
		"Richard,Roe,rroe@example.com,F@keP@ssw0rd,rroe,Basic Routing Profile,CallCenterManager|Agent,soft,,yes,30,technical support/IT/Eastern\n" +
		"Mateo,Jackson,mjackson@example.com,,mjackson,Basic Routing Profile,Agent,desk,+12145550198,no,0,\n"
	d, format, err := hrsync.ParseCSV(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if format != hrsync.FormatConsole || len(d.Users) != 2 {
		t.Fatalf("format %s, %d users", format, len(d.Users))
	}
	r, m := d.Users[0], d.Users[1]
	if r.Username != "rroe" || r.Password != "F@keP@ssw0rd" || r.Hierarchy != "technical support/IT/Eastern" ||
		strings.Join(r.SecurityProfiles, ",") != "Agent,CallCenterManager" || !r.Phone.AutoAccept || r.Phone.ACW != 30 {
		t.Errorf("rroe: %+v", r)
	}
	if m.Phone.Type != "DESK_PHONE" || m.Phone.DeskPhone != "+12145550198" || m.Hierarchy != "" {
		t.Errorf("mjackson: %+v", m)
	}
	if d.Fields&hrsync.FieldTags != 0 || d.Fields&hrsync.FieldHierarchy == 0 {
		t.Errorf("fields %b: a column the file lacks must not be synced", d.Fields)
	}
}

// The shipped examples parse.
func TestExampleFiles(t *testing.T) {
	for file, want := range map[string]string{"../examples/agents.csv": hrsync.FormatHR, "../examples/console-users.csv": hrsync.FormatConsole} {
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		d, format, err := hrsync.ParseCSV(f)
		f.Close()
		if err != nil || format != want || len(d.Users) < 3 {
			t.Errorf("%s: %v, format %s", file, err, format)
		}
	}
}

// Files as spreadsheets write them: a byte-order mark before a quoted header, CRLF line ends,
// quoted cells with separators and quotes, and trailing rows of empty cells.
func TestParseCSVSpreadsheetQuirks(t *testing.T) {
	in := "\ufeff\"username\",\"first_name\",last_name,routing_profile,security_profiles,tags\r\n" +
		"ann,\"Ann, Jr.\",\"O\"\"Neil\",Basic Routing Profile,\"Agent;CallCenterManager\",\"team=a;site=b\"\r\n" +
		"bob,Bob,B,Basic Routing Profile,Agent,\r\n" +
		",,,,,\r\n" +
		"  ,,,,,\r\n" +
		"\r\n"
	d, format, err := hrsync.ParseCSV(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if format != hrsync.FormatHR || len(d.Users) != 2 {
		t.Fatalf("format %s, %d users: %+v", format, len(d.Users), d.Users)
	}
	a := d.Users[0]
	if a.FirstName != "Ann, Jr." || a.LastName != `O"Neil` || len(a.SecurityProfiles) != 2 || a.Tags["site"] != "b" || a.Row != 2 {
		t.Errorf("ann: %+v", a)
	}
	if d.Users[1].Row != 3 {
		t.Errorf("bob on row %d, want 3", d.Users[1].Row)
	}
}

// A malformed quote is reported by row, like every other problem, and the rows after it are
// still checked; it used to panic.
func TestParseCSVBadQuote(t *testing.T) {
	in := "username,first_name,last_name,routing_profile,security_profiles\n" +
		"a\"b,Ann,A,Basic Routing Profile,Agent\n" +
		"bob,\"Bob,B,Basic Routing Profile,Agent\n"
	_, _, err := hrsync.ParseCSV(strings.NewReader(in))
	var re hrsync.RowErrors
	if !errors.As(err, &re) || len(re) != 2 {
		t.Fatalf("want 2 row errors, got %v", err)
	}
	for _, w := range []string{`row 2: line 2, character 2: bare "`, "row 3: line 3"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("missing %q in:\n%v", w, err)
		}
	}
}

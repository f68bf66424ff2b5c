package console_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"
)

// upload posts a file to the bulk-upload form, as a browser without script does.
func (b *browser) upload(name string, content []byte) (int, string) {
	b.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("csrf", b.csrf)
	f, _ := w.CreateFormFile("file", name)
	_, _ = f.Write(content)
	_ = w.Close()
	req, _ := http.NewRequest(http.MethodPost, b.base+"/console/bulk", &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return b.do(req)
}

// waitJob reloads a job's page, as its refresh does, until it shows want.
func (b *browser) waitJob(path, want string) string {
	b.t.Helper()
	var body string
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		_, body = b.get(path)
		if strings.Contains(body, want) {
			return body
		}
	}
	b.t.Fatalf("%s never showed %q:\n%s", path, want, body)
	return ""
}

// The Amazon Connect console's own bulk-upload template is taken as it is: planned, applied,
// its new hierarchy made, the passwords it lacks generated and handed out once.
func TestBulkUploadConsoleCSV(t *testing.T) {
	ts := startConsole(t)
	b := newBrowser(t, ts)
	b.login(ts)
	file, err := os.ReadFile("../examples/console-users.csv")
	if err != nil {
		t.Fatal(err)
	}
	b.get("/console/bulk")
	status, body := b.upload("console-users.csv", file)
	if status != http.StatusOK {
		t.Fatalf("upload: %d\n%s", status, body)
	}
	mustContain(t, body, "Bulk upload of console-users.csv (Amazon Connect console file, 3 users)")
	if !strings.Contains(body, `<meta http-equiv="refresh" content="1">`) && !strings.Contains(body, "Plan ready") {
		t.Fatalf("a planning job's page does not refresh itself:\n%s", body)
	}
	_, list := b.get("/console/jobs")
	jobPath := regexp.MustCompile(`/console/jobs/[0-9A-Za-z_-]{16}`).FindString(list)
	if jobPath == "" {
		t.Fatalf("the jobs page lists no job:\n%s", list)
	}
	body = b.waitJob(jobPath, "Plan ready")
	mustContain(t, body, "hierarchy groups to create</th><td class=\"num\">4</td>", "users to create</th><td class=\"num\">3</td>")
	b.post(jobPath+"/apply", url.Values{})
	body = b.waitJob(jobPath, "Done")
	if strings.Contains(body, `http-equiv="refresh"`) {
		t.Fatal("a finished job's page still refreshes")
	}
	mustContain(t, body, "2 new users got generated passwords")
	req, _ := http.NewRequest(http.MethodPost, ts.URL+jobPath+"/passwords", strings.NewReader("csrf="+b.csrf))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var csv bytes.Buffer
	_, _ = csv.ReadFrom(resp.Body)
	resp.Body.Close()
	lines := strings.Split(strings.TrimSpace(csv.String()), "\n")
	if resp.Header.Get("Content-Disposition") == "" || len(lines) != 3 || lines[0] != "username,password" {
		t.Fatalf("passwords: %q %q", resp.Header.Get("Content-Disposition"), lines)
	}
	// Once only.
	_, body = b.post(jobPath+"/passwords", url.Values{})
	mustContain(t, body, "downloaded already")
	out, err := ts.Client().ListUserHierarchyGroups(context.Background(), &connect.ListUserHierarchyGroupsInput{InstanceId: &ts.InstanceID})
	if err != nil || len(out.UserHierarchyGroupSummaryList) != 4 {
		t.Fatalf("groups after the upload: %v", err)
	}
	users, err := ts.Client().ListUsers(context.Background(), &connect.ListUsersInput{InstanceId: &ts.InstanceID})
	if err != nil || len(users.UserSummaryList) != 3 || aws.ToString(users.UserSummaryList[0].Username) == "" {
		t.Fatalf("users after the upload: %v", err)
	}
}

// A copy to Amazon Connect takes only a region's shape (it becomes part of a host name), and a
// target it cannot reach is refused on the form, with no job started.
func TestCopyTargetChecked(t *testing.T) {
	ts := startConsole(t)
	b := newBrowser(t, ts)
	b.login(ts)
	b.get("/console/copy")
	for _, c := range []struct {
		form url.Values
		want string
	}{
		{url.Values{"target": {"here"}, "instance": {ts.InstanceID}}, "Choose the instance to copy to (not this one)."},
		{url.Values{"target": {"here"}, "instance": {"00000000-0000-0000-0000-000000000000"}}, "The target cannot be reached with these details: ResourceNotFoundException"},
		{url.Values{"target": {"aws"}, "access_key_id": {"AKIDEXAMPLE"}, "secret_access_key": {"x"}, "region": {"evil.example/#"}, "aws_instance": {"i"}}, "The region is written like us-east-1"},
		{url.Values{"target": {"aws"}, "region": {"eu-west-1"}}, "give the access key id, secret access key, region and instance id"},
		// An endpoint neither AWS's, nor this server's, nor listed by the operator is never called.
		{url.Values{"target": {"aws"}, "access_key_id": {"AKIDEXAMPLE"}, "secret_access_key": {"x"}, "region": {"us-east-1"}, "aws_instance": {"i"},
			"endpoint": {"http://127.0.0.1:9/"}}, "The console may only copy to Amazon Connect&#39;s endpoints of the region, this server and the endpoints its operator lists"},
	} {
		status, body := b.post("/console/copy", c.form)
		if status != http.StatusUnprocessableEntity || !strings.Contains(body, c.want) {
			t.Fatalf("%v: %d, want %q\n%s", c.form, status, c.want, body)
		}
	}
	if _, list := b.get("/console/jobs"); !strings.Contains(list, "No jobs yet") {
		t.Fatalf("a refused copy started a job:\n%s", list)
	}
}

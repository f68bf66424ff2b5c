package console

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/connectdir/connectdir/hrsync"
)

// A job is long work of a session (a bulk upload, a copy): it plans in the background, waits
// for the person to look at the plan and apply it, then applies in the background. It lives in
// the session, not the request, so it survives a reload, and any tab of the session sees it.
type job struct {
	id, kind, title string
	started         time.Time
	client          *connect.Client // where the plan is applied
	instanceID      string
	cancel          context.CancelFunc

	mu        sync.Mutex
	state     string // planning, planned, applying, done, failed
	plan      *hrsync.Plan
	planText  string
	problems  []hrsync.RowError // why the plan was refused
	err       string
	done      int
	total     int
	last      string   // the last call made
	failures  []string // calls that failed
	passwords [][2]string
	taken     bool // the passwords were downloaded (and forgotten)
	finished  time.Time
}

const (
	jobPlanning = "planning"
	jobPlanned  = "planned"
	jobApplying = "applying"
	jobDone     = "done"
	jobFailed   = "failed"
)

// Bounds on what a session keeps: jobs are few and their plans can be large.
const (
	maxJobs    = 10
	jobTimeout = 6 * time.Hour
	maxFailed  = 200 // failure lines kept per job
	// applyConcurrency is the calls in flight while applying; the client's pacing, not this,
	// keeps Amazon Connect's rate limits.
	applyConcurrency = 4
)

// startJob registers a job in the session and runs plan in the background.
func (c *console) startJob(s *session, kind, title string, client *connect.Client, instanceID string, plan func(ctx context.Context) (*hrsync.Plan, error)) *job {
	ctx, cancel := context.WithTimeout(context.Background(), jobTimeout)
	j := &job{id: randomToken()[:16], kind: kind, title: title, started: time.Now(), client: client, instanceID: instanceID,
		cancel: cancel, state: jobPlanning}
	c.mu.Lock()
	s.jobs = append(s.jobs, j)
	if len(s.jobs) > maxJobs {
		// Forget the oldest finished job; running ones are never dropped.
		for i, old := range s.jobs {
			if old.finishedState() {
				old.cancel()
				s.jobs = slices.Delete(s.jobs, i, i+1)
				break
			}
		}
	}
	c.mu.Unlock()
	go func() {
		p, err := plan(ctx)
		j.mu.Lock()
		defer j.mu.Unlock()
		if err != nil {
			j.fail(err)
			return
		}
		var b strings.Builder
		p.Print(&b)
		j.plan, j.planText, j.state = p, b.String(), jobPlanned
	}()
	return j
}

func (j *job) finishedState() bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.state == jobDone || j.state == jobFailed || j.state == jobPlanned
}

// fail records why a job stopped; under j.mu. Every bad cell of a file is kept, each by its row.
func (j *job) fail(err error) {
	var rows hrsync.RowErrors
	if errors.As(err, &rows) {
		j.problems = rows
		j.err = plural(len(rows), "problem", "problems") + " must be fixed first; nothing was changed."
	} else {
		j.err = err.Error()
	}
	j.state, j.finished = jobFailed, time.Now()
	j.cancel()
}

// apply runs the plan in the background, once.
func (j *job) apply() bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.state != jobPlanned {
		return false
	}
	j.state, j.total = jobApplying, j.plan.Calls()
	ctx, cancel := context.WithTimeout(context.Background(), jobTimeout)
	j.cancel = cancel
	go func() {
		err := hrsync.Apply(ctx, j.client, j.plan, hrsync.ApplyOptions{Concurrency: applyConcurrency,
			Progress: func(done, total int, what string) {
				j.mu.Lock()
				j.done, j.total, j.last = done, total, what
				j.mu.Unlock()
			},
			Password: func(username, password string) error {
				j.mu.Lock()
				j.passwords = append(j.passwords, [2]string{username, password})
				j.mu.Unlock()
				return nil
			}})
		j.mu.Lock()
		defer j.mu.Unlock()
		j.state, j.finished = jobDone, time.Now()
		if err != nil {
			j.state = jobFailed
			for _, line := range strings.Split(err.Error(), "\n") {
				if len(j.failures) < maxFailed {
					j.failures = append(j.failures, line)
				}
			}
			j.err = plural(len(j.failures), "call", "calls") + " failed; running the same upload or copy again finishes the job."
		}
		cancel()
	}()
	return true
}

// jobView is a job as a page shows it, copied under its lock.
type jobView struct {
	ID, Kind, Title, State string
	Started                string
	PlanText               string
	Summary                []planLine
	Empty                  bool
	Problems               []hrsync.RowError
	Error                  string
	Done, Total, Percent   int
	Last                   string
	Failures               []string
	Passwords              int  // generated passwords not yet downloaded
	Taken                  bool // downloaded already
	Running                bool
}

type planLine struct {
	What string
	N    int
}

// Refresh makes a page of a running job reload itself every second or two, with no script.
func (v jobView) Refresh() int {
	if v.Running {
		return 1
	}
	return 0
}

func (j *job) view() jobView {
	j.mu.Lock()
	defer j.mu.Unlock()
	v := jobView{ID: j.id, Kind: j.kind, Title: j.title, State: j.state, Started: j.started.UTC().Format("15:04:05 UTC"),
		PlanText: j.planText, Problems: j.problems, Error: j.err, Done: j.done, Total: j.total, Last: j.last,
		Failures: j.failures, Taken: j.taken, Running: j.state == jobPlanning || j.state == jobApplying}
	if !j.taken {
		v.Passwords = len(j.passwords)
	}
	if v.Total > 0 {
		v.Percent = v.Done * 100 / v.Total
	}
	if p := j.plan; p != nil {
		moves := 0
		for _, u := range p.UpdateUsers {
			if u.Move != nil {
				moves++
			}
		}
		v.Summary = []planLine{{"hierarchy groups to create", len(p.CreateGroups)}, {"users to create", len(p.CreateUsers)},
			{"users to update", len(p.UpdateUsers)}, {"of them moved to another group", moves}, {"groups to rename", len(p.RenameGroups)},
			{"API calls in all", p.Calls()}}
		v.Empty = p.Empty()
		if p.Levels != nil {
			v.Summary = append([]planLine{{"hierarchy structure change (" + strings.Join(p.Levels.To, " / ") + ")", 1}}, v.Summary...)
		}
	}
	return v
}

// job finds a job of the session.
func (c *console) job(q *req) *job {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, j := range q.s.jobs {
		if j.id == q.r.PathValue("id") {
			return j
		}
	}
	return nil
}

func (c *console) jobList(q *req) {
	c.mu.Lock()
	jobs := slices.Clone(q.s.jobs)
	c.mu.Unlock()
	var views []jobView
	running := false
	for i := len(jobs) - 1; i >= 0; i-- {
		v := jobs[i].view()
		running = running || v.Running
		views = append(views, v)
	}
	q.render(c, "jobs.html", "Jobs", "jobs", jobsData{Jobs: views, running: running})
}

type jobsData struct {
	Jobs    []jobView
	running bool
}

func (d jobsData) Refresh() int {
	if d.running {
		return 2
	}
	return 0
}

func (c *console) jobPage(q *req) {
	j := c.job(q)
	if j == nil {
		c.render(q.w, q.s, http.StatusNotFound, "error.html", "Not found", "jobs", "This session has no such job: jobs live as long as the session that started them.")
		return
	}
	v := j.view()
	q.render(c, "job.html", v.Title, "jobs", v)
}

func (c *console) applyJob(q *req) {
	j := c.job(q)
	if j == nil {
		http.NotFound(q.w, q.r)
		return
	}
	if !j.apply() {
		q.redirect(c, Prefix+"jobs/"+j.id, true, "This plan was applied already, or cannot be applied.")
		return
	}
	q.redirect(c, Prefix+"jobs/"+j.id, false, "Applying the plan.")
}

// jobPasswords hands out the passwords generated for new users, once: the console keeps no
// copy after that. A POST, so that no link, prefetch or history entry can take them.
func (c *console) jobPasswords(q *req) {
	j := c.job(q)
	if j == nil {
		http.NotFound(q.w, q.r)
		return
	}
	j.mu.Lock()
	list := j.passwords
	if j.taken || j.state == jobApplying {
		list = nil
	} else {
		j.passwords, j.taken = nil, true
	}
	j.mu.Unlock()
	if list == nil {
		q.redirect(c, Prefix+"jobs/"+j.id, true, "The passwords were downloaded already (they are given once), or the job is still running.")
		return
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"username", "password"})
	for _, p := range list {
		_ = w.Write(p[:])
	}
	w.Flush()
	h := q.w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="passwords-%s.csv"`, j.id))
	h.Set("Content-Length", strconv.Itoa(b.Len()))
	_, _ = q.w.Write(b.Bytes())
}

// endJobs stops a session's jobs when it ends: their credentials go with it.
func endJobs(s *session) {
	for _, j := range s.jobs {
		j.mu.Lock()
		j.cancel()
		j.mu.Unlock()
	}
}

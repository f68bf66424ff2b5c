package console

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/connectdir/connectdir/hrsync"
	"github.com/connectdir/connectdir/snapshot"
)

// maxUpload bounds a bulk-upload file: 100,000 agents of an HR file fit.
const maxUpload = 32 << 20

// awsRPS is the pace of a job's calls to Amazon Connect, which allows about two a second.
const awsRPS = 2

// jobClient is the session's client for long work: paced when it talks to Amazon Connect, and
// retrying throttled calls rather than failing the job.
func (q *req) jobClient() *connect.Client {
	return connect.New(q.api.Options(), hrsync.Paced(paceFor(aws.ToString(q.api.Options().BaseEndpoint))))
}

type bulkData struct {
	Error    string
	File     string
	Problems []hrsync.RowError
}

func (c *console) bulkForm(q *req) {
	q.render(c, "bulk.html", "Bulk upload", "bulk", bulkData{})
}

// bulkUpload reads an uploaded CSV (the Amazon Connect console's bulk-upload template, or the
// HR file of `connectdir sync`) and plans it in the background with the planner of `connectdir
// sync`. A file with bad cells is refused whole, every bad cell named by row and column.
func (c *console) bulkUpload(q *req) {
	d := bulkData{}
	refuse := func(msg string) {
		d.Error = msg
		c.render(q.w, q.s, http.StatusUnprocessableEntity, "bulk.html", "Bulk upload", "bulk", d)
	}
	f, hdr, err := q.r.FormFile("file")
	if err != nil {
		refuse("Choose a CSV file to upload.")
		return
	}
	defer f.Close()
	d.File = path.Base(hdr.Filename)
	desired, format, err := hrsync.ParseCSV(f)
	if err != nil {
		var rows hrsync.RowErrors
		if errors.As(err, &rows) {
			d.Problems = rows
			refuse(d.File + " was not uploaded: " + plural(len(rows), "cell needs", "cells need") + " a fix. Nothing was changed.")
			return
		}
		refuse(d.File + " was not uploaded: " + err.Error())
		return
	}
	if len(desired.Users) == 0 {
		refuse(d.File + " has no users.")
		return
	}
	client, inst := q.jobClient(), q.inst
	kind := "HR file"
	if format == hrsync.FormatConsole {
		kind = "Amazon Connect console file"
	}
	title := fmt.Sprintf("Bulk upload of %s (%s, %s)", d.File, kind, plural(len(desired.Users), "user", "users"))
	j := c.startJob(q.s, "bulk", title, client, inst, func(ctx context.Context) (*hrsync.Plan, error) {
		return hrsync.MakePlan(ctx, client, inst, desired, hrsync.PlanOptions{Concurrency: applyConcurrency})
	})
	q.redirect(c, Prefix+"jobs/"+j.id, false, "Uploaded "+d.File+": planning.")
}

// ---- copy to another instance ----

type copyData struct {
	Instances []option // this sign-in's other instances
	Target    string   // "here" or "aws"
	Instance  string
	KeyID     string
	Region    string
	AWSInst   string
	Endpoint  string // of the other endpoint; "" for Amazon Connect's of the region
	Describe  bool
	Error     string
}

// instances lists the instances the session's credentials reach, the current one first.
func (q *req) instances() ([]option, error) {
	var list []option
	p := connect.NewListInstancesPaginator(q.api, &connect.ListInstancesInput{})
	for p.HasMorePages() {
		out, err := p.NextPage(q.ctx)
		if err != nil {
			return nil, err
		}
		for _, in := range out.InstanceSummaryList {
			name := aws.ToString(in.InstanceAlias)
			if name == "" {
				name = aws.ToString(in.Id)
			} else {
				name += " (" + aws.ToString(in.Id) + ")"
			}
			list = append(list, option{ID: aws.ToString(in.Id), Name: name})
		}
	}
	return list, nil
}

func (c *console) copyForm(q *req) {
	d := copyData{Target: "here", Region: q.s.region, Describe: true}
	c.renderCopy(q, http.StatusOK, d)
}

func (c *console) renderCopy(q *req, status int, d copyData) {
	all, err := q.instances()
	if err != nil {
		q.fail(c, err)
		return
	}
	for _, o := range all {
		if o.ID != q.inst {
			d.Instances = append(d.Instances, o)
		}
	}
	c.render(q.w, q.s, status, "copy.html", "Copy to another instance", "copy", d)
}

// copyStart plans a copy of this instance's hierarchy and agents into another instance, as
// `connectdir copy` does: export, then plan against the target, in the background.
func (c *console) copyStart(q *req) {
	r := q.r
	d := copyData{Target: r.PostFormValue("target"), Instance: r.PostFormValue("instance"), KeyID: strings.TrimSpace(r.PostFormValue("access_key_id")),
		Region: strings.TrimSpace(r.PostFormValue("region")), AWSInst: strings.TrimSpace(r.PostFormValue("aws_instance")),
		Endpoint: strings.TrimSpace(r.PostFormValue("endpoint")), Describe: r.PostFormValue("describe") == "on"}
	var target *connect.Client
	var targetInst, where string
	switch d.Target {
	case "here":
		if d.Instance == "" || d.Instance == q.inst {
			d.Error = "Choose the instance to copy to (not this one)."
			c.renderCopy(q, http.StatusUnprocessableEntity, d)
			return
		}
		target, targetInst, where = q.jobClient(), d.Instance, "instance "+d.Instance
	case "aws":
		secret := r.PostFormValue("secret_access_key")
		if d.KeyID == "" || secret == "" || d.Region == "" || d.AWSInst == "" {
			d.Error = "For Amazon Connect, give the access key id, secret access key, region and instance id of the target."
			c.renderCopy(q, http.StatusUnprocessableEntity, d)
			return
		}
		// The region becomes part of the endpoint's host name: only a region's shape is taken.
		if !awsRegion.MatchString(d.Region) {
			d.Error = "The region is written like us-east-1 or eu-west-2."
			c.renderCopy(q, http.StatusUnprocessableEntity, d)
			return
		}
		// Amazon Connect's regional endpoint (the SDK's, for the region), or one the sign-in could
		// reach too: no other address typed here is ever called.
		cfg := aws.Config{Region: d.Region, Credentials: aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(d.KeyID, secret, ""))}
		if c.cfg.HTTPClient != nil {
			cfg.HTTPClient = c.cfg.HTTPClient
		}
		opts := []func(*connect.Options){hrsync.Paced(awsRPS)}
		where = "Amazon Connect instance " + d.AWSInst + " in " + d.Region
		if d.Endpoint != "" {
			endpoint := c.knownEndpoint(d.Endpoint, d.Region)
			if endpoint == "" {
				d.Error = "The console may only copy to Amazon Connect's endpoints of the region, this server and the endpoints its operator lists with --console-endpoints."
				c.renderCopy(q, http.StatusUnprocessableEntity, d)
				return
			}
			opts = []func(*connect.Options){hrsync.Paced(paceFor(endpoint)), func(o *connect.Options) { o.BaseEndpoint = aws.String(endpoint) }}
			where = "instance " + d.AWSInst + " at " + endpoint
		}
		target = connect.NewFromConfig(cfg, opts...)
		targetInst = d.AWSInst
	default:
		d.Error = "Choose where to copy to."
		c.renderCopy(q, http.StatusUnprocessableEntity, d)
		return
	}
	ctx, cancel := context.WithTimeout(q.ctx, 20*time.Second)
	_, err := target.DescribeInstance(ctx, &connect.DescribeInstanceInput{InstanceId: aws.String(targetInst)})
	cancel()
	if err != nil {
		d.Error = "The target cannot be reached with these details: " + apiMessage(err)
		c.renderCopy(q, http.StatusUnprocessableEntity, d)
		return
	}
	source, sourceInst := q.jobClient(), q.inst
	title := "Copy of " + sourceInst + " to " + where
	j := c.startJob(q.s, "copy", title, target, targetInst, func(ctx context.Context) (*hrsync.Plan, error) {
		s, err := snapshot.Export(ctx, source, sourceInst, snapshot.ExportOptions{Concurrency: applyConcurrency, SkipDescribe: !d.Describe})
		if err != nil {
			return nil, fmt.Errorf("reading this instance: %w", err)
		}
		return snapshot.Plan(ctx, target, targetInst, s, hrsync.PlanOptions{Concurrency: applyConcurrency})
	})
	q.redirect(c, Prefix+"jobs/"+j.id, false, "Reading this instance and the target: planning the copy.")
}

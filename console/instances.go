package console

import (
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"
)

// ---- instance picker ----

type instancesData struct {
	Instances []option
	Current   string
}

// instancesPage lists the instances the sign-in reaches (ListInstances), to switch between them
// without signing out.
func (c *console) instancesPage(q *req) {
	list, err := q.instances()
	if err != nil {
		q.fail(c, err)
		return
	}
	q.render(c, "instances.html", "Instances", "instances", instancesData{Instances: list, Current: q.inst})
}

func (c *console) switchInstance(q *req) {
	id := strings.TrimSpace(q.r.PostFormValue("instance"))
	out, err := q.api.DescribeInstance(q.ctx, &connect.DescribeInstanceInput{InstanceId: aws.String(id)})
	if err != nil {
		q.redirect(c, Prefix+"instances", true, "Could not switch: "+apiMessage(err))
		return
	}
	c.mu.Lock()
	// A new group cache and no remembered pages: nothing of the other instance shows here. Jobs
	// keep running against the instance they were started on.
	q.s.instanceID, q.s.groups, q.s.userPages, q.s.profiles = id, &groupCache{}, nil, nil
	c.mu.Unlock()
	name := aws.ToString(out.Instance.InstanceAlias)
	if name == "" {
		name = id
	}
	q.redirect(c, Prefix+"hierarchy", false, "Switched to instance "+name+".")
}

// ---- tags ----

// Tag limits of the Connect API (TagResource).
const (
	maxTags        = 50
	maxTagKeyLen   = 128
	maxTagValueLen = 256
)

// parseTags reads tags written one "key=value" a line; msg says, in words, what is wrong.
func parseTags(text string) (tags map[string]string, msg string) {
	tags = map[string]string{}
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		at := "Line " + strconv.Itoa(n+1) + ": "
		k, v, ok := strings.Cut(line, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch {
		case !ok || k == "":
			return nil, at + "write each tag as key=value."
		case strings.HasPrefix(strings.ToLower(k), "aws:"):
			return nil, at + "keys starting with aws: are reserved."
		case utf8.RuneCountInString(k) > maxTagKeyLen:
			return nil, at + "a key can have at most " + strconv.Itoa(maxTagKeyLen) + " characters."
		case utf8.RuneCountInString(v) > maxTagValueLen:
			return nil, at + "a value can have at most " + strconv.Itoa(maxTagValueLen) + " characters."
		}
		if _, dup := tags[k]; dup {
			return nil, at + "the key " + k + " is given twice."
		}
		tags[k] = v
	}
	if len(tags) > maxTags {
		return nil, "At most " + strconv.Itoa(maxTags) + " tags."
	}
	return tags, ""
}

// tagText writes tags one "key=value" a line, by key.
func tagText(tags map[string]string) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		b.WriteString(k + "=" + tags[k] + "\n")
	}
	return b.String()
}

type tagPair struct{ Key, Value string }

func tagList(tags map[string]string) []tagPair {
	var out []tagPair
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		out = append(out, tagPair{k, tags[k]})
	}
	return out
}

// retag brings a resource's tags from have to want: one TagResource for the new and changed,
// one UntagResource for the removed.
func (q *req) retag(arn string, have, want map[string]string) (changed bool, err error) {
	set := map[string]string{}
	for k, v := range want {
		if old, ok := have[k]; !ok || old != v {
			set[k] = v
		}
	}
	var remove []string
	for k := range have {
		if _, ok := want[k]; !ok {
			remove = append(remove, k)
		}
	}
	if len(set) > 0 {
		if _, err := q.api.TagResource(q.ctx, &connect.TagResourceInput{ResourceArn: aws.String(arn), Tags: set}); err != nil {
			return false, err
		}
	}
	if len(remove) > 0 {
		slices.Sort(remove)
		if _, err := q.api.UntagResource(q.ctx, &connect.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: remove}); err != nil {
			return len(set) > 0, err
		}
	}
	return len(set)+len(remove) > 0, nil
}

// saveGroupTags replaces a group's tags with those typed on its page.
func (c *console) saveGroupTags(q *req) {
	id := q.r.PathValue("id")
	back := Prefix + "hierarchy/groups/" + id
	want, msg := parseTags(q.r.PostFormValue("tags"))
	if msg != "" {
		q.redirect(c, back, true, "Tags not saved: "+msg)
		return
	}
	g, err := q.describeGroup()
	if err != nil {
		q.fail(c, err)
		return
	}
	changed, err := q.retag(aws.ToString(g.Arn), g.Tags, want)
	if err != nil {
		q.redirect(c, back, true, "Tags not saved: "+apiMessage(err))
		return
	}
	if !changed {
		q.redirect(c, back, false, "Nothing changed.")
		return
	}
	q.redirect(c, back, false, "Saved the tags.")
}

// ---- structure as JSON ----

func (c *console) structureJSON(q *req) {
	out, err := q.api.DescribeUserHierarchyStructure(q.ctx, &connect.DescribeUserHierarchyStructureInput{InstanceId: q.in})
	if err != nil {
		q.fail(c, err)
		return
	}
	if q.r.URL.Query().Get("download") != "" {
		q.w.Header().Set("Content-Type", "application/json")
		q.w.Header().Set("Content-Disposition", `attachment; filename="hierarchy-structure.json"`)
		_, _ = q.w.Write([]byte(prettyJSON(map[string]any{"HierarchyStructure": out.HierarchyStructure})))
		return
	}
	c.render(q.w, q.s, http.StatusOK, "structure_json.html", "Hierarchy structure (JSON)", "hierarchy",
		prettyJSON(map[string]any{"HierarchyStructure": out.HierarchyStructure}))
}

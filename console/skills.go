package console

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"
	"github.com/connectdir/connectdir/hrsync"
)

// A user's per-channel settings and proficiencies (today's user API), on a page of their own
// beside the user's details: GET shows and offers to edit them, POST saves only what changed.

// channelRow is one channel's auto-accept and after-contact-work limit.
type channelRow struct {
	Channel    string
	AutoAccept bool
	ACW        int32
}

type skillsData struct {
	ID, Username  string
	Channels      []channelRow
	Proficiencies string // as hrsync.ParseProficiencies reads them, one a line
	Attributes    []hrsync.Attribute
}

var consoleChannels = []types.Channel{types.ChannelVoice, types.ChannelChat, types.ChannelTask, types.ChannelEmail}

func (q *req) skills() (*skillsData, []hrsync.Proficiency, error) {
	id := q.r.PathValue("id")
	out, err := q.api.DescribeUser(q.ctx, &connect.DescribeUserInput{InstanceId: q.in, UserId: aws.String(id)})
	if err != nil {
		return nil, nil, err
	}
	u := out.User
	d := &skillsData{ID: aws.ToString(u.Id), Username: aws.ToString(u.Username)}
	for _, ch := range consoleChannels {
		row := channelRow{Channel: string(ch)}
		for _, c := range u.AutoAcceptConfigs {
			if c.Channel == ch {
				row.AutoAccept = c.AutoAccept
			}
		}
		for _, c := range u.AfterContactWorkConfigs {
			if c.Channel == ch && c.AfterContactWorkConfig != nil {
				row.ACW = c.AfterContactWorkConfig.AfterContactWorkTimeLimit
			}
		}
		d.Channels = append(d.Channels, row)
	}
	var have []hrsync.Proficiency
	for p := connect.NewListUserProficienciesPaginator(q.api, &connect.ListUserProficienciesInput{InstanceId: q.in, UserId: aws.String(id)}); p.HasMorePages(); {
		page, err := p.NextPage(q.ctx)
		if err != nil {
			return nil, nil, err
		}
		for _, up := range page.UserProficiencyList {
			have = append(have, hrsync.Proficiency{Attribute: aws.ToString(up.AttributeName), Value: aws.ToString(up.AttributeValue), Level: int(aws.ToFloat32(up.Level))})
		}
	}
	d.Proficiencies = strings.ReplaceAll(hrsync.ProficiencyText(have), ";", "\n")
	found, err := q.api.SearchPredefinedAttributes(q.ctx, &connect.SearchPredefinedAttributesInput{InstanceId: q.in, MaxResults: aws.Int32(100)})
	if err != nil {
		return nil, nil, err
	}
	for _, a := range found.PredefinedAttributes {
		at := hrsync.Attribute{Name: aws.ToString(a.Name)}
		if sl, ok := a.Values.(*types.PredefinedAttributeValuesMemberStringList); ok {
			at.Values = sl.Value
		}
		d.Attributes = append(d.Attributes, at)
	}
	return d, have, nil
}

func (c *console) skillsForm(q *req) {
	d, _, err := q.skills()
	if err != nil {
		q.fail(c, err)
		return
	}
	q.render(c, "user_skills.html", "Channels and proficiencies of "+d.Username, "users", d)
}

func (c *console) saveSkills(q *req) {
	d, have, err := q.skills()
	if err != nil {
		q.fail(c, err)
		return
	}
	back := Prefix + "users/" + url.PathEscape(d.ID) + "/skills"
	want, problems := hrsync.ParseProficiencies(q.r.PostFormValue("proficiencies"))
	in := &connect.UpdateUserConfigInput{InstanceId: q.in, UserId: aws.String(d.ID)}
	for _, row := range d.Channels {
		aa := q.r.PostFormValue("auto_accept_"+row.Channel) == "on"
		acw, err := strconv.ParseInt(strings.TrimSpace(q.r.PostFormValue("acw_"+row.Channel)), 10, 32)
		if err != nil || acw < 0 {
			problems = append(problems, row.Channel+": after-contact work must be a whole number of seconds, 0 or more")
			continue
		}
		ch := types.Channel(row.Channel)
		if aa != row.AutoAccept {
			in.AutoAcceptConfigs = append(in.AutoAcceptConfigs, types.AutoAcceptConfig{Channel: ch, AutoAccept: aa})
		}
		if int32(acw) != row.ACW {
			in.AfterContactWorkConfigs = append(in.AfterContactWorkConfigs, types.AfterContactWorkConfigPerChannel{Channel: ch,
				AfterContactWorkConfig: &types.AfterContactWorkConfig{AfterContactWorkTimeLimit: int32(acw)}})
		}
	}
	if len(problems) > 0 {
		q.redirect(c, back, true, "Nothing saved: "+strings.Join(problems, "; "))
		return
	}
	var done []string
	if len(in.AutoAcceptConfigs)+len(in.AfterContactWorkConfigs) > 0 {
		if _, err := q.api.UpdateUserConfig(q.ctx, in); err != nil {
			q.redirect(c, back, true, "Could not save the channel settings: "+apiMessage(err))
			return
		}
		done = append(done, "channel settings")
	}
	for _, call := range hrsync.ProficiencyCalls(q.api, aws.ToString(q.in), d.ID, hrsync.DiffProficiencies(have, want)) {
		if err := call.Do(q.ctx); err != nil {
			q.redirect(c, back, true, "Could not "+call.What+": "+apiMessage(err))
			return
		}
		done = append(done, call.What)
	}
	if len(done) == 0 {
		q.redirect(c, back, false, "Nothing changed.")
		return
	}
	q.redirect(c, back, false, "Saved: "+strings.Join(done, ", ")+".")
}

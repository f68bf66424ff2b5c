package hrsync

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"
	"github.com/connectdir/connectdir"
	"golang.org/x/sync/errgroup"
)

// Today's user API in a sync: per-channel settings, proficiencies with the predefined
// attributes they name, and security profiles created where the target lacks them.

// ChannelSetting is a user's setting of one channel; nil members are not spoken for. On VOICE,
// AutoAccept and ACW are the Phone's and left nil.
type ChannelSetting struct {
	AutoAccept                   *bool  `json:"auto_accept,omitempty"`
	AgentFirstCallbackAutoAccept *bool  `json:"agent_first_callback_auto_accept,omitempty"`
	ACW                          *int32 `json:"after_contact_work_seconds,omitempty"`
	AgentFirstCallbackACW        *int32 `json:"agent_first_callback_after_contact_work_seconds,omitempty"`
	PersistentConnection         *bool  `json:"persistent_connection,omitempty"`
	VoiceEnhancement             string `json:"voice_enhancement,omitempty"`
}

// Proficiency is a user's level (1 to 5) in a value of a predefined attribute.
type Proficiency struct {
	Attribute string `json:"attribute"`
	Value     string `json:"value"`
	Level     int    `json:"level"`
}

// Attribute is a predefined attribute and its values.
type Attribute struct {
	Name   string   `json:"name"`
	Values []string `json:"values"`
}

// SecurityProfile is a security profile by name with what a copy needs to make it elsewhere.
type SecurityProfile struct {
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	Permissions []string `json:"permissions,omitempty"`
}

// AttributeChange makes an attribute exist with at least Values: created, or given the values
// it lacks (never losing one, which a proficiency elsewhere may use).
type AttributeChange struct {
	Name   string   `json:"name"`
	Create bool     `json:"create,omitempty"`
	Values []string `json:"values"`
}

// ProficiencyChange is how a user's proficiencies change.
type ProficiencyChange struct {
	Add    []Proficiency `json:"add,omitempty"`
	Update []Proficiency `json:"update,omitempty"`
	Remove []Proficiency `json:"remove,omitempty"`
}

func (c *ProficiencyChange) calls() int {
	if c == nil {
		return 0
	}
	n := 0
	for _, l := range [][]Proficiency{c.Add, c.Update, c.Remove} {
		if len(l) > 0 {
			n++
		}
	}
	return n
}

// channelsFromSearch reads the per-channel settings SearchUsers shows (its ACW limits divided by
// acwUnit give seconds), leaving out VOICE's auto-accept and ACW, which Phone holds.
func channelsFromSearch(s types.UserSearchSummary, acwUnit int32) map[string]ChannelSetting {
	m := map[string]ChannelSetting{}
	at := func(ch types.Channel) ChannelSetting { return m[string(ch)] }
	for _, c := range s.AutoAcceptConfigs {
		cs := at(c.Channel)
		if c.Channel != types.ChannelVoice {
			cs.AutoAccept = aws.Bool(c.AutoAccept)
		}
		cs.AgentFirstCallbackAutoAccept = c.AgentFirstCallbackAutoAccept
		m[string(c.Channel)] = cs
	}
	for _, c := range s.AfterContactWorkConfigs {
		cs := at(c.Channel)
		if c.AfterContactWorkConfig != nil && c.Channel != types.ChannelVoice {
			cs.ACW = aws.Int32(c.AfterContactWorkConfig.AfterContactWorkTimeLimit / acwUnit)
		}
		if cb := c.AgentFirstCallbackAfterContactWorkConfig; cb != nil {
			cs.AgentFirstCallbackACW = aws.Int32(cb.AfterContactWorkTimeLimit / acwUnit)
		}
		m[string(c.Channel)] = cs
	}
	for _, c := range s.PersistentConnectionConfigs {
		cs := at(c.Channel)
		cs.PersistentConnection = c.PersistentConnection
		m[string(c.Channel)] = cs
	}
	for _, c := range s.VoiceEnhancementConfigs {
		cs := at(c.Channel)
		cs.VoiceEnhancement = string(c.VoiceEnhancementMode)
		m[string(c.Channel)] = cs
	}
	for ch, cs := range m {
		if cs == (ChannelSetting{}) {
			delete(m, ch)
		}
	}
	if len(m) == 0 {
		return nil
	}
	return m
}

// mergeSetting lays the members want speaks for over have.
func mergeSetting(have, want ChannelSetting) ChannelSetting {
	out := have
	if want.AutoAccept != nil {
		out.AutoAccept = want.AutoAccept
	}
	if want.AgentFirstCallbackAutoAccept != nil {
		out.AgentFirstCallbackAutoAccept = want.AgentFirstCallbackAutoAccept
	}
	if want.ACW != nil {
		out.ACW = want.ACW
	}
	if want.AgentFirstCallbackACW != nil {
		out.AgentFirstCallbackACW = want.AgentFirstCallbackACW
	}
	if want.PersistentConnection != nil {
		out.PersistentConnection = want.PersistentConnection
	}
	if want.VoiceEnhancement != "" {
		out.VoiceEnhancement = want.VoiceEnhancement
	}
	return out
}

func equalSetting(a, b ChannelSetting) bool {
	eqp := func(x, y *bool) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	eqi := func(x, y *int32) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	return eqp(a.AutoAccept, b.AutoAccept) && eqp(a.AgentFirstCallbackAutoAccept, b.AgentFirstCallbackAutoAccept) &&
		eqi(a.ACW, b.ACW) && eqi(a.AgentFirstCallbackACW, b.AgentFirstCallbackACW) &&
		eqp(a.PersistentConnection, b.PersistentConnection) && a.VoiceEnhancement == b.VoiceEnhancement
}

// diffChannels returns the merged settings of the channels whose wanted members differ.
func diffChannels(have, want map[string]ChannelSetting) map[string]ChannelSetting {
	var out map[string]ChannelSetting
	for ch, w := range want {
		merged := mergeSetting(have[ch], w)
		if !equalSetting(merged, have[ch]) {
			if out == nil {
				out = map[string]ChannelSetting{}
			}
			out[ch] = merged
		}
	}
	return out
}

// userConfigInput is the UpdateUserConfig call that sets channels; VOICE's auto-accept and ACW
// come from phone when a VOICE entry needs them.
func userConfigInput(channels map[string]ChannelSetting, phone Phone) *connect.UpdateUserConfigInput {
	in := &connect.UpdateUserConfigInput{}
	for _, ch := range slices.Sorted(maps.Keys(channels)) {
		cs, c := channels[ch], types.Channel(ch)
		autoAccept, acw := cs.AutoAccept, cs.ACW
		if c == types.ChannelVoice {
			autoAccept, acw = aws.Bool(phone.AutoAccept), aws.Int32(phone.ACW)
		}
		if cs.AutoAccept != nil || cs.AgentFirstCallbackAutoAccept != nil {
			in.AutoAcceptConfigs = append(in.AutoAcceptConfigs, types.AutoAcceptConfig{Channel: c,
				AutoAccept: aws.ToBool(autoAccept), AgentFirstCallbackAutoAccept: cs.AgentFirstCallbackAutoAccept})
		}
		if cs.ACW != nil || cs.AgentFirstCallbackACW != nil {
			w := types.AfterContactWorkConfigPerChannel{Channel: c, AfterContactWorkConfig: &types.AfterContactWorkConfig{AfterContactWorkTimeLimit: aws.ToInt32(acw)}}
			if cs.AgentFirstCallbackACW != nil {
				w.AgentFirstCallbackAfterContactWorkConfig = &types.AfterContactWorkConfig{AfterContactWorkTimeLimit: *cs.AgentFirstCallbackACW}
			}
			in.AfterContactWorkConfigs = append(in.AfterContactWorkConfigs, w)
		}
		if cs.PersistentConnection != nil {
			in.PersistentConnectionConfigs = append(in.PersistentConnectionConfigs, types.PersistentConnectionConfig{Channel: c, PersistentConnection: cs.PersistentConnection})
		}
		if cs.VoiceEnhancement != "" {
			in.VoiceEnhancementConfigs = append(in.VoiceEnhancementConfigs, types.VoiceEnhancementConfig{Channel: c, VoiceEnhancementMode: types.VoiceEnhancementMode(cs.VoiceEnhancement)})
		}
	}
	return in
}

func proficiencyKey(p Proficiency) string { return p.Attribute + "\x00" + p.Value }

func sortProficiencies(l []Proficiency) {
	slices.SortFunc(l, func(a, b Proficiency) int { return strings.Compare(proficiencyKey(a), proficiencyKey(b)) })
}

// DiffProficiencies plans the calls that turn have into want; nil when they agree.
func DiffProficiencies(have, want []Proficiency) *ProficiencyChange {
	c := &ProficiencyChange{}
	h := map[string]Proficiency{}
	for _, p := range have {
		h[proficiencyKey(p)] = p
	}
	w := map[string]bool{}
	for _, p := range want {
		w[proficiencyKey(p)] = true
		switch old, ok := h[proficiencyKey(p)]; {
		case !ok:
			c.Add = append(c.Add, p)
		case old.Level != p.Level:
			c.Update = append(c.Update, p)
		}
	}
	for _, p := range have {
		if !w[proficiencyKey(p)] {
			c.Remove = append(c.Remove, p)
		}
	}
	for _, l := range [][]Proficiency{c.Add, c.Update, c.Remove} {
		sortProficiencies(l)
	}
	if c.calls() == 0 {
		return nil
	}
	return c
}

// ---- reading ----

// ReadProficiencies fills users' proficiencies: one ListUserProficiencies call per user, since
// no call lists them for many users. Users whose proficiencies are read already (by this run, or
// unchanged since the cache read them) are skipped.
func (in *Instance) ReadProficiencies(ctx context.Context, c *connect.Client, users []*CurrentUser, concurrency int) error {
	users = slices.DeleteFunc(slices.Clone(users), func(u *CurrentUser) bool { return u.ProficienciesRead })
	return in.readEach(ctx, users, concurrency, func(ctx context.Context, u *CurrentUser) (int, error) {
		var list []Proficiency
		reads := 0
		p := connect.NewListUserProficienciesPaginator(c, &connect.ListUserProficienciesInput{InstanceId: aws.String(in.ID), UserId: aws.String(u.ID), MaxResults: aws.Int32(100)})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				return 0, fmt.Errorf("listing proficiencies of %s: %w", u.Username, err)
			}
			reads++
			for _, up := range out.UserProficiencyList {
				list = append(list, Proficiency{Attribute: aws.ToString(up.AttributeName), Value: aws.ToString(up.AttributeValue), Level: int(aws.ToFloat32(up.Level))})
			}
		}
		sortProficiencies(list)
		u.Proficiencies, u.ProficienciesRead = list, true
		return reads, nil
	})
}

// ReadAttributes reads the instance's predefined attributes with their values:
// SearchPredefinedAttributes returns them whole, 100 a page.
func (in *Instance) ReadAttributes(ctx context.Context, c *connect.Client) error {
	in.Attributes = map[string][]string{}
	for p := connect.NewSearchPredefinedAttributesPaginator(c, &connect.SearchPredefinedAttributesInput{InstanceId: aws.String(in.ID), MaxResults: aws.Int32(100)}); p.HasMorePages(); {
		out, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("reading predefined attributes: %w", err)
		}
		in.Reads++
		for _, a := range out.PredefinedAttributes {
			var vals []string
			if sl, ok := a.Values.(*types.PredefinedAttributeValuesMemberStringList); ok {
				vals = sl.Value
			}
			in.Attributes[aws.ToString(a.Name)] = vals
		}
	}
	return nil
}

// ReadSecurityProfiles describes every security profile and lists its permissions, for a copy.
func (in *Instance) ReadSecurityProfiles(ctx context.Context, c *connect.Client, concurrency int) ([]SecurityProfile, error) {
	var mu sync.Mutex
	var out []SecurityProfile
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(max(1, concurrency))
	for name, id := range in.SecurityIDs {
		g.Go(func() error {
			d, err := c.DescribeSecurityProfile(ctx, &connect.DescribeSecurityProfileInput{InstanceId: aws.String(in.ID), SecurityProfileId: aws.String(id)})
			if err != nil {
				return fmt.Errorf("describing security profile %s: %w", name, err)
			}
			sp := SecurityProfile{Name: name, Description: aws.ToString(d.SecurityProfile.Description), Permissions: []string{}}
			reads := 1
			p := connect.NewListSecurityProfilePermissionsPaginator(c, &connect.ListSecurityProfilePermissionsInput{InstanceId: aws.String(in.ID), SecurityProfileId: aws.String(id), MaxResults: aws.Int32(1000)})
			for p.HasMorePages() {
				page, err := p.NextPage(ctx)
				if err != nil {
					return fmt.Errorf("listing permissions of security profile %s: %w", name, err)
				}
				reads++
				sp.Permissions = append(sp.Permissions, page.Permissions...)
			}
			slices.Sort(sp.Permissions)
			mu.Lock()
			defer mu.Unlock()
			in.Reads += reads
			out = append(out, sp)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b SecurityProfile) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// ---- planning ----

// readForSkills reads what the desired state's proficiencies need: the attributes, and the
// proficiencies of the desired users that exist.
func readForSkills(ctx context.Context, c *connect.Client, inst *Instance, d *Desired, concurrency int) error {
	if d.Fields&FieldProficiencies == 0 && len(d.Attributes) == 0 {
		return nil
	}
	if err := inst.ReadAttributes(ctx, c); err != nil {
		return err
	}
	if d.Fields&FieldProficiencies == 0 {
		return nil
	}
	var list []*CurrentUser
	for _, u := range d.Users {
		if cu := inst.Users[strings.ToLower(u.Username)]; cu != nil {
			list = append(list, cu)
		}
	}
	return inst.ReadProficiencies(ctx, c, list, concurrency)
}

// checkSkills reports proficiencies that neither the instance's attributes nor the desired
// state's own can hold, and levels outside 1 to 5.
func checkSkills(inst *Instance, d *Desired) RowErrors {
	var errs RowErrors
	if d.Fields&FieldProficiencies == 0 {
		return nil
	}
	values := map[string]map[string]bool{}
	add := func(name string, vals []string) {
		if values[name] == nil {
			values[name] = map[string]bool{}
		}
		for _, v := range vals {
			values[name][v] = true
		}
	}
	for name, vals := range inst.Attributes {
		add(name, vals)
	}
	for _, a := range d.Attributes {
		add(a.Name, a.Values)
	}
	for _, u := range d.Users {
		for _, p := range u.Proficiencies {
			msg := ""
			switch {
			case p.Level < 1 || p.Level > 5:
				msg = fmt.Sprintf("proficiency %s=%s: level %d is not 1 to 5", p.Attribute, p.Value, p.Level)
			case values[p.Attribute] == nil:
				msg = fmt.Sprintf("predefined attribute %q does not exist in instance %s", p.Attribute, inst.ID)
			case !values[p.Attribute][p.Value]:
				msg = fmt.Sprintf("%q is not a value of predefined attribute %q in instance %s", p.Value, p.Attribute, inst.ID)
			}
			if msg != "" {
				errs = append(errs, RowError{Row: u.Row, Msg: "user " + u.Username + ": " + msg})
			}
		}
	}
	return errs
}

// planSkills adds to p what the desired state needs before its users: the security profiles
// and attributes the instance lacks.
func (p *Plan) planSkills(d *Desired) {
	inst := p.inst
	for _, sp := range d.SecurityProfiles {
		if _, ok := inst.SecurityIDs[sp.Name]; !ok {
			p.CreateSecurityProfiles = append(p.CreateSecurityProfiles, sp)
		}
	}
	for _, a := range d.Attributes {
		have, ok := inst.Attributes[a.Name]
		var missing []string
		for _, v := range a.Values {
			if !slices.Contains(have, v) {
				missing = append(missing, v)
			}
		}
		if !ok {
			p.PutAttributes = append(p.PutAttributes, AttributeChange{Name: a.Name, Create: true, Values: slices.Clone(a.Values)})
		} else if len(missing) > 0 {
			p.PutAttributes = append(p.PutAttributes, AttributeChange{Name: a.Name, Values: append(slices.Clone(have), missing...)})
		}
	}
}

// diffSkills sets up's channel and proficiency changes.
func (p *Plan) diffSkills(up *UserUpdate, cu *CurrentUser, u User, f Field) {
	if f&FieldChannels != 0 {
		up.Channels = diffChannels(cu.Channels, u.Channels)
		if _, ok := up.Channels["VOICE"]; ok {
			voice := cu.Phone
			if f&FieldPhone != 0 {
				voice = u.Phone
			}
			up.VoicePhone = &voice
		}
	}
	if f&FieldProficiencies != 0 && cu.ProficienciesRead {
		up.Proficiencies = DiffProficiencies(cu.Proficiencies, u.Proficiencies)
	}
}

// skillCalls counts the write calls of the plan's skill parts, new users' included.
func (p *Plan) skillCalls() int {
	n := len(p.CreateSecurityProfiles) + len(p.PutAttributes)
	for _, u := range p.CreateUsers {
		n += newUserSkillCalls(u)
	}
	return n
}

func newUserSkillCalls(u User) int {
	n := 0
	if len(u.Channels) > 0 {
		n++
	}
	if len(u.Proficiencies) > 0 {
		n++
	}
	return n
}

func (u UserUpdate) skillCalls() int {
	n := u.Proficiencies.calls()
	if len(u.Channels) > 0 {
		n++
	}
	return n
}

// ---- applying ----

func (a *applier) setSecurityProfile(name, id string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.securityID == nil {
		a.securityID = map[string]string{}
	}
	a.securityID[name] = id
}

func (a *applier) setUser(username, id string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.userID == nil {
		a.userID = map[string]string{}
	}
	a.userID[username] = id
}

// applyPrerequisites creates the security profiles and attributes users will name.
func (a *applier) applyPrerequisites(ctx context.Context) {
	p := a.p
	a.each(ctx, len(p.CreateSecurityProfiles), func(i int) {
		sp := p.CreateSecurityProfiles[i]
		a.do("create security profile "+sp.Name, func() error {
			out, err := a.c.CreateSecurityProfile(ctx, &connect.CreateSecurityProfileInput{InstanceId: a.id, SecurityProfileName: aws.String(sp.Name),
				Description: str(sp.Description), Permissions: sp.Permissions})
			if err == nil {
				a.setSecurityProfile(sp.Name, aws.ToString(out.SecurityProfileId))
			}
			return err
		})
	})
	a.each(ctx, len(p.PutAttributes), func(i int) {
		at := p.PutAttributes[i]
		vals := &types.PredefinedAttributeValuesMemberStringList{Value: at.Values}
		if at.Create {
			a.do("create predefined attribute "+at.Name, func() error {
				_, err := a.c.CreatePredefinedAttribute(ctx, &connect.CreatePredefinedAttributeInput{InstanceId: a.id, Name: aws.String(at.Name), Values: vals})
				return err
			})
			return
		}
		a.do("add values to predefined attribute "+at.Name, func() error {
			_, err := a.c.UpdatePredefinedAttribute(ctx, &connect.UpdatePredefinedAttributeInput{InstanceId: a.id, Name: aws.String(at.Name), Values: vals})
			return err
		})
	})
}

func userProficiencies(l []Proficiency) []types.UserProficiency {
	out := make([]types.UserProficiency, len(l))
	for i, p := range l {
		out[i] = types.UserProficiency{AttributeName: aws.String(p.Attribute), AttributeValue: aws.String(p.Value), Level: aws.Float32(float32(p.Level))}
	}
	return out
}

// applySkills sets a user's channels and proficiencies; created users get theirs after
// CreateUser, which takes neither proficiencies nor (beside PhoneConfig) per-channel settings.
func (a *applier) applySkills(ctx context.Context, username, id string, phone *Phone, channels map[string]ChannelSetting, pc *ProficiencyChange) {
	if len(channels) > 0 {
		a.do("update channel settings of "+username, func() error {
			in := userConfigInput(channels, *phone)
			in.InstanceId, in.UserId = a.id, aws.String(id)
			_, err := a.c.UpdateUserConfig(ctx, in)
			return err
		})
	}
	for _, call := range ProficiencyCalls(a.c, *a.id, id, pc) {
		a.do(call.What+" of "+username, func() error { return call.Do(ctx) })
	}
}

// Call is one write call of a change, named for progress and messages.
type Call struct {
	What string
	Do   func(context.Context) error
}

// ProficiencyCalls are the calls that apply pc to a user: additions first, since they are the
// calls refused for an attribute or value that does not exist, so that such a refusal comes
// before anything changed; then level changes and removals.
func ProficiencyCalls(c *connect.Client, instanceID, userID string, pc *ProficiencyChange) []Call {
	if pc == nil {
		return nil
	}
	in, id := aws.String(instanceID), aws.String(userID)
	var calls []Call
	if len(pc.Add) > 0 {
		calls = append(calls, Call{"add proficiencies", func(ctx context.Context) error {
			_, err := c.AssociateUserProficiencies(ctx, &connect.AssociateUserProficienciesInput{InstanceId: in, UserId: id, UserProficiencies: userProficiencies(pc.Add)})
			return err
		}})
	}
	if len(pc.Update) > 0 {
		calls = append(calls, Call{"update proficiencies", func(ctx context.Context) error {
			_, err := c.UpdateUserProficiencies(ctx, &connect.UpdateUserProficienciesInput{InstanceId: in, UserId: id, UserProficiencies: userProficiencies(pc.Update)})
			return err
		}})
	}
	if len(pc.Remove) > 0 {
		list := make([]types.UserProficiencyDisassociate, len(pc.Remove))
		for i, p := range pc.Remove {
			list[i] = types.UserProficiencyDisassociate{AttributeName: aws.String(p.Attribute), AttributeValue: aws.String(p.Value)}
		}
		calls = append(calls, Call{"remove proficiencies", func(ctx context.Context) error {
			_, err := c.DisassociateUserProficiencies(ctx, &connect.DisassociateUserProficienciesInput{InstanceId: in, UserId: id, UserProficiencies: list})
			return err
		}})
	}
	return calls
}

// applyNewUserSkills gives the users just created their channels and proficiencies.
func (a *applier) applyNewUserSkills(ctx context.Context) {
	a.each(ctx, len(a.p.CreateUsers), func(i int) {
		u := a.p.CreateUsers[i]
		a.mu.Lock()
		id := a.userID[u.Username]
		a.mu.Unlock()
		if id == "" || newUserSkillCalls(u) == 0 {
			return // its creation failed and is reported
		}
		var pc *ProficiencyChange
		if len(u.Proficiencies) > 0 {
			pc = &ProficiencyChange{Add: u.Proficiencies}
		}
		a.applySkills(ctx, u.Username, id, &u.Phone, u.Channels, pc)
	})
}

// securityIDOf is the id of a profile by name, one created by this run included.
func (a *applier) securityIDOf(name string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return cmp.Or(a.securityID[name], a.p.inst.SecurityIDs[name])
}

// ---- printing ----

func (p *Plan) printPrerequisites(w io.Writer, section func(string, int) bool) {
	if section("Create security profiles", len(p.CreateSecurityProfiles)) {
		for _, sp := range p.CreateSecurityProfiles {
			fmt.Fprintf(w, "  + %s [%s]\n", sp.Name, strings.Join(sp.Permissions, ", "))
		}
	}
	if section("Predefined attributes", len(p.PutAttributes)) {
		for _, a := range p.PutAttributes {
			sign := "~"
			if a.Create {
				sign = "+"
			}
			fmt.Fprintf(w, "  %s %s [%s]\n", sign, a.Name, strings.Join(a.Values, ", "))
		}
	}
}

// ProficiencyText writes proficiencies as ParseProficiencies reads them.
func ProficiencyText(l []Proficiency) string {
	parts := make([]string, len(l))
	for i, p := range l {
		parts[i] = fmt.Sprintf("%s=%s:%d", p.Attribute, p.Value, p.Level)
	}
	return strings.Join(parts, ";")
}

func (u UserUpdate) skillText() []string {
	var parts []string
	for _, ch := range slices.Sorted(maps.Keys(u.Channels)) {
		b, err := json.Marshal(u.Channels[ch])
		if err == nil {
			parts = append(parts, "channel "+ch+" "+string(b))
		}
	}
	if pc := u.Proficiencies; pc != nil {
		for _, l := range []struct {
			verb string
			list []Proficiency
		}{{"add", pc.Add}, {"set", pc.Update}, {"remove", pc.Remove}} {
			if len(l.list) > 0 {
				parts = append(parts, l.verb+" proficiencies "+ProficiencyText(l.list))
			}
		}
	}
	return parts
}

// ---- HR file columns ----

// parseYesNo reads a yes/no cell.
func parseYesNo(s string, bad func(string, ...any)) bool {
	switch strings.ToLower(s) {
	case "yes", "y", "true", "1":
		return true
	case "no", "n", "false", "0":
	default:
		bad("auto accept %q: use yes or no", s)
	}
	return false
}

// parseSeconds reads an after-contact-work timeout cell.
func parseSeconds(s string, bad func(string, ...any)) int32 {
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil || n < 0 || n > connectdir.MaxAfterContactWork {
		bad("after-contact-work timeout %q: a whole number of seconds from 0 to %d", s, connectdir.MaxAfterContactWork)
	}
	return int32(n)
}

// parseSkillCells reads the HR columns of today's user API: CHANNEL_auto_accept and
// CHANNEL_acw_timeout for chat, task and email (an empty cell leaves the setting as it is), and
// proficiencies as attribute=value:level;... (an empty cell means none).
func parseSkillCells(u *User, get func(string) (string, int), bad func(int, string, ...any)) {
	for _, ch := range []string{"CHAT", "TASK", "EMAIL"} {
		lc := strings.ToLower(ch)
		cs := ChannelSetting{}
		if v, i := get(lc + "_auto_accept"); v != "" {
			cs.AutoAccept = aws.Bool(parseYesNo(v, func(f string, args ...any) { bad(i, f, args...) }))
		}
		if v, i := get(lc + "_acw_timeout"); v != "" {
			cs.ACW = aws.Int32(parseSeconds(v, func(f string, args ...any) { bad(i, f, args...) }))
		}
		if cs != (ChannelSetting{}) {
			if u.Channels == nil {
				u.Channels = map[string]ChannelSetting{}
			}
			u.Channels[ch] = cs
		}
	}
	cell, i := get("proficiencies")
	if i < 0 {
		return
	}
	list, problems := ParseProficiencies(cell)
	for _, msg := range problems {
		bad(i, "%s", msg)
	}
	u.Proficiencies = list
}

// ParseProficiencies reads proficiencies written attribute=value:level and separated by ';' or
// new lines, sorted by attribute and value, with a message for each item it cannot take. The
// attribute ends at the first '=', the value at the last ':'.
func ParseProficiencies(text string) ([]Proficiency, []string) {
	var list []Proficiency
	var problems []string
	seen := map[string]bool{}
	for _, item := range strings.FieldsFunc(text, func(r rune) bool { return r == ';' || r == '\n' || r == '\r' }) {
		if item = strings.TrimSpace(item); item == "" {
			continue
		}
		name, rest, ok1 := strings.Cut(item, "=")
		colon := strings.LastIndexByte(rest, ':')
		if !ok1 || colon < 0 {
			problems = append(problems, fmt.Sprintf("proficiency %q: write attribute=value:level, separated by ';'", item))
			continue
		}
		p := Proficiency{Attribute: strings.TrimSpace(name), Value: strings.TrimSpace(rest[:colon])}
		level, err := strconv.Atoi(strings.TrimSpace(rest[colon+1:]))
		if err != nil || level < 1 || level > 5 || p.Attribute == "" || p.Value == "" {
			problems = append(problems, fmt.Sprintf("proficiency %q: write attribute=value:level with a level from 1 to 5", item))
			continue
		}
		p.Level = level
		if seen[proficiencyKey(p)] {
			problems = append(problems, fmt.Sprintf("proficiency %s=%s given twice", p.Attribute, p.Value))
			continue
		}
		seen[proficiencyKey(p)] = true
		list = append(list, p)
	}
	sortProficiencies(list)
	return list, problems
}

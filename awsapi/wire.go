package awsapi

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/connectdir/connectdir"
)

// The wire shapes of the service model, as JSON. Only what connectdir serves is here; member
// names are the model's, which is what the SDKs read and write.

// epoch is a timestamp in the rest-json default format: seconds since the epoch, as a number.
type epoch time.Time

func (e epoch) MarshalJSON() ([]byte, error) {
	ms := time.Time(e).UnixMilli()
	return strconv.AppendFloat(nil, float64(ms)/1000, 'f', -1, 64), nil
}

func ts(t time.Time) *epoch {
	if t.IsZero() {
		return nil
	}
	e := epoch(t)
	return &e
}

type identityInfo struct {
	FirstName      string `json:"FirstName,omitempty"`
	LastName       string `json:"LastName,omitempty"`
	Email          string `json:"Email,omitempty"`
	SecondaryEmail string `json:"SecondaryEmail,omitempty"`
	Mobile         string `json:"Mobile,omitempty"`
}

type phoneConfig struct {
	PhoneType                 string `json:"PhoneType,omitempty"`
	AutoAccept                bool   `json:"AutoAccept"`
	AfterContactWorkTimeLimit int32  `json:"AfterContactWorkTimeLimit"`
	DeskPhoneNumber           string `json:"DeskPhoneNumber"` // "" for soft phones, as the service sends it
	PersistentConnection      *bool  `json:"PersistentConnection,omitempty"`
}

type autoAcceptConfig struct {
	Channel                      string `json:"Channel"`
	AutoAccept                   bool   `json:"AutoAccept"`
	AgentFirstCallbackAutoAccept *bool  `json:"AgentFirstCallbackAutoAccept,omitempty"`
}

type acwLimit struct {
	AfterContactWorkTimeLimit int32 `json:"AfterContactWorkTimeLimit"`
}

type afterContactWorkConfig struct {
	Channel                                  string    `json:"Channel"`
	AfterContactWorkConfig                   acwLimit  `json:"AfterContactWorkConfig"`
	AgentFirstCallbackAfterContactWorkConfig *acwLimit `json:"AgentFirstCallbackAfterContactWorkConfig,omitempty"`
}

type phoneNumberConfig struct {
	Channel     string `json:"Channel"`
	PhoneType   string `json:"PhoneType"`
	PhoneNumber string `json:"PhoneNumber,omitempty"`
}

type persistentConnectionConfig struct {
	Channel              string `json:"Channel"`
	PersistentConnection bool   `json:"PersistentConnection"`
}

type voiceEnhancementConfig struct {
	Channel              string `json:"Channel"`
	VoiceEnhancementMode string `json:"VoiceEnhancementMode"`
}

// userMembers are the members CreateUser takes and DescribeUser returns alike.
type userMembers struct {
	Username                    string                       `json:"Username,omitempty"`
	IdentityInfo                *identityInfo                `json:"IdentityInfo,omitempty"`
	PhoneConfig                 *phoneConfig                 `json:"PhoneConfig,omitempty"`
	DirectoryUserId             string                       `json:"DirectoryUserId,omitempty"`
	SecurityProfileIds          []string                     `json:"SecurityProfileIds,omitempty"`
	RoutingProfileId            string                       `json:"RoutingProfileId,omitempty"`
	HierarchyGroupId            string                       `json:"HierarchyGroupId,omitempty"`
	Tags                        map[string]string            `json:"Tags,omitempty"`
	AutoAcceptConfigs           []autoAcceptConfig           `json:"AutoAcceptConfigs,omitempty"`
	AfterContactWorkConfigs     []afterContactWorkConfig     `json:"AfterContactWorkConfigs,omitempty"`
	PhoneNumberConfigs          []phoneNumberConfig          `json:"PhoneNumberConfigs,omitempty"`
	PersistentConnectionConfigs []persistentConnectionConfig `json:"PersistentConnectionConfigs,omitempty"`
	VoiceEnhancementConfigs     []voiceEnhancementConfig     `json:"VoiceEnhancementConfigs,omitempty"`
}

func (m userMembers) domain() connectdir.User {
	u := connectdir.User{
		Username: m.Username, DirectoryUserID: m.DirectoryUserId, SecurityProfileIDs: m.SecurityProfileIds,
		RoutingProfileID: m.RoutingProfileId, HierarchyGroupID: m.HierarchyGroupId, Tags: m.Tags,
	}
	if m.IdentityInfo != nil {
		u.IdentityInfo = connectdir.IdentityInfo(*m.IdentityInfo)
	}
	if m.PhoneConfig != nil {
		u.PhoneConfig = connectdir.PhoneConfig(*m.PhoneConfig)
	}
	for _, c := range m.AutoAcceptConfigs {
		u.AutoAcceptConfigs = append(u.AutoAcceptConfigs, connectdir.AutoAcceptConfig(c))
	}
	for _, c := range m.AfterContactWorkConfigs {
		d := connectdir.AfterContactWorkConfig{Channel: c.Channel, AfterContactWorkTimeLimit: c.AfterContactWorkConfig.AfterContactWorkTimeLimit}
		if c.AgentFirstCallbackAfterContactWorkConfig != nil {
			v := c.AgentFirstCallbackAfterContactWorkConfig.AfterContactWorkTimeLimit
			d.AgentFirstCallbackTimeLimit = &v
		}
		u.AfterContactWorkConfigs = append(u.AfterContactWorkConfigs, d)
	}
	for _, c := range m.PhoneNumberConfigs {
		u.PhoneNumberConfigs = append(u.PhoneNumberConfigs, connectdir.PhoneNumberConfig(c))
	}
	for _, c := range m.PersistentConnectionConfigs {
		u.PersistentConnectionConfigs = append(u.PersistentConnectionConfigs, connectdir.PersistentConnectionConfig(c))
	}
	for _, c := range m.VoiceEnhancementConfigs {
		u.VoiceEnhancementConfigs = append(u.VoiceEnhancementConfigs, connectdir.VoiceEnhancementConfig(c))
	}
	return u
}

func userWire(u connectdir.User) userMembers {
	id := identityInfo(u.IdentityInfo)
	pc := phoneConfig(u.PhoneConfig)
	m := userMembers{
		Username: u.Username, IdentityInfo: &id, PhoneConfig: &pc, DirectoryUserId: u.DirectoryUserID,
		SecurityProfileIds: u.SecurityProfileIDs, RoutingProfileId: u.RoutingProfileID,
		HierarchyGroupId: u.HierarchyGroupID, Tags: u.Tags,
	}
	for _, c := range u.AutoAcceptConfigs {
		m.AutoAcceptConfigs = append(m.AutoAcceptConfigs, autoAcceptConfig(c))
	}
	for _, c := range u.AfterContactWorkConfigs {
		w := afterContactWorkConfig{Channel: c.Channel, AfterContactWorkConfig: acwLimit{c.AfterContactWorkTimeLimit}}
		if c.AgentFirstCallbackTimeLimit != nil {
			w.AgentFirstCallbackAfterContactWorkConfig = &acwLimit{*c.AgentFirstCallbackTimeLimit}
		}
		m.AfterContactWorkConfigs = append(m.AfterContactWorkConfigs, w)
	}
	for _, c := range u.PhoneNumberConfigs {
		m.PhoneNumberConfigs = append(m.PhoneNumberConfigs, phoneNumberConfig(c))
	}
	for _, c := range u.PersistentConnectionConfigs {
		m.PersistentConnectionConfigs = append(m.PersistentConnectionConfigs, persistentConnectionConfig(c))
	}
	for _, c := range u.VoiceEnhancementConfigs {
		m.VoiceEnhancementConfigs = append(m.VoiceEnhancementConfigs, voiceEnhancementConfig(c))
	}
	return m
}

// user is DescribeUser's User. The service always sends Tags, {} when there are none (AWS's
// documented describe-user output shows "Tags": {} and "DeskPhoneNumber": ""), and scripts
// written against it index both without checking.
type user struct {
	Id  string `json:"Id"`
	Arn string `json:"Arn"`
	userMembers
	Tags               tagMap `json:"Tags"`
	LastModifiedTime   *epoch `json:"LastModifiedTime,omitempty"`
	LastModifiedRegion string `json:"LastModifiedRegion,omitempty"`
}

type userSummary struct {
	Id                 string `json:"Id"`
	Arn                string `json:"Arn"`
	Username           string `json:"Username"`
	LastModifiedTime   *epoch `json:"LastModifiedTime,omitempty"`
	LastModifiedRegion string `json:"LastModifiedRegion,omitempty"`
}

// userSearchSummary is a SearchUsers result: the user without times and with IdentityInfoLite.
type userSearchSummary struct {
	Id  string `json:"Id"`
	Arn string `json:"Arn"`
	userMembers
	Tags tagMap `json:"Tags"`
}

// tagMap is a resource's tags on the wire: {} rather than absent when there are none, as the
// service sends them on every resource it describes.
type tagMap map[string]string

func (m tagMap) MarshalJSON() ([]byte, error) {
	if m == nil {
		return []byte("{}"), nil
	}
	return json.Marshal(map[string]string(m))
}

// pageToken is a list's NextToken on the wire: null on the last page, never absent. The
// service sends the member with null, and clients rely on it: the aws-sdk (v2) for JavaScript
// hands the null through, and scripts page with while (NextToken !== null).
type pageToken string

func (t pageToken) MarshalJSON() ([]byte, error) {
	if t == "" {
		return []byte("null"), nil
	}
	return json.Marshal(string(t))
}

// summary is the shape the model gives every named resource in a list: routing and security
// profile summaries, hierarchy levels and hierarchy group summaries alike.
type summary struct {
	Id                 string `json:"Id"`
	Arn                string `json:"Arn"`
	Name               string `json:"Name"`
	LastModifiedTime   *epoch `json:"LastModifiedTime,omitempty"`
	LastModifiedRegion string `json:"LastModifiedRegion,omitempty"`
}

type (
	routingProfileSummary  = summary
	securityProfileSummary = summary
	hierarchyLevel         = summary
	groupSummary           = summary
)

type mediaConcurrency struct {
	Channel     string `json:"Channel"`
	Concurrency int    `json:"Concurrency"`
}

type routingProfile struct {
	InstanceId               string             `json:"InstanceId"`
	Name                     string             `json:"Name"`
	RoutingProfileArn        string             `json:"RoutingProfileArn"`
	RoutingProfileId         string             `json:"RoutingProfileId"`
	Description              string             `json:"Description,omitempty"`
	MediaConcurrencies       []mediaConcurrency `json:"MediaConcurrencies"`
	DefaultOutboundQueueId   string             `json:"DefaultOutboundQueueId,omitempty"`
	Tags                     tagMap             `json:"Tags"`
	NumberOfAssociatedQueues int64              `json:"NumberOfAssociatedQueues"`
	NumberOfAssociatedUsers  int64              `json:"NumberOfAssociatedUsers"`
	IsDefault                bool               `json:"IsDefault"`
	LastModifiedTime         *epoch             `json:"LastModifiedTime,omitempty"`
	LastModifiedRegion       string             `json:"LastModifiedRegion,omitempty"`
}

type securityProfile struct {
	Id                     string `json:"Id"`
	OrganizationResourceId string `json:"OrganizationResourceId"`
	Arn                    string `json:"Arn"`
	SecurityProfileName    string `json:"SecurityProfileName"`
	Description            string `json:"Description,omitempty"`
	Tags                   tagMap `json:"Tags"`
	LastModifiedTime       *epoch `json:"LastModifiedTime,omitempty"`
	LastModifiedRegion     string `json:"LastModifiedRegion,omitempty"`
}

type instanceSummary struct {
	Id                     string `json:"Id"`
	Arn                    string `json:"Arn"`
	IdentityManagementType string `json:"IdentityManagementType"`
	InstanceAlias          string `json:"InstanceAlias,omitempty"`
	CreatedTime            *epoch `json:"CreatedTime,omitempty"`
	ServiceRole            string `json:"ServiceRole,omitempty"`
	InstanceStatus         string `json:"InstanceStatus"`
	InboundCallsEnabled    bool   `json:"InboundCallsEnabled"`
	OutboundCallsEnabled   bool   `json:"OutboundCallsEnabled"`
	InstanceAccessUrl      string `json:"InstanceAccessUrl,omitempty"`
}

type instance struct {
	instanceSummary
	Tags tagMap `json:"Tags"`
}

type hierarchyGroup struct {
	Id                 string                   `json:"Id"`
	Arn                string                   `json:"Arn"`
	Name               string                   `json:"Name"`
	LevelId            string                   `json:"LevelId"`
	HierarchyPath      map[string]*groupSummary `json:"HierarchyPath"`
	Tags               tagMap                   `json:"Tags"`
	LastModifiedTime   *epoch                   `json:"LastModifiedTime,omitempty"`
	LastModifiedRegion string                   `json:"LastModifiedRegion,omitempty"`
}

func groupWire(g connectdir.HierarchyGroup) *groupSummary {
	return &groupSummary{Id: g.ID, Arn: g.ARN, Name: g.Name, LastModifiedTime: ts(g.LastModifiedTime), LastModifiedRegion: g.LastModifiedRegion}
}

// Search input shapes.

type stringCondition struct {
	FieldName      string `json:"FieldName"`
	Value          string `json:"Value"`
	ComparisonType string `json:"ComparisonType"`
}

type hierarchyGroupCondition struct {
	Value                   string `json:"Value"`
	HierarchyGroupMatchType string `json:"HierarchyGroupMatchType"`
}

type tagCondition struct {
	TagKey   string `json:"TagKey"`
	TagValue string `json:"TagValue"`
}

type userSearchCriteria struct {
	OrConditions            []userSearchCriteria     `json:"OrConditions"`
	AndConditions           []userSearchCriteria     `json:"AndConditions"`
	StringCondition         *stringCondition         `json:"StringCondition"`
	ListCondition           *listCondition           `json:"ListCondition"`
	HierarchyGroupCondition *hierarchyGroupCondition `json:"HierarchyGroupCondition"`
}

type userSearchFilter struct {
	TagFilter *struct {
		OrConditions  [][]tagCondition `json:"OrConditions"`
		AndConditions []tagCondition   `json:"AndConditions"`
		TagCondition  *tagCondition    `json:"TagCondition"`
	} `json:"TagFilter"`
	UserAttributeFilter *struct {
		OrConditions            []attributeAndCondition  `json:"OrConditions"`
		AndCondition            *attributeAndCondition   `json:"AndCondition"`
		TagCondition            *tagCondition            `json:"TagCondition"`
		HierarchyGroupCondition *hierarchyGroupCondition `json:"HierarchyGroupCondition"`
	} `json:"UserAttributeFilter"`
}

type attributeAndCondition struct {
	TagConditions           []tagCondition           `json:"TagConditions"`
	HierarchyGroupCondition *hierarchyGroupCondition `json:"HierarchyGroupCondition"`
}

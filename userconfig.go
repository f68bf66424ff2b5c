package connectdir

import (
	"context"
	"slices"
)

// Channels a per-channel setting names, as the model's Channel enum lists them.
var Channels = []string{"VOICE", "CHAT", "TASK", "EMAIL"}

// MaxAfterContactWork is the documented upper bound of an after-contact-work limit (24 days,
// in seconds); 0 means no limit.
const MaxAfterContactWork = 2_000_000

// ChannelConfigs are a user's per-channel settings, the members UpdateUserConfig takes: a nil
// list is not given and leaves the user's as they are.
type ChannelConfigs struct {
	AutoAccept           []AutoAcceptConfig
	AfterContactWork     []AfterContactWorkConfig
	PhoneNumber          []PhoneNumberConfig
	PersistentConnection []PersistentConnectionConfig
	VoiceEnhancement     []VoiceEnhancementConfig
}

// checkChannels refuses a list that names a channel twice: a user has one setting per channel.
func checkChannels[T any](member string, list []T, channel func(T) string) error {
	seen := map[string]bool{}
	for _, c := range list {
		ch := channel(c)
		if seen[ch] {
			return invalidParam("%s has more than one entry for channel %s", member, ch)
		}
		seen[ch] = true
	}
	return nil
}

func (c ChannelConfigs) check() error {
	if err := checkChannels("AutoAcceptConfigs", c.AutoAccept, func(c AutoAcceptConfig) string { return c.Channel }); err != nil {
		return err
	}
	if err := checkChannels("AfterContactWorkConfigs", c.AfterContactWork, func(c AfterContactWorkConfig) string { return c.Channel }); err != nil {
		return err
	}
	for _, a := range c.AfterContactWork {
		if a.AfterContactWorkTimeLimit > MaxAfterContactWork || (a.AgentFirstCallbackTimeLimit != nil && *a.AgentFirstCallbackTimeLimit > MaxAfterContactWork) {
			return invalidParam("AfterContactWorkConfigs AfterContactWorkTimeLimit must be at most %d seconds", MaxAfterContactWork)
		}
	}
	if err := checkChannels("PhoneNumberConfigs", c.PhoneNumber, func(c PhoneNumberConfig) string { return c.Channel }); err != nil {
		return err
	}
	if err := checkChannels("PersistentConnectionConfigs", c.PersistentConnection, func(c PersistentConnectionConfig) string { return c.Channel }); err != nil {
		return err
	}
	return checkChannels("VoiceEnhancementConfigs", c.VoiceEnhancement, func(c VoiceEnhancementConfig) string { return c.Channel })
}

// mergeChannels replaces the entries of have for the channels given names and adds the others,
// keeping have's order and then given's.
func mergeChannels[T any](have, given []T, channel func(T) string) []T {
	out := slices.Clone(have)
	for _, g := range given {
		if i := slices.IndexFunc(out, func(h T) bool { return channel(h) == channel(g) }); i >= 0 {
			out[i] = g
		} else {
			out = append(out, g)
		}
	}
	return out
}

// UpdateUserConfig sets a user's per-channel settings. The channels a list names are replaced,
// the others kept; the VOICE entries then become the legacy PhoneConfig, so that DescribeUser
// and SearchUsers show the two views in step, as the service does.
func (d *Directory) UpdateUserConfig(ctx context.Context, instanceID, id string, c ChannelConfigs) error {
	if err := c.check(); err != nil {
		return err
	}
	return d.modifyUser(ctx, instanceID, id, func(_ Tx, _ Instance, u *User) error {
		u.AutoAcceptConfigs = mergeChannels(u.AutoAcceptConfigs, c.AutoAccept, func(c AutoAcceptConfig) string { return c.Channel })
		u.AfterContactWorkConfigs = mergeChannels(u.AfterContactWorkConfigs, c.AfterContactWork, func(c AfterContactWorkConfig) string { return c.Channel })
		u.PhoneNumberConfigs = mergeChannels(u.PhoneNumberConfigs, c.PhoneNumber, func(c PhoneNumberConfig) string { return c.Channel })
		u.PersistentConnectionConfigs = mergeChannels(u.PersistentConnectionConfigs, c.PersistentConnection, func(c PersistentConnectionConfig) string { return c.Channel })
		u.VoiceEnhancementConfigs = mergeChannels(u.VoiceEnhancementConfigs, c.VoiceEnhancement, func(c VoiceEnhancementConfig) string { return c.Channel })
		return normalizePhone(u, false)
	})
}

// checkChannelConfigs applies UpdateUserConfig's rules to the per-channel lists of a new user.
func checkChannelConfigs(u User) error {
	return ChannelConfigs{u.AutoAcceptConfigs, u.AfterContactWorkConfigs, u.PhoneNumberConfigs,
		u.PersistentConnectionConfigs, u.VoiceEnhancementConfigs}.check()
}

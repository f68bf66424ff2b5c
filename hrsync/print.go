package hrsync

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
)

// Print writes a plan for people: one line per change, grouped as they are applied.
func (p *Plan) Print(w io.Writer) {
	fmt.Fprintf(w, "Plan for instance %s (%d read calls): %d write call(s)\n", p.InstanceID, p.Reads, p.Calls())
	if p.Empty() {
		fmt.Fprintln(w, "  nothing to do: the instance matches")
		return
	}
	if l := p.Levels; l != nil {
		fmt.Fprintf(w, "\nHierarchy levels: %s -> %s\n", strings.Join(l.From, " / "), strings.Join(l.To, " / "))
	}
	section := func(title string, n int) bool {
		if n > 0 {
			fmt.Fprintf(w, "\n%s (%d):\n", title, n)
		}
		return n > 0
	}
	p.printPrerequisites(w, section)
	if section("Rename groups", len(p.RenameGroups)) {
		for _, r := range p.RenameGroups {
			fmt.Fprintf(w, "  ~ %s -> %s\n", r.From, r.To)
		}
	}
	if section("Retag groups", len(p.TagGroups)) {
		for _, t := range p.TagGroups {
			fmt.Fprintf(w, "  ~ %s%s\n", t.Path, tagText(t.Set, t.Remove))
		}
	}
	if section("Create groups", len(p.CreateGroups)) {
		for _, g := range p.CreateGroups {
			fmt.Fprintf(w, "  + %s\n", g.Path)
		}
	}
	if section("Create users", len(p.CreateUsers)) {
		for _, u := range p.CreateUsers {
			fmt.Fprintf(w, "  + %s (%s %s) in %s, %s, [%s]\n", u.Username, u.FirstName, u.LastName, orNone(u.Hierarchy),
				u.RoutingProfile, strings.Join(u.SecurityProfiles, ", "))
		}
	}
	if section("Update users", len(p.UpdateUsers)) {
		for _, u := range p.UpdateUsers {
			var parts []string
			if id := u.Identity; id != nil {
				parts = append(parts, fmt.Sprintf("identity %s %s <%s>", id.FirstName, id.LastName, id.Email))
			}
			if ph := u.Phone; ph != nil {
				parts = append(parts, fmt.Sprintf("phone %s auto-accept=%t acw=%ds %s", ph.Type, ph.AutoAccept, ph.ACW, ph.DeskPhone))
			}
			if u.RoutingProfile != nil {
				parts = append(parts, "routing profile "+*u.RoutingProfile)
			}
			if u.SecurityProfiles != nil {
				parts = append(parts, "security profiles ["+strings.Join(u.SecurityProfiles, ", ")+"]")
			}
			if m := u.Move; m != nil {
				parts = append(parts, "move "+orNone(m.From)+" -> "+orNone(m.To))
			}
			if t := tagText(u.TagsSet, u.TagsRemove); t != "" {
				parts = append(parts, strings.TrimSpace(t))
			}
			parts = append(parts, u.skillText()...)
			fmt.Fprintf(w, "  ~ %s: %s\n", u.Username, strings.Join(parts, "; "))
		}
	}
	if section("Delete users", len(p.DeleteUsers)) {
		for _, u := range p.DeleteUsers {
			fmt.Fprintf(w, "  - %s\n", u.Username)
		}
	}
	if section("Delete groups", len(p.DeleteGroups)) {
		for _, g := range p.DeleteGroups {
			fmt.Fprintf(w, "  - %s\n", g.Path)
		}
	}
}

func orNone(path string) string {
	if path == "" {
		return "(no group)"
	}
	return path
}

func tagText(set map[string]string, remove []string) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(set)) {
		fmt.Fprintf(&b, " tag %s=%s", k, set[k])
	}
	for _, k := range remove {
		fmt.Fprintf(&b, " untag %s", k)
	}
	return b.String()
}

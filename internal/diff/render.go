package diff

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"netinventory.io/netinventory/api/v1alpha1"
)

// Formats are the output formats Render knows, the default first.
var Formats = []string{"markdown", "json"}

// Render writes the changes in a format of Formats ("md" is markdown).
func Render(w io.Writer, format string, c *Changes) error {
	switch format {
	case "markdown", "md":
		return Markdown(w, c)
	case "json":
		return JSON(w, c)
	}
	return fmt.Errorf("unknown output format %q: want %s", format, strings.Join(Formats, " or "))
}

// JSON writes the changes as one JSON object: the summary line, then the
// lists of Changes with the entries of both sides.
func JSON(w io.Writer, c *Changes) error {
	v := struct {
		Summary string `json:"summary"`
		*Changes
	}{Summary(c), c}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// noChange is the summary when nothing changed: what was compared.
const noChange = "no change to endpoints, gateways, LoadBalancer and NodePort Services, namespace isolation or findings"

// Summary says in one line what changed, the findings first, e.g. "1
// finding opened (1 Critical), 1 closed; 1 endpoint loses authentication".
func Summary(c *Changes) string {
	if c.Empty() {
		return noChange
	}
	return join("; ", findingsSummary(c.Findings), endpointsSummary(c.Endpoints), gatewaysSummary(c.Gateways),
		servicesSummary(c.Services), namespacesSummary(c.Namespaces))
}

// counts builds a summary group: "2 endpoints added (1 public), 1 loses
// authentication": the noun after the first count only.
type counts struct {
	noun  phrase
	parts []string
}

func (s *counts) add(n int, p phrase, detail string) {
	if n == 0 {
		return
	}
	verb := p.one
	if n > 1 {
		verb = p.many
	}
	text := fmt.Sprintf("%d %s", n, verb)
	if len(s.parts) == 0 {
		noun := s.noun.one
		if n > 1 {
			noun = s.noun.many
		}
		text = fmt.Sprintf("%d %s %s", n, noun, verb)
	}
	if detail != "" {
		text += " (" + detail + ")"
	}
	s.parts = append(s.parts, text)
}

func (s *counts) String() string { return strings.Join(s.parts, ", ") }

// same is a phrase whose verb does not agree with the count.
func same(s string) phrase { return phrase{s, s} }

// byPriority counts findings by priority, the most urgent first: "1
// Critical, 2 High".
func byPriority(fs []FindingChange) string {
	var parts []string
	for _, p := range v1alpha1.Priorities {
		n := 0
		for _, f := range fs {
			if f.Priority == p {
				n++
			}
		}
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, p))
		}
	}
	return strings.Join(parts, ", ")
}

func findingsSummary(fs []FindingChange) string {
	s := counts{noun: phrase{"finding", "findings"}}
	for _, t := range transitions {
		var of []FindingChange
		for _, f := range fs {
			if f.Change == t {
				of = append(of, f)
			}
		}
		detail := ""
		if t == Opened || t == Reopened || t == Raised {
			detail = byPriority(of)
		}
		s.add(len(of), findingPhrases[t], detail)
	}
	return s.String()
}

var findingPhrases = map[Transition]phrase{
	Opened: same("opened"), Reopened: same("reopened"), Raised: same("raised"), Lowered: same("lowered"),
	Acknowledged: same("acknowledged"), Closed: same("closed"),
}

// Endpoint, gateway and Service phrases.
var (
	becomesPublic   = phrase{"becomes public", "become public"}
	becomesInternal = phrase{"becomes internal", "become internal"}
	movesGateway    = phrase{"moves to another gateway", "move to another gateway"}
	movesListener   = phrase{"moves to another listener", "move to another listener"}
	changesBackends = phrase{"changes backends", "change backends"}
	admitsAny       = phrase{"admits any client", "admit any client"}
	restricts       = phrase{"restricts its clients", "restrict their clients"}
	changesRanges   = phrase{"changes source ranges", "change source ranges"}
	changesType     = phrase{"changes type", "change type"}
	changesPorts    = phrase{"changes ports", "change ports"}
	lessIsolated    = phrase{"is less isolated", "are less isolated"}
	moreIsolated    = phrase{"is more isolated", "are more isolated"}
	changesCoverage = phrase{"changes coverage", "change coverage"}
)

// exposurePhrase is how an exposure change reads.
func exposurePhrase(to v1alpha1.Exposure) phrase {
	if to == v1alpha1.ExposurePublic {
		return becomesPublic
	}
	return becomesInternal
}

// endpointPhrases are the phrases of one endpoint change, in the order the
// summary and the Change column list them.
func endpointPhrases(e *EndpointChange) []phrase {
	switch e.Change {
	case Added:
		return []phrase{same("added")}
	case Removed:
		return []phrase{same("removed")}
	}
	var out []phrase
	if slices.Contains(e.Fields, FieldExposure) {
		out = append(out, exposurePhrase(e.Head.Exposure))
	}
	if p, _ := e.authentication(); p != (phrase{}) {
		out = append(out, p)
	}
	switch {
	case !slices.Contains(e.Fields, FieldGateway):
	case e.Base.Gateway != e.Head.Gateway:
		out = append(out, movesGateway)
	default:
		out = append(out, movesListener)
	}
	if slices.Contains(e.Fields, FieldBackends) {
		out = append(out, changesBackends)
	}
	return out
}

// tally counts phrases in the order they first appear in order.
func tally(s *counts, order []phrase, each [][]phrase, details map[phrase]string) {
	for _, p := range order {
		n := 0
		for _, ps := range each {
			if slices.Contains(ps, p) {
				n++
			}
		}
		s.add(n, p, details[p])
	}
}

func publicDetail(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("%d public", n)
}

func endpointsSummary(es []EndpointChange) string {
	s := counts{noun: phrase{"endpoint", "endpoints"}}
	var each [][]phrase
	publicAdded := 0
	for i := range es {
		each = append(each, endpointPhrases(&es[i]))
		if es[i].Change == Added && es[i].Head.Exposure == v1alpha1.ExposurePublic {
			publicAdded++
		}
	}
	tally(&s, []phrase{same("added"), same("removed"), becomesPublic, becomesInternal, authLost, authLostOnRules, authWeaker,
		authGained, authGainedOnRules, authStronger, authChanged, movesGateway, movesListener, changesBackends}, each,
		map[phrase]string{same("added"): publicDetail(publicAdded)})
	return s.String()
}

func gatewayPhrases(g *GatewayChange) []phrase {
	switch g.Change {
	case Added:
		return []phrase{same("added")}
	case Removed:
		return []phrase{same("removed")}
	}
	return []phrase{exposurePhrase(g.Head.Exposure)}
}

func gatewaysSummary(gs []GatewayChange) string {
	s := counts{noun: phrase{"gateway", "gateways"}}
	var each [][]phrase
	public := 0
	for i := range gs {
		each = append(each, gatewayPhrases(&gs[i]))
		if gs[i].Change == Added && gs[i].Head.Exposure == v1alpha1.ExposurePublic {
			public++
		}
	}
	tally(&s, []phrase{same("added"), same("removed"), becomesPublic, becomesInternal}, each,
		map[phrase]string{same("added"): publicDetail(public)})
	return s.String()
}

func servicePhrases(sc *ServiceChange) []phrase {
	switch sc.Change {
	case Added:
		return []phrase{same("added")}
	case Removed:
		return []phrase{same("removed")}
	}
	var out []phrase
	for _, f := range sc.Fields {
		switch f {
		case FieldExposure:
			out = append(out, exposurePhrase(sc.Head.Exposure))
		case FieldSourceRanges:
			switch {
			case len(sc.Head.SourceRanges) == 0:
				out = append(out, admitsAny)
			case len(sc.Base.SourceRanges) == 0:
				out = append(out, restricts)
			default:
				out = append(out, changesRanges)
			}
		case FieldType:
			out = append(out, changesType)
		case FieldPorts:
			out = append(out, changesPorts)
		}
	}
	return out
}

func servicesSummary(ss []ServiceChange) string {
	s := counts{noun: phrase{"LoadBalancer/NodePort Service", "LoadBalancer/NodePort Services"}}
	var each [][]phrase
	public := 0
	for i := range ss {
		each = append(each, servicePhrases(&ss[i]))
		if ss[i].Change == Added && ss[i].Head.Exposure == v1alpha1.ExposurePublic {
			public++
		}
	}
	tally(&s, []phrase{same("added"), same("removed"), becomesPublic, becomesInternal, admitsAny, restricts, changesRanges,
		changesType, changesPorts}, each, map[phrase]string{same("added"): publicDetail(public)})
	return s.String()
}

func namespacePhrase(n *NamespaceChange) phrase {
	switch {
	case n.Change == Added:
		return same("added")
	case n.Change == Removed:
		return same("removed")
	case n.Effect == Worse:
		return lessIsolated
	case n.Effect == Better:
		return moreIsolated
	}
	return changesCoverage
}

func namespacesSummary(ns []NamespaceChange) string {
	s := counts{noun: phrase{"namespace", "namespaces"}}
	var each [][]phrase
	notIsolated := 0
	for i := range ns {
		each = append(each, []phrase{namespacePhrase(&ns[i])})
		if ns[i].Change == Added && ns[i].Effect == Worse {
			notIsolated++
		}
	}
	detail := ""
	if notIsolated > 0 {
		detail = fmt.Sprintf("%d not isolated", notIsolated)
	}
	tally(&s, []phrase{lessIsolated, moreIsolated, changesCoverage, same("added"), same("removed")}, each,
		map[phrase]string{same("added"): detail})
	return s.String()
}

func words(ps []phrase) string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.one
	}
	return strings.Join(out, ", ")
}

package diff

import (
	"strings"
	"testing"

	"netinventory.io/netinventory/api/v1alpha1"
)

func finding(rule, subject string, p v1alpha1.Priority, acked bool) v1alpha1.Finding {
	return v1alpha1.Finding{Rule: rule, Subject: subject, Priority: p, Acknowledged: acked, Message: rule + " on " + subject}
}

func findings(fs ...v1alpha1.Finding) *v1alpha1.NetworkInventoryStatus {
	return &v1alpha1.NetworkInventoryStatus{Findings: v1alpha1.FindingList{Items: fs}}
}

// TestOpenedAtOrAbove: only what the change opens counts, at its new
// priority; what was open at the level already does not.
func TestOpenedAtOrAbove(t *testing.T) {
	const (
		c = v1alpha1.PriorityCritical
		h = v1alpha1.PriorityHigh
		m = v1alpha1.PriorityMedium
		l = v1alpha1.PriorityLow
	)
	base := findings(
		finding("Stays", "a", c, false),
		finding("RaisedIntoHigh", "a", m, false),
		finding("RaisedWithinHigh", "a", h, false),
		finding("Unacknowledged", "a", h, true),
		finding("Lowered", "a", c, false),
		finding("Acked", "a", c, false),
		finding("Closed", "a", c, false),
	)
	head := findings(
		finding("Stays", "a", c, false),
		finding("RaisedIntoHigh", "a", h, false),
		finding("RaisedWithinHigh", "a", c, false),
		finding("Unacknowledged", "a", h, false),
		finding("Lowered", "a", l, false),
		finding("Acked", "a", c, true),
		finding("NewMedium", "a", m, false),
		finding("NewCritical", "a", c, false),
		finding("NewAcknowledged", "a", c, true),
	)
	ch := Compare(base, head)
	for _, tt := range []struct {
		level v1alpha1.Priority
		want  string
	}{
		{c, "NewCritical RaisedWithinHigh"},
		{h, "NewCritical Unacknowledged RaisedIntoHigh"},
		{m, "NewCritical NewMedium Unacknowledged"}, // RaisedIntoHigh was open at Medium already
		{l, "NewCritical NewMedium Unacknowledged"},
	} {
		var got []string
		for _, f := range ch.OpenedAtOrAbove(tt.level) {
			got = append(got, f.Rule)
		}
		if strings.Join(got, " ") != tt.want {
			t.Errorf("at %s: %v, want %s", tt.level, got, tt.want)
		}
	}
	var order []string
	for _, f := range ch.Findings {
		order = append(order, string(f.Change)+" "+f.Rule)
	}
	want := "Opened NewCritical, Opened NewMedium, Reopened Unacknowledged, Raised RaisedWithinHigh, Raised RaisedIntoHigh, " +
		"Lowered Lowered, Acknowledged Acked, Acknowledged NewAcknowledged, Closed Closed"
	if got := strings.Join(order, ", "); got != want {
		t.Errorf("order:\n got %s\nwant %s", got, want)
	}
	if got, want := Summary(ch), "2 findings opened (1 Critical, 1 Medium), 1 reopened (1 High), 2 raised (1 Critical, 1 High), 1 lowered, 2 acknowledged, 1 closed"; got != want {
		t.Errorf("summary:\n got %s\nwant %s", got, want)
	}
}

// TestRepeatedFindingKeys: findings of one rule and subject are told apart
// by their order, so one of two going away is one closed.
func TestRepeatedFindingKeys(t *testing.T) {
	f := finding("RouteNotAccepted", "web/app", v1alpha1.PriorityHigh, false)
	ch := Compare(findings(f, f), findings(f))
	if len(ch.Findings) != 1 || ch.Findings[0].Change != Closed || ch.Findings[0].Key != "RouteNotAccepted web/app" {
		t.Errorf("%+v", ch.Findings)
	}
}

func endpoint(host string, auth v1alpha1.Authentication) v1alpha1.EndpointEntry {
	return v1alpha1.EndpointEntry{Hostname: host, Port: 443, Protocol: "HTTPS", Gateway: "net/public", Listener: "https",
		Exposure: v1alpha1.ExposurePublic, Route: v1alpha1.ObjectRef{Kind: "HTTPRoute", Namespace: "web", Name: "app"}, Authentication: auth}
}

// TestRulesOfOneSide: a side that lists no rules has the endpoint's
// authentication on each rule the other side lists.
func TestRulesOfOneSide(t *testing.T) {
	oidc := v1alpha1.Authentication{Mode: v1alpha1.AuthenticationRequired, Methods: []string{"OIDC"}, Policy: "web/sso"}
	some := v1alpha1.Authentication{Mode: v1alpha1.AuthenticationNone, Rules: []v1alpha1.RuleAuthentication{
		{Rule: "rule 0", Paths: []string{"/admin"}, Mode: v1alpha1.AuthenticationRequired, Methods: []string{"OIDC"}, Policy: "web/sso"},
		{Rule: "rule 1", Paths: []string{"/api", "= /health"}, Mode: v1alpha1.AuthenticationNone},
	}}
	st := func(a v1alpha1.Authentication) *v1alpha1.NetworkInventoryStatus {
		return &v1alpha1.NetworkInventoryStatus{Endpoints: v1alpha1.EndpointList{Items: []v1alpha1.EndpointEntry{endpoint("app.example.com", a)}}}
	}
	ch := Compare(st(oidc), st(some))
	if len(ch.Endpoints) != 1 || len(ch.Endpoints[0].Rules) != 1 {
		t.Fatalf("one endpoint, one rule changed: %+v", ch.Endpoints)
	}
	if r := ch.Endpoints[0].Rules[0]; r.Rule != "rule 1" || r.Base.Mode != v1alpha1.AuthenticationRequired || r.Head.Mode != v1alpha1.AuthenticationNone ||
		strings.Join(r.Paths, " ") != "/api = /health" {
		t.Errorf("rule 1 loses its OIDC: %+v %+v %+v", r, r.Base, r.Head)
	}
	md := string(render(t, "markdown", ch))
	for _, want := range []string{
		"1 endpoint loses authentication on some rules.",
		"| loses authentication on some rules | `app.example.com` | net/public/https :443 | HTTPRoute `web/app` | Public | " +
			"OIDC via `web/sso` → **None on some rules**; rule 1 (/api, = /health): OIDC via `web/sso` → **None** |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("lacks %q:\n%s", want, md)
		}
	}
	back := Compare(st(some), st(oidc))
	if len(back.Endpoints) != 1 || back.Endpoints[0].Effect != Better || !strings.Contains(Summary(back), "1 endpoint gains authentication on some rules") {
		t.Errorf("reversed: %s %+v", Summary(back), back.Endpoints)
	}
	// Another method, same mode: a change, neither better nor worse.
	jwt := oidc
	jwt.Methods = []string{"JWT"}
	if ch := Compare(st(oidc), st(jwt)); len(ch.Endpoints) != 1 || ch.Endpoints[0].Effect != Neutral || Summary(ch) != "1 endpoint changes authentication" {
		t.Errorf("%s %+v", Summary(ch), ch.Endpoints)
	}
}

// TestTruncatedListsAreNoted: what a side does not list cannot be compared,
// and the output says so.
func TestTruncatedListsAreNoted(t *testing.T) {
	head := &v1alpha1.NetworkInventoryStatus{Endpoints: v1alpha1.EndpointList{ListBounds: v1alpha1.ListBounds{Total: 3, Truncated: true},
		Items: []v1alpha1.EndpointEntry{endpoint("a.example.com", v1alpha1.Authentication{Mode: v1alpha1.AuthenticationNone})}}}
	ch := Compare(&v1alpha1.NetworkInventoryStatus{}, head)
	md := string(render(t, "markdown", ch))
	want := "> Note: the head lists 1 of its 3 endpoints: changes to the others are not shown (raise spec.limits.maxItemsPerList).\n"
	if !strings.HasSuffix(md, want) || !strings.HasPrefix(md, "**Network inventory:** 1 endpoint added (1 public).\n") {
		t.Errorf("got:\n%s", md)
	}
}

// TestTCPEndpoint: an endpoint without a hostname is named by its port.
func TestTCPEndpoint(t *testing.T) {
	e := v1alpha1.EndpointEntry{Port: 5432, Protocol: "TCP", Gateway: "db/gw", Listener: "pg", Exposure: v1alpha1.ExposureInternal,
		Route: v1alpha1.ObjectRef{Kind: "TCPRoute", Namespace: "db", Name: "pg"}, Authentication: v1alpha1.Authentication{Mode: v1alpha1.AuthenticationNone}}
	ch := Compare(&v1alpha1.NetworkInventoryStatus{}, &v1alpha1.NetworkInventoryStatus{Endpoints: v1alpha1.EndpointList{Items: []v1alpha1.EndpointEntry{e}}})
	if len(ch.Endpoints) != 1 || ch.Endpoints[0].Key != ":5432 db/gw/pg TCPRoute/db/pg" || ch.Endpoints[0].Effect != Neutral {
		t.Fatalf("%+v", ch.Endpoints)
	}
	if md := string(render(t, "markdown", ch)); !strings.Contains(md, "| added | any host (TCP) | db/gw/pg :5432 | TCPRoute `db/pg` | Internal | None |") {
		t.Errorf("got:\n%s", md)
	}
}

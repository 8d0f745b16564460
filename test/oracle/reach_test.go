package oracle

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/inventory/coverage"
	"netinventory.io/netinventory/internal/inventory/scope"
	"netinventory.io/netinventory/internal/snapshot"
)

// query is one connection asked of both the engine and Cilium.
type query struct {
	From     peerRef `json:"from"`
	To       string  `json:"to"`
	Port     uint16  `json:"port"`
	Protocol string  `json:"protocol"`
}

type peerRef struct {
	Pod      string `json:"pod,omitempty"`
	Reserved string `json:"reserved,omitempty"`
	CIDR     string `json:"cidr,omitempty"`
	Stranger bool   `json:"stranger,omitempty"`
}

// The oracle's stranger: a pod in a namespace of its own that no selector
// of a case names.
const (
	strangerNamespace = "netinventory-oracle-stranger"
	strangerLabel     = "netinventory.io/oracle-stranger"
)

var reservedPeers = map[string]coverage.PeerClass{
	"host": coverage.PeerHost, "world-ipv4": coverage.PeerWorldIPv4, "world-ipv6": coverage.PeerWorldIPv6,
	"remote-node": coverage.PeerRemoteNode, "kube-apiserver": coverage.PeerKubeAPIServer,
	"health": coverage.PeerHealth, "ingress": coverage.PeerIngress,
}

var probePorts = []struct {
	port     uint16
	protocol string
}{{80, "TCP"}, {443, "TCP"}, {22, "TCP"}, {53, "UDP"}}

// queriesOf asks, for every pod of a case that is not on the host
// network, whether each other pod, the stranger, every reserved class and
// two address ranges may connect to it on a few ports.
func queriesOf(snap *snapshot.Snapshot) []query {
	var pods []string
	for _, p := range snap.Pods {
		if !p.Spec.HostNetwork {
			pods = append(pods, p.Namespace+"/"+p.Name)
		}
	}
	var sources []peerRef
	for _, p := range pods {
		sources = append(sources, peerRef{Pod: p})
	}
	sources = append(sources, peerRef{Stranger: true}, peerRef{CIDR: "10.0.0.0/8"}, peerRef{CIDR: "192.0.2.0/24"},
		peerRef{CIDR: "2001:db8::/32"})
	for name := range reservedPeers {
		sources = append(sources, peerRef{Reserved: name})
	}
	var out []query
	for _, to := range pods {
		for _, from := range sources {
			for _, pp := range probePorts {
				out = append(out, query{From: from, To: to, Port: pp.port, Protocol: pp.protocol})
			}
		}
	}
	return out
}

// engineAnswers asks the engine's evaluator the same queries.
func engineAnswers(t *testing.T, snap *snapshot.Snapshot, queries []query) []bool {
	t.Helper()
	sc, err := scope.New(snap, &v1alpha1.NetworkInventorySpec{}, metav1.Now().Truncate(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	ev := coverage.Compute(sc, nil).Evaluator()
	pods := map[string]*snapshot.Pod{}
	for i := range snap.Pods {
		p := snap.Pods[i]
		pods[p.Namespace+"/"+p.Name] = p
	}
	stranger := &snapshot.Pod{PodMeta: snapshot.PodMeta{Name: "stranger", Namespace: strangerNamespace,
		Labels: map[string]string{strangerLabel: "true"}}}
	strangerNS := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: strangerNamespace,
		Labels: map[string]string{corev1.LabelMetadataName: strangerNamespace}}}
	out := make([]bool, len(queries))
	for i, q := range queries {
		var from coverage.Peer
		switch {
		case q.From.Pod != "":
			from = ev.PodPeer(pods[q.From.Pod])
		case q.From.Stranger:
			from = coverage.Peer{Pod: stranger, Namespace: strangerNS}
		case q.From.CIDR != "":
			prefix := netip.MustParsePrefix(q.From.CIDR)
			from = coverage.Peer{Class: coverage.PeerWorldIPv4, CIDR: prefix}
			if prefix.Addr().Is6() {
				from.Class = coverage.PeerWorldIPv6
			}
		default:
			from = coverage.Peer{Class: reservedPeers[q.From.Reserved]}
		}
		out[i] = ev.Connect(from, pods[q.To], int32(q.Port), q.Protocol).Allowed
	}
	return out
}

// TestReachabilityAgreesWithCilium asks the engine's evaluator and Cilium's
// policy repository whether each peer may connect to each pod, over the
// scenarios, the homelab fixture and the generated policy sets.
func TestReachabilityAgreesWithCilium(t *testing.T) {
	cases, snaps := allCases(t)
	for i := range cases {
		cases[i].Queries = queriesOf(snaps[cases[i].Name])
	}
	answers := askCilium(t, cases)
	asked, failures := 0, 0
	allowed := map[bool]int{}
	for _, c := range cases {
		ans := answers[c.Name]
		if len(ans.Allowed) != len(c.Queries) {
			t.Errorf("%s: the oracle answered %d queries of %d: %s", c.Name, len(ans.Allowed), len(c.Queries), strings.Join(ans.Errors, "; "))
			continue
		}
		got := engineAnswers(t, snaps[c.Name], c.Queries)
		var diff []string
		for i, q := range c.Queries {
			asked++
			allowed[ans.Allowed[i]]++
			if got[i] != ans.Allowed[i] {
				diff = append(diff, fmt.Sprintf("%+v -> %s %d/%s: engine allowed=%v, Cilium allowed=%v", q.From, q.To, q.Port, q.Protocol, got[i], ans.Allowed[i]))
			}
		}
		if len(diff) == 0 {
			continue
		}
		failures++
		dump(t, c)
		if len(diff) > 6 {
			diff = append(diff[:6], fmt.Sprintf("... and %d more", len(diff)-6))
		}
		t.Errorf("%s: the evaluator disagrees with Cilium:\n  %s", c.Name, strings.Join(diff, "\n  "))
	}
	if allowed[true] == 0 || allowed[false] == 0 {
		t.Fatalf("Cilium's answers do not vary (%v): the oracle is not evaluating the policies", allowed)
	}
	t.Logf("%d cases, %d connections asked (%d allowed), %d cases disagree", len(cases), asked, allowed[true], failures)
}

package coverage

import (
	slimv1 "github.com/cilium/cilium/pkg/k8s/slim/k8s/apis/meta/v1"
	"github.com/cilium/cilium/pkg/policy/api"
)

// peerSet is a set of peer classes a rule decides traffic for, on every
// port: what the rule allows (or denies) when it has no port restriction.
// A pod stays isolated in a direction while some class is left to default
// deny; when the rules selecting it decide every class, nothing falls to
// default deny, whatever each rule is spelled like (`all`, `world` plus
// `cluster`, 0.0.0.0/0 and ::/0 plus `cluster`, an empty NetworkPolicy
// rule). The classes are those of Cilium's identities: the reserved ones,
// IPv4 and IPv6 addresses outside the cluster, and every pod.
type peerSet uint16

const (
	peerWorldIPv4 peerSet = 1 << iota
	peerWorldIPv6
	peerHost
	peerRemoteNode
	peerKubeAPIServer
	peerHealth
	peerIngress
	// peerAllPods is every pod of the cluster, in every namespace.
	peerAllPods

	peerWorld   = peerWorldIPv4 | peerWorldIPv6
	peerCluster = peerHost | peerRemoteNode | peerKubeAPIServer | peerHealth | peerIngress | peerAllPods
	peerAll     = peerWorld | peerCluster
)

// entityPeers are the classes each Cilium entity selects. The
// kube-apiserver's identity carries the remote-node label, so remote-node
// selects it too.
var entityPeers = map[api.Entity]peerSet{
	api.EntityAll:           peerAll,
	api.EntityWorld:         peerWorld,
	api.EntityWorldIPv4:     peerWorldIPv4,
	api.EntityWorldIPv6:     peerWorldIPv6,
	api.EntityCluster:       peerCluster,
	api.EntityHost:          peerHost,
	api.EntityRemoteNode:    peerRemoteNode | peerKubeAPIServer,
	api.EntityKubeAPIServer: peerKubeAPIServer,
	api.EntityHealth:        peerHealth,
	api.EntityIngress:       peerIngress,
}

// cidrPeers are the classes a CIDR covers: only the whole address space of
// a family, without exceptions, covers a class.
func cidrPeers(cidr string, except int) peerSet {
	if except > 0 {
		return 0
	}
	switch cidr {
	case "0.0.0.0/0":
		return peerWorldIPv4
	case "::/0":
		return peerWorldIPv6
	}
	return 0
}

// selectsAllPods is true for an endpoint selector that selects every pod of
// the cluster: empty in a clusterwide policy (a namespaced policy confines
// it to its namespace), or requiring only that a pod namespace exists.
func selectsAllPods(s *slimv1.LabelSelector, clusterwide bool) bool {
	if s == nil {
		return false
	}
	if len(s.MatchLabels) == 0 && len(s.MatchExpressions) == 0 {
		return clusterwide
	}
	if len(s.MatchLabels) != 0 || len(s.MatchExpressions) != 1 {
		return false
	}
	r := s.MatchExpressions[0]
	return r.Operator == slimv1.LabelSelectorOpExists && podLabelKey(r.Key) == ciliumNamespaceLabel
}

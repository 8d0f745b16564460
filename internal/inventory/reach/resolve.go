package reach

import (
	"fmt"
	"slices"
	"strings"

	"netinventory.io/netinventory/internal/inventory/coverage"
	"netinventory.io/netinventory/internal/snapshot"
)

// Source is a named traffic source for `kubectl netinv reach`.
type Source struct {
	Name string
	Peer coverage.Peer
}

// reservedSources are the sources named by a word.
var reservedSources = map[string]coverage.PeerClass{
	"world": coverage.PeerWorldIPv4, "world-ipv4": coverage.PeerWorldIPv4, "world-ipv6": coverage.PeerWorldIPv6,
	"host": coverage.PeerHost, "remote-node": coverage.PeerRemoteNode, "kube-apiserver": coverage.PeerKubeAPIServer,
}

// ResolveSources reads a source: NAMESPACE/POD, NAMESPACE/APP (pods whose
// app.kubernetes.io/name or app label is APP), gateway:NAMESPACE/NAME (its
// proxy pods), world, world-ipv6, host, remote-node, kube-apiserver, or
// cluster (any pod of a namespace no policy names).
func ResolveSources(ev *coverage.Evaluator, arg string) ([]Source, error) {
	if class, ok := reservedSources[arg]; ok {
		return []Source{{Name: arg, Peer: coverage.Peer{Class: class}}}, nil
	}
	if arg == "cluster" {
		p := syntheticPod(anyNamespace, nil)
		return []Source{{Name: "any pod", Peer: coverage.Peer{Pod: p, Namespace: syntheticNamespace(anyNamespace)}}}, nil
	}
	if gw, ok := strings.CutPrefix(arg, "gateway:"); ok {
		r := &reacher{sc: ev.Scope(), proxies: proxiesByGateway(ev.Scope()), assumed: map[string][]*snapshot.Pod{}}
		pods, found := r.gatewayProxies(gw)
		name := "proxies of gateway " + gw
		if !found {
			name += " (assumed: " + describeProxies(pods, false) + ")"
		}
		out := make([]Source, len(pods))
		for i, p := range pods {
			out[i] = Source{Name: name, Peer: ev.PodPeer(p)}
		}
		return out, nil
	}
	pods, err := ResolvePods(ev, arg)
	if err != nil {
		return nil, err
	}
	out := make([]Source, len(pods))
	for i, p := range pods {
		out[i] = Source{Name: p.Namespace + "/" + p.Name, Peer: ev.PodPeer(p)}
	}
	return out, nil
}

// ResolvePods reads NAMESPACE/POD or NAMESPACE/APP into running pods.
func ResolvePods(ev *coverage.Evaluator, arg string) ([]*snapshot.Pod, error) {
	ns, name, ok := strings.Cut(arg, "/")
	if !ok || ns == "" || name == "" {
		return nil, fmt.Errorf("%q: want NAMESPACE/POD or NAMESPACE/APP", arg)
	}
	pods := ev.Scope().Pods[ns]
	for _, p := range pods {
		if p.Name == name {
			return []*snapshot.Pod{p}, nil
		}
	}
	var out []*snapshot.Pod
	for _, p := range pods {
		if p.Labels["app.kubernetes.io/name"] == name || p.Labels["app"] == name {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%q: no running pod of that name or app in namespace %s", arg, ns)
	}
	slices.SortFunc(out, func(a, b *snapshot.Pod) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

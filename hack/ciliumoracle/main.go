// Command cilium-policy-oracle asks Cilium's own policy repository how it
// enforces a set of Kubernetes objects, so that tests can compare the
// engine's coverage verdicts with Cilium's.
//
// With file arguments, it reads the objects of one case from YAML or JSON
// manifests (multi-document, as kubectl applies them) and prints its answer:
//
//	cilium-policy-oracle [-enable-policy default|always|never] FILE...
//
// Without arguments, standard input is JSON lines, one case per line:
//
//	{"name": "...", "enablePolicy": "default", "nonDefaultDenyPolicies": true,
//	 "objects": [ {...}, ... ], "queries": [...]}
//
// where objects are Namespaces, Pods, NetworkPolicies, CiliumNetworkPolicies
// and CiliumClusterwideNetworkPolicies as the API server serves them. Output
// is one JSON line per case, with every pod that is not on the host network:
//
//	{"name": "...", "pods": [{"namespace": "...", "name": "...",
//	  "ingress": {"enforced": true, "isolated": true}, "egress": {...}}],
//	 "errors": ["policy ns/name: ..."]}
//
// "enforced" is whether Cilium enables policy for the pod's identity in
// that direction. "isolated" is whether some peer is refused by default
// deny: a probe (peer identity, protocol, port) that no policy entry
// matches. The peers probed are every pod's identity, a pod in a namespace
// of its own that no selector names, Cilium's reserved identities (host,
// world-ipv4, world-ipv6, remote-node, kube-apiserver, health, ingress) and
// an identity for every CIDR the policies name. Cilium runs dual-stack,
// with the Kubernetes defaults (localhost always allowed), cluster name
// "default".
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/cilium/cilium/pkg/crypto/certificatemanager"
	"github.com/cilium/cilium/pkg/endpoint/regeneration"
	envoypolicy "github.com/cilium/cilium/pkg/envoy/policy"
	"github.com/cilium/cilium/pkg/identity"
	ipcachetypes "github.com/cilium/cilium/pkg/ipcache/types"
	"github.com/cilium/cilium/pkg/k8s"
	ciliumv2 "github.com/cilium/cilium/pkg/k8s/apis/cilium.io/v2"
	slimcorev1 "github.com/cilium/cilium/pkg/k8s/slim/k8s/api/core/v1"
	slimnetworkingv1 "github.com/cilium/cilium/pkg/k8s/slim/k8s/api/networking/v1"
	"github.com/cilium/cilium/pkg/labels"
	"github.com/cilium/cilium/pkg/labelsfilter"
	"github.com/cilium/cilium/pkg/option"
	"github.com/cilium/cilium/pkg/policy"
	"github.com/cilium/cilium/pkg/policy/api"
	policytypes "github.com/cilium/cilium/pkg/policy/types"
	policyutils "github.com/cilium/cilium/pkg/policy/utils"
	"github.com/cilium/cilium/pkg/u8proto"
	"k8s.io/apimachinery/pkg/util/yaml"
)

const clusterName = "default"

// Case is one set of objects to evaluate.
type Case struct {
	Name         string            `json:"name"`
	EnablePolicy string            `json:"enablePolicy,omitempty"`
	Objects      []json.RawMessage `json:"objects"`
	Queries      []Query           `json:"queries,omitempty"`
	// NonDefaultDenyPolicies is cilium-config's
	// enable-non-default-deny-policies; true unless set.
	NonDefaultDenyPolicies *bool `json:"nonDefaultDenyPolicies,omitempty"`
}

// Verdict is Cilium's enforcement of one direction.
type Verdict struct {
	Enforced bool `json:"enforced"`
	Isolated bool `json:"isolated"`
}

// PodVerdict is Cilium's enforcement for one pod.
type PodVerdict struct {
	Namespace string  `json:"namespace"`
	Name      string  `json:"name"`
	Ingress   Verdict `json:"ingress"`
	Egress    Verdict `json:"egress"`
}

// Query asks whether a peer may open a connection to a pod on a port.
type Query struct {
	From     PeerRef `json:"from"`
	To       string  `json:"to"` // namespace/name of a pod
	Port     uint16  `json:"port"`
	Protocol string  `json:"protocol"` // TCP, UDP or SCTP
}

// PeerRef names a peer: a pod (namespace/name), a reserved identity
// (host, world-ipv4, world-ipv6, remote-node, kube-apiserver, health,
// ingress), an address range, or the stranger pod.
type PeerRef struct {
	Pod      string `json:"pod,omitempty"`
	Reserved string `json:"reserved,omitempty"`
	CIDR     string `json:"cidr,omitempty"`
	Stranger bool   `json:"stranger,omitempty"`
}

// Result is the answer for one case.
type Result struct {
	Name string       `json:"name"`
	Pods []PodVerdict `json:"pods"`
	// Allowed answers the case's queries, in order.
	Allowed []bool   `json:"allowed,omitempty"`
	Errors  []string `json:"errors,omitempty"`
}

func main() {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	option.Config.EnableIPv4 = true
	option.Config.EnableIPv6 = true
	option.Config.ClusterName = clusterName
	option.Config.UnsafeDaemonConfigOption.AllowLocalhost = option.AllowLocalhostAlways
	api.InitEntities(clusterName)
	if err := labelsfilter.ParseLabelPrefixCfg(logger, nil, nil, ""); err != nil {
		fail(err)
	}
	enablePolicy := flag.String("enable-policy", option.DefaultEnforcement, "Cilium's enable-policy mode for the files' case")
	nonDefaultDeny := flag.Bool("enable-non-default-deny-policies", true, "Cilium's enable-non-default-deny-policies for the files' case")
	flag.Parse()
	out := json.NewEncoder(os.Stdout)
	if flag.NArg() > 0 {
		c := &Case{Name: strings.Join(flag.Args(), " "), EnablePolicy: *enablePolicy, NonDefaultDenyPolicies: nonDefaultDeny}
		for _, path := range flag.Args() {
			objs, err := readManifests(path)
			if err != nil {
				fail(err)
			}
			c.Objects = append(c.Objects, objs...)
		}
		out.SetIndent("", "  ")
		if err := out.Encode(evaluate(logger, c)); err != nil {
			fail(err)
		}
		return
	}
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<30)
	for in.Scan() {
		var c Case
		if err := json.Unmarshal(in.Bytes(), &c); err != nil {
			fail(fmt.Errorf("reading a case: %w", err))
		}
		if err := out.Encode(evaluate(logger, &c)); err != nil {
			fail(err)
		}
	}
	if err := in.Err(); err != nil {
		fail(err)
	}
}

// readManifests reads every object of a YAML or JSON file, as JSON.
func readManifests(path string) ([]json.RawMessage, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []json.RawMessage
	dec := yaml.NewYAMLOrJSONDecoder(f, 4096)
	for {
		var obj json.RawMessage
		if err := dec.Decode(&obj); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if len(obj) > 0 && string(obj) != "null" {
			out = append(out, obj)
		}
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "cilium-policy-oracle:", err)
	os.Exit(1)
}

// objects are a case's objects, decoded.
type objects struct {
	namespaces map[string]*slimcorev1.Namespace
	pods       []*slimcorev1.Pod
	policies   []policyObject
}

type policyObject struct {
	kind      ipcachetypes.ResourceKind
	namespace string
	name      string
	entries   func() (policytypes.PolicyEntries, error)
}

type typeMeta struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
}

func decode(logger *slog.Logger, raw []json.RawMessage) (*objects, []string) {
	o := &objects{namespaces: map[string]*slimcorev1.Namespace{}}
	var errs []string
	for _, r := range raw {
		var tm typeMeta
		if err := json.Unmarshal(r, &tm); err != nil {
			errs = append(errs, err.Error())
			continue
		}
		var err error
		switch tm.Kind {
		case "Namespace":
			ns := &slimcorev1.Namespace{}
			if err = json.Unmarshal(r, ns); err == nil {
				o.namespaces[ns.Name] = ns
			}
		case "Pod":
			p := &slimcorev1.Pod{}
			if err = json.Unmarshal(r, p); err == nil {
				o.pods = append(o.pods, p)
			}
		case "NetworkPolicy":
			np := &slimnetworkingv1.NetworkPolicy{}
			if err = json.Unmarshal(r, np); err == nil {
				o.policies = append(o.policies, policyObject{ipcachetypes.ResourceKindNetpol, np.Namespace, np.Name,
					func() (policytypes.PolicyEntries, error) { return k8s.ParseNetworkPolicy(logger, clusterName, np) }})
			}
		case "CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy":
			cnp := &ciliumv2.CiliumNetworkPolicy{}
			kind := ipcachetypes.ResourceKindCNP
			if tm.Kind == "CiliumClusterwideNetworkPolicy" {
				kind = ipcachetypes.ResourceKindCCNP
				ccnp := &ciliumv2.CiliumClusterwideNetworkPolicy{}
				if err = json.Unmarshal(r, ccnp); err == nil {
					cnp = &ciliumv2.CiliumNetworkPolicy{ObjectMeta: ccnp.ObjectMeta, Spec: ccnp.Spec, Specs: ccnp.Specs}
					cnp.Namespace = ""
				}
			} else {
				err = json.Unmarshal(r, cnp)
			}
			if err == nil {
				o.policies = append(o.policies, policyObject{kind, cnp.Namespace, cnp.Name,
					func() (policytypes.PolicyEntries, error) {
						rules, err := cnp.Parse(logger, clusterName)
						if err != nil {
							return nil, err
						}
						return policyutils.RulesToPolicyEntries(rules), nil
					}})
			}
		}
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s: %v", tm.Kind, err))
		}
	}
	return o, errs
}

// probes are the ports every peer is tried on.
var probes = []struct {
	proto u8proto.U8proto
	port  uint16
}{{u8proto.TCP, 1}, {u8proto.TCP, 80}, {u8proto.TCP, 443}, {u8proto.TCP, 8080}, {u8proto.TCP, 65535},
	{u8proto.UDP, 53}, {u8proto.UDP, 65535}, {u8proto.SCTP, 9}, {u8proto.ICMP, 8}}

// strangerNamespace holds a pod no selector of the case names.
const strangerNamespace = "netinventory-oracle-stranger"

func evaluate(logger *slog.Logger, c *Case) *Result {
	res := &Result{Name: c.Name, Pods: []PodVerdict{}}
	mode := c.EnablePolicy
	if mode == "" {
		mode = option.DefaultEnforcement
	}
	policy.SetPolicyEnabled(mode)
	option.Config.EnableNonDefaultDenyPolicies = c.NonDefaultDenyPolicies == nil || *c.NonDefaultDenyPolicies
	objs, errs := decode(logger, c.Objects)
	res.Errors = errs

	// Identities: one per distinct label set, as Cilium allocates them.
	ids := identity.IdentityMap{}
	byLabels := map[string]identity.NumericIdentity{}
	next := identity.NumericIdentity(1000)
	allocate := func(lbls labels.LabelArray) identity.NumericIdentity {
		key := lbls.String()
		if id, ok := byLabels[key]; ok {
			return id
		}
		id := next
		next++
		byLabels[key] = id
		ids[id] = lbls
		return id
	}
	type podID struct {
		pod *slimcorev1.Pod
		id  identity.NumericIdentity
	}
	podIDs := map[string]identity.NumericIdentity{}
	namedPorts := map[identity.NumericIdentity]map[string]uint16{}
	var pods []podID
	for _, p := range objs.pods {
		if p.Spec.HostNetwork {
			continue
		}
		ns := objs.namespaces[p.Namespace]
		if ns == nil {
			ns = &slimcorev1.Namespace{}
			ns.Name = p.Namespace
		}
		lbls, ports := podIdentity(logger, ns, p)
		id := allocate(lbls)
		pods = append(pods, podID{p, id})
		podIDs[p.Namespace+"/"+p.Name] = id
		namedPorts[id] = ports
	}
	stranger := &slimcorev1.Pod{}
	stranger.Namespace, stranger.Name = strangerNamespace, "stranger"
	stranger.Labels = map[string]string{"netinventory.io/oracle-stranger": "true"}
	strangerNS := &slimcorev1.Namespace{}
	strangerNS.Name = strangerNamespace
	strangerNS.Labels = map[string]string{"kubernetes.io/metadata.name": strangerNamespace}
	strangerLabels, _ := podIdentity(logger, strangerNS, stranger)
	strangerID := allocate(strangerLabels)

	peers := identity.IdentityMap{}
	for id, lbls := range ids {
		peers[id] = lbls
	}
	for _, id := range []identity.NumericIdentity{identity.ReservedIdentityHost, identity.ReservedIdentityWorldIPv4,
		identity.ReservedIdentityWorldIPv6, identity.ReservedIdentityRemoteNode, identity.ReservedIdentityKubeAPIServer,
		identity.ReservedIdentityHealth, identity.ReservedIdentityIngress} {
		peers[id] = identity.LookupReservedIdentity(id).LabelArray
	}

	repo := policy.NewPolicyRepository(logger, nil, nil,
		envoypolicy.NewEnvoyL7RulesTranslator(logger, certificatemanager.NewMockSecretManagerInline()), nil, nil)
	repo.UpdateIdentities(ids, nil)
	cidrID := identity.NumericIdentity(identity.IdentityScopeLocal) + 1
	for _, po := range objs.policies {
		entries, err := po.entries()
		if err != nil {
			res.Errors = append(res.Errors, fmt.Sprintf("policy %s/%s: %v", po.namespace, po.name, err))
			continue
		}
		for _, prefix := range policy.GetCIDRPrefixes(entries) {
			lbls := labels.GetCIDRLabelArray(prefix)
			if !hasLabels(peers, lbls) {
				peers[cidrID] = lbls
				cidrID++
			}
		}
		repo.ReplaceByResource(entries, ipcachetypes.NewResourceID(po.kind, po.namespace, po.name))
	}
	cidrIDs := map[string]identity.NumericIdentity{}
	for _, q := range c.Queries {
		if q.From.CIDR == "" {
			continue
		}
		prefix, err := netip.ParsePrefix(q.From.CIDR)
		if err != nil {
			res.Errors = append(res.Errors, fmt.Sprintf("query from %s: %v", q.From.CIDR, err))
			continue
		}
		lbls := labels.GetCIDRLabelArray(prefix.Masked())
		if id, ok := findLabels(peers, lbls); ok {
			cidrIDs[q.From.CIDR] = id
			continue
		}
		peers[cidrID] = lbls
		cidrIDs[q.From.CIDR] = cidrID
		cidrID++
	}
	var wg sync.WaitGroup
	repo.GetSelectorCache().UpdateIdentities(peers, nil, &wg)
	wg.Wait()
	peerIDs := make([]identity.NumericIdentity, 0, len(peers))
	for id := range peers {
		peerIDs = append(peerIDs, id)
	}
	slices.Sort(peerIDs)

	policies := map[identity.NumericIdentity]*policy.EndpointPolicy{}
	defer func() {
		for _, epp := range policies {
			epp.Detach(logger)
		}
	}()
	endpointPolicy := func(id identity.NumericIdentity) (*policy.EndpointPolicy, error) {
		if epp, ok := policies[id]; ok {
			return epp, nil
		}
		epp, err := distill(logger, repo, identity.NewIdentityFromLabelArray(id, ids[id]), namedPorts[id])
		if err != nil {
			return nil, err
		}
		policies[id] = epp
		return epp, nil
	}
	for _, p := range pods {
		epp, err := endpointPolicy(p.id)
		if err != nil {
			res.Errors = append(res.Errors, fmt.Sprintf("pod %s/%s: %v", p.pod.Namespace, p.pod.Name, err))
			continue
		}
		v := probe(epp, peerIDs)
		res.Pods = append(res.Pods, PodVerdict{Namespace: p.pod.Namespace, Name: p.pod.Name, Ingress: v[0], Egress: v[1]})
	}
	reserved := map[string]identity.NumericIdentity{"host": identity.ReservedIdentityHost,
		"world-ipv4": identity.ReservedIdentityWorldIPv4, "world-ipv6": identity.ReservedIdentityWorldIPv6,
		"remote-node": identity.ReservedIdentityRemoteNode, "kube-apiserver": identity.ReservedIdentityKubeAPIServer,
		"health": identity.ReservedIdentityHealth, "ingress": identity.ReservedIdentityIngress}
	for _, q := range c.Queries {
		res.Allowed = append(res.Allowed, answer(q, podIDs, reserved, cidrIDs, strangerID, endpointPolicy, &res.Errors))
	}
	sort.Slice(res.Pods, func(i, j int) bool {
		a, b := res.Pods[i], res.Pods[j]
		return a.Namespace < b.Namespace || a.Namespace == b.Namespace && a.Name < b.Name
	})
	return res
}

// podIdentity is the label set Cilium derives a pod's security identity
// from: its labels, namespace labels, service account and cluster, filtered
// by the default identity-relevant label prefixes.
func podIdentity(logger *slog.Logger, ns *slimcorev1.Namespace, p *slimcorev1.Pod) (labels.LabelArray, map[string]uint16) {
	ports, lbls := k8s.GetPodMetadata(logger, ns, p)
	idLabels, _ := labelsfilter.Filter(labels.Map2Labels(lbls, labels.LabelSourceK8s))
	named := map[string]uint16{}
	for name, pp := range ports {
		named[name+"/"+u8proto.U8proto(pp.Proto).String()] = pp.Port
	}
	return idLabels.LabelArray(), named
}

func hasLabels(m identity.IdentityMap, lbls labels.LabelArray) bool {
	_, ok := findLabels(m, lbls)
	return ok
}

func findLabels(m identity.IdentityMap, lbls labels.LabelArray) (identity.NumericIdentity, bool) {
	for id, l := range m {
		if l.Equals(lbls) {
			return id, true
		}
	}
	return 0, false
}

// distill computes the policy of one identity.
func distill(logger *slog.Logger, repo *policy.Repository, id *identity.Identity, namedPorts map[string]uint16) (*policy.EndpointPolicy, error) {
	sp, _, err := repo.ComputeSelectorPolicy(id)
	if err != nil {
		return nil, err
	}
	epp := sp.DistillPolicy(logger, &owner{id: uint64(id.ID), namedPorts: namedPorts}, map[string]uint16{policy.FallbackRedirectID: 65535})
	epp.Ready()
	return epp, nil
}

// probe tells, per direction, whether policy is enforced and whether some
// peer falls to default deny.
func probe(epp *policy.EndpointPolicy, peers []identity.NumericIdentity) [2]Verdict {
	var v [2]Verdict
	v[0].Enforced = epp.SelectorPolicy.IngressPolicyEnabled
	v[1].Enforced = epp.SelectorPolicy.EgressPolicyEnabled
	for d, key := range []policytypes.Key{policy.IngressKey(), policy.EgressKey()} {
		if !v[d].Enforced {
			continue
		}
	peers:
		for _, peer := range peers {
			for _, pr := range probes {
				if _, _, found := epp.Lookup(key.WithIdentity(peer).WithPortProto(pr.proto, pr.port)); !found {
					v[d].Isolated = true
					break peers
				}
			}
		}
	}
	return v
}

// answer decides a query: the destination's ingress policy must allow the
// source's identity, and a pod source's egress policy the destination's.
func answer(q Query, pods, reserved, cidrs map[string]identity.NumericIdentity, stranger identity.NumericIdentity,
	endpointPolicy func(identity.NumericIdentity) (*policy.EndpointPolicy, error), errs *[]string) bool {
	fail := func(format string, args ...any) bool {
		*errs = append(*errs, fmt.Sprintf(format, args...))
		return false
	}
	to, ok := pods[q.To]
	if !ok {
		return fail("query to %s: no such pod", q.To)
	}
	var from identity.NumericIdentity
	fromPod := false
	switch {
	case q.From.Pod != "":
		if from, ok = pods[q.From.Pod]; !ok {
			return fail("query from %s: no such pod", q.From.Pod)
		}
		fromPod = true
	case q.From.Reserved != "":
		if from, ok = reserved[q.From.Reserved]; !ok {
			return fail("query from %s: unknown reserved identity", q.From.Reserved)
		}
	case q.From.CIDR != "":
		if from, ok = cidrs[q.From.CIDR]; !ok {
			return fail("query from %s: no identity", q.From.CIDR)
		}
	case q.From.Stranger:
		from, fromPod = stranger, true
	default:
		return fail("query without a source")
	}
	proto, err := u8proto.ParseProtocol(q.Protocol)
	if err != nil {
		return fail("query protocol %s: %v", q.Protocol, err)
	}
	dst, err := endpointPolicy(to)
	if err != nil {
		return fail("query to %s: %v", q.To, err)
	}
	if entry, _, _ := dst.Lookup(policy.IngressKey().WithIdentity(from).WithPortProto(proto, q.Port)); entry.IsDeny() {
		return false
	}
	if !fromPod {
		return true
	}
	src, err := endpointPolicy(from)
	if err != nil {
		return fail("query from %v: %v", q.From, err)
	}
	entry, _, _ := src.Lookup(policy.EgressKey().WithIdentity(to).WithPortProto(proto, q.Port))
	return !entry.IsDeny()
}

// owner is the endpoint a policy is distilled for.
type owner struct {
	id         uint64
	namedPorts map[string]uint16 // "name/PROTO" -> port
}

func (o *owner) GetID() uint64 { return o.id }
func (o *owner) GetIngressNamedPort(name string, proto u8proto.U8proto) uint16 {
	return o.namedPorts[name+"/"+proto.String()]
}
func (o *owner) PolicyDebug(string, ...any)                  {}
func (o *owner) IsHost() bool                                { return false }
func (o *owner) PreviousMapStateSizes() policy.MapStateSizes { return policy.MapStateSizes{} }
func (o *owner) RegenerateIfAlive(*regeneration.ExternalRegenerationMetadata) <-chan bool {
	ch := make(chan bool)
	close(ch)
	return ch
}

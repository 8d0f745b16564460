package coverage

import (
	"errors"

	"github.com/cilium/cilium/pkg/policy/api"
	"k8s.io/apimachinery/pkg/labels"
)

// ciliumRuleForm is what the engine reads of one Cilium rule in the
// namespace of its policy ("" for a clusterwide one): everything that does
// not depend on the recompute, compiled once per rule object.
type ciliumRuleForm struct {
	// selector is the rule's selector as written ("node:..." for a node
	// selector).
	selector string
	// host is true for a rule with a node selector: it applies to nodes.
	host bool
	// endpoints is the compiled endpoint selector; nil with endpointsErr.
	endpoints    labels.Selector
	endpointsErr error
	// namespaceWide is true for an empty (not absent) endpoint selector.
	namespaceWide bool
	// namespaceOnly: the selector reads only namespace-level labels.
	namespaceOnly bool
	indexKey      string
	items         []ruleItem
	decides       [2]peerSet
	// rejected is why the Cilium agent refuses the rule; nil if it
	// accepts it.
	rejected error
}

// ciliumRuleForms are the compiled forms, by rule object and namespace.
var ciliumRuleForms = newWeakMemo[api.Rule, *ciliumRuleForm]()

// ruleForm returns the compiled form of a Cilium rule of a policy in a
// namespace ("" for clusterwide), compiled once per rule object.
func ruleForm(r *api.Rule, namespace string) *ciliumRuleForm {
	return ciliumRuleForms.get(r, namespace, func() *ciliumRuleForm { return compileRuleForm(r, namespace) })
}

func compileRuleForm(r *api.Rule, namespace string) *ciliumRuleForm {
	f := &ciliumRuleForm{}
	if err := r.DeepCopy().Sanitize(); err != nil { // Sanitize rewrites the rule
		f.rejected = err
	} else if namespace != "" && r.NodeSelector.LabelSelector != nil {
		f.rejected = errors.New("a namespaced policy's rule cannot have a nodeSelector")
	}
	if r.NodeSelector.LabelSelector != nil {
		f.host = true
		f.selector = "node:" + ciliumSelectorString(r.NodeSelector.LabelSelector)
		return f
	}
	f.selector = ciliumSelectorString(r.EndpointSelector.LabelSelector)
	f.endpoints, f.endpointsErr = ciliumSelector(r.EndpointSelector.LabelSelector)
	if f.endpointsErr != nil {
		return f
	}
	f.namespaceWide = r.EndpointSelector.LabelSelector != nil && f.endpoints.Empty()
	f.namespaceOnly = namespaceLevel(f.endpoints)
	f.indexKey = indexKeyCilium(r.EndpointSelector.LabelSelector)
	f.items = compileItems(ruleSource{cilium: r}, namespace)
	f.decides = decidedOnEveryPort(f.items)
	return f
}

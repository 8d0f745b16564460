package scope

import (
	"maps"
	"slices"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"

	"netinventory.io/netinventory/internal/snapshot"
)

// servicePods memoizes the pods each Service selects, through an index of
// the pods of a namespace by the value of one label key: the phases ask
// for the same Services, and a Service is matched once per Scope.
type servicePods struct {
	mu    sync.Mutex
	index map[string]map[string][]*snapshot.Pod // namespace/key -> value -> pods
	bySvc map[*corev1.Service][]*snapshot.Pod
}

// ServicePods returns the active pods of a Service's namespace that its
// selector matches, in name order; none for a Service without a selector.
// Safe for concurrent use.
func (sc *Scope) ServicePods(svc *corev1.Service) []*snapshot.Pod {
	if len(svc.Spec.Selector) == 0 {
		return nil
	}
	sp := &sc.servicePods
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if pods, ok := sp.bySvc[svc]; ok {
		return pods
	}
	if sp.bySvc == nil {
		sp.bySvc, sp.index = map[*corev1.Service][]*snapshot.Pod{}, map[string]map[string][]*snapshot.Pod{}
	}
	key := slices.Min(slices.Collect(maps.Keys(svc.Spec.Selector)))
	index := sp.index[svc.Namespace+"/"+key]
	if index == nil {
		index = map[string][]*snapshot.Pod{}
		for _, p := range sc.Pods[svc.Namespace] {
			if v, ok := p.Labels[key]; ok {
				index[v] = append(index[v], p)
			}
		}
		sp.index[svc.Namespace+"/"+key] = index
	}
	selector := labels.SelectorFromSet(svc.Spec.Selector)
	var pods []*snapshot.Pod
	for _, p := range index[svc.Spec.Selector[key]] {
		if selector.Matches(labels.Set(p.Labels)) {
			pods = append(pods, p)
		}
	}
	sp.bySvc[svc] = pods
	return pods
}

package controller

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/recorder"

	"netinventory.io/netinventory/api/v1alpha1"
)

// Event reasons.
const (
	ReasonEndpointAdded   = "EndpointAdded"
	ReasonEndpointRemoved = "EndpointRemoved"
	ReasonFindingOpened   = "FindingOpened"
	ReasonFindingResolved = "FindingResolved"
	ReasonMoreChanges     = "MoreChanges"
)

// maxEventsPerChange bounds the Events one recompute records; the rest is
// summed up in one more. The event broadcaster also aggregates repeats.
const maxEventsPerChange = 10

func endpointKey(e v1alpha1.EndpointEntry) string {
	return fmt.Sprintf("%s on %s/%s (%s %s/%s)", e.Hostname, e.Gateway, e.Listener, e.Route.Kind, e.Route.Namespace, e.Route.Name)
}

func findingKey(f v1alpha1.Finding) string { return f.Rule + " " + f.Subject }

// change is one event to record.
type change struct {
	eventType, reason, note string
}

// diffEvents lists what changed between two statuses: endpoints added and
// removed, findings opened and resolved. A list that is truncated on
// either side is not compared, to not report what was only cut.
func diffEvents(old, new *v1alpha1.NetworkInventoryStatus) []change {
	var out []change
	if !old.Endpoints.Truncated && !new.Endpoints.Truncated && old.LastRecomputeTime != nil {
		added, removed := diff(old.Endpoints.Items, new.Endpoints.Items, endpointKey)
		for _, k := range added {
			out = append(out, change{corev1.EventTypeNormal, ReasonEndpointAdded, "endpoint exposed: " + k})
		}
		for _, k := range removed {
			out = append(out, change{corev1.EventTypeNormal, ReasonEndpointRemoved, "endpoint no longer exposed: " + k})
		}
	}
	if !old.Findings.Truncated && !new.Findings.Truncated && old.LastRecomputeTime != nil {
		open := func(fs []v1alpha1.Finding) []v1alpha1.Finding {
			var out []v1alpha1.Finding
			for _, f := range fs {
				if !f.Acknowledged {
					out = append(out, f)
				}
			}
			return out
		}
		oldOpen, newOpen := open(old.Findings.Items), open(new.Findings.Items)
		messages := map[string]v1alpha1.Finding{}
		for _, f := range newOpen {
			messages[findingKey(f)] = f
		}
		opened, resolved := diff(oldOpen, newOpen, findingKey)
		for _, k := range opened {
			f := messages[k]
			kind := corev1.EventTypeNormal
			if f.Priority == v1alpha1.PriorityCritical || f.Priority == v1alpha1.PriorityHigh {
				kind = corev1.EventTypeWarning
			}
			out = append(out, change{kind, ReasonFindingOpened, fmt.Sprintf("%s finding opened: %s", f.Priority, f.Message)})
		}
		for _, k := range resolved {
			out = append(out, change{corev1.EventTypeNormal, ReasonFindingResolved, "finding resolved: " + k})
		}
	}
	return out
}

// diff returns the keys only in b (added) and only in a (removed), in
// list order.
func diff[T any](a, b []T, key func(T) string) (added, removed []string) {
	inA, inB := map[string]bool{}, map[string]bool{}
	for _, x := range a {
		inA[key(x)] = true
	}
	for _, x := range b {
		inB[key(x)] = true
		if !inA[key(x)] {
			added = append(added, key(x))
		}
	}
	for _, x := range a {
		if !inB[key(x)] {
			removed = append(removed, key(x))
		}
	}
	return added, removed
}

// recordEvents records the changes on the inventory, at most
// maxEventsPerChange of them and one that counts the rest.
func recordEvents(rec recorder.EventRecorder, ni *v1alpha1.NetworkInventory, changes []change) {
	if rec == nil {
		return
	}
	for i, c := range changes {
		if i == maxEventsPerChange {
			rec.Eventf(ni, nil, corev1.EventTypeNormal, ReasonMoreChanges, "Recompute", "%d more changes; see the status", len(changes)-i)
			return
		}
		rec.Eventf(ni, nil, c.eventType, c.reason, "Recompute", "%s", c.note)
	}
}

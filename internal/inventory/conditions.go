package inventory

import (
	"fmt"
	"unicode/utf8"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/inventory/model"
	"netinventory.io/netinventory/internal/inventory/rules"
	"netinventory.io/netinventory/internal/inventory/scope"
	"netinventory.io/netinventory/internal/snapshot"
)

// Condition reasons.
const (
	ReasonAllSourcesAvailable            = "AllSourcesAvailable"
	ReasonSourcesMissing                 = "SourcesMissing"
	ReasonCriticalFindingsOpen           = "CriticalFindingsOpen"
	ReasonNoCriticalFindings             = "NoCriticalFindings"
	ReasonUnauthenticatedPublicEndpoints = "UnauthenticatedPublicEndpointsFound"
	ReasonAllPublicEndpointsGuarded      = "AllPublicEndpointsGuarded"
	ReasonNoExposureGaps                 = "NoExposureGaps"
	ReasonNamespacesNotIsolated          = "NamespacesNotIsolated"
	ReasonNoNamespaceLeftOpen            = "NoNamespaceLeftOpen"
	ReasonInvalidSpecFields              = "InvalidSpecFields"
	ReasonSpecApplied                    = "SpecApplied"
)

// conditionNames is how many items a condition message names.
const conditionNames = 5

// gapCondition is a condition that is True while open findings of the
// rules that feed it exist.
type gapCondition struct {
	Type string
	// Found and None are the reasons while True and False; with
	// ReasonIsRule the worst finding's rule is the reason while True.
	Found, None  string
	ReasonIsRule bool
	// FoundText heads the message naming the subjects; NoneText is the
	// message while False.
	FoundText string
	NoneText  func(md *model.Model) string
}

// gapConditions are the gap conditions, in the order they are reported.
var gapConditions = []gapCondition{
	{Type: v1alpha1.ConditionCriticalFindings, Found: ReasonCriticalFindingsOpen, None: ReasonNoCriticalFindings,
		FoundText: "critical findings open", NoneText: fixed("no open critical finding")},
	{Type: v1alpha1.ConditionUnauthenticatedPublicEndpoints, Found: ReasonUnauthenticatedPublicEndpoints, None: ReasonAllPublicEndpointsGuarded,
		FoundText: "public endpoints without authentication", NoneText: func(md *model.Model) string {
			return fmt.Sprintf("every public endpoint (%d) has authentication, enforced or declared, or is acknowledged", countPublic(md))
		}},
	{Type: v1alpha1.ConditionExposureGaps, ReasonIsRule: true, None: ReasonNoExposureGaps,
		FoundText: "exposure gaps of High or Critical priority", NoneText: fixed("no open exposure gap of High or Critical priority")},
	{Type: v1alpha1.ConditionNamespacesNotIsolated, Found: ReasonNamespacesNotIsolated, None: ReasonNoNamespaceLeftOpen,
		FoundText: "namespaces whose running pods no policy isolates in either direction, selected or not",
		NoneText:  fixed("in every namespace with running pods, policies isolate some pods in at least one direction, or the namespace is acknowledged")},
	{Type: v1alpha1.ConditionSpecProblems, Found: ReasonInvalidSpecFields, None: ReasonSpecApplied,
		FoundText: "spec fields that cannot be applied", NoneText: fixed("every field of the spec applies")},
}

func fixed(text string) func(*model.Model) string { return func(*model.Model) string { return text } }

// conditions returns the engine's conditions, without transition times.
// Gap conditions are True while open findings of the rules that feed them
// exist; findings come sorted, most urgent first.
func conditions(snap *snapshot.Snapshot, md *model.Model, findings []v1alpha1.Finding) []metav1.Condition {
	out := []metav1.Condition{sourcesCondition(snap)}
	for _, gc := range gapConditions {
		var subjects []string
		seen := map[string]bool{}
		reason := gc.Found
		for _, f := range findings {
			rule, _ := rules.ByName(f.Rule)
			if f.Acknowledged || !rule.Raises(gc.Type, f.Priority) || seen[f.Subject] {
				continue
			}
			if len(subjects) == 0 && gc.ReasonIsRule {
				reason = f.Rule
			}
			seen[f.Subject] = true
			subjects = append(subjects, f.Subject)
		}
		if len(subjects) == 0 {
			out = append(out, metav1.Condition{Type: gc.Type, Status: metav1.ConditionFalse, Reason: gc.None, Message: gc.NoneText(md)})
			continue
		}
		out = append(out, metav1.Condition{Type: gc.Type, Status: metav1.ConditionTrue, Reason: reason,
			Message: bounded(fmt.Sprintf("%s (%d): %s", gc.FoundText, len(subjects), scope.Named(subjects, conditionNames)))})
	}
	return out
}

func countPublic(md *model.Model) int {
	n := 0
	for _, e := range md.Endpoints {
		if e.Exposure == v1alpha1.ExposurePublic {
			n++
		}
	}
	return n
}

func sourcesCondition(snap *snapshot.Snapshot) metav1.Condition {
	missing := snap.Missing()
	if len(missing) == 0 {
		return metav1.Condition{
			Type: v1alpha1.ConditionSourcesAvailable, Status: metav1.ConditionTrue,
			Reason: ReasonAllSourcesAvailable, Message: "every source kind is served by the cluster",
		}
	}
	names := make([]string, 0, len(missing))
	for _, src := range missing {
		names = append(names, src.String())
	}
	return metav1.Condition{
		Type: v1alpha1.ConditionSourcesAvailable, Status: metav1.ConditionFalse, Reason: ReasonSourcesMissing,
		Message: bounded(fmt.Sprintf("not served by the cluster (CRDs not installed), inventoried without them: %s", scope.Named(names, conditionNames))),
	}
}

// BoundedMessage cuts a condition message to MaxConditionMessage bytes, as
// the engine's own condition messages are: the controller bounds its
// Ready message with it.
func BoundedMessage(msg string) string { return bounded(msg) }

// bounded cuts a condition message to MaxConditionMessage bytes, ending
// with "...", without splitting a UTF-8 sequence. Messages name at most
// conditionNames subjects, which may be long hostnames or references.
func bounded(msg string) string {
	if len(msg) <= MaxConditionMessage {
		return msg
	}
	n := MaxConditionMessage - len("...")
	for n > 0 && !utf8.RuneStart(msg[n]) {
		n--
	}
	return msg[:n] + "..."
}

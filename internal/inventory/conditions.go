package inventory

import (
	"fmt"
	"strings"
	"unicode/utf8"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/inventory/model"
	"netinventory.io/netinventory/internal/inventory/rules"
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
	ReasonNamespacesWithoutPolicies      = "NamespacesWithoutPolicies"
	ReasonAllNamespacesCovered           = "AllNamespacesCovered"
)

// conditionNames is how many items a condition message names.
const conditionNames = 5

// conditions returns the engine's conditions, without transition times.
// Gap conditions are True while the gap exists and count open findings only.
func conditions(snap *snapshot.Snapshot, md *model.Model, findings []v1alpha1.Finding) []metav1.Condition {
	open := func(keep func(v1alpha1.Finding) bool) []string {
		var subjects []string
		seen := map[string]bool{}
		for _, f := range findings {
			if !f.Acknowledged && keep(f) && !seen[f.Subject] {
				seen[f.Subject] = true
				subjects = append(subjects, f.Subject)
			}
		}
		return subjects
	}
	critical := open(func(f v1alpha1.Finding) bool { return f.Priority == v1alpha1.PriorityCritical })
	exposureGaps := open(func(f v1alpha1.Finding) bool {
		return rules.FamilyOf(f.Rule) == rules.FamilyExposure && priorityRank(f.Priority) <= priorityRank(v1alpha1.PriorityHigh)
	})
	exposureReason := ReasonNoExposureGaps
	for _, f := range findings { // sorted: the first open one is the worst
		if !f.Acknowledged && len(exposureGaps) > 0 && rules.FamilyOf(f.Rule) == rules.FamilyExposure {
			exposureReason = f.Rule
			break
		}
	}
	unauthenticated := open(func(f v1alpha1.Finding) bool { return f.Rule == "PublicEndpointWithoutAuthentication" })
	uncovered := open(func(f v1alpha1.Finding) bool { return f.Rule == "NamespaceWithoutPolicies" })
	return []metav1.Condition{
		sourcesCondition(snap),
		gapCondition(v1alpha1.ConditionCriticalFindings, critical, ReasonCriticalFindingsOpen, ReasonNoCriticalFindings,
			"critical findings open", "no open critical finding"),
		gapCondition(v1alpha1.ConditionUnauthenticatedPublicEndpoints, unauthenticated, ReasonUnauthenticatedPublicEndpoints,
			ReasonAllPublicEndpointsGuarded, "public endpoints without authentication",
			fmt.Sprintf("every public endpoint (%d) has authentication, enforced or declared, or is acknowledged", countPublic(md))),
		gapCondition(v1alpha1.ConditionExposureGaps, exposureGaps, exposureReason, ReasonNoExposureGaps,
			"exposure gaps of High or Critical priority", "no open exposure gap of High or Critical priority"),
		gapCondition(v1alpha1.ConditionUncoveredNamespaces, uncovered, ReasonNamespacesWithoutPolicies, ReasonAllNamespacesCovered,
			"namespaces with running pods and no policy isolating them", "every namespace with running pods has policies isolating some of them, or is acknowledged"),
	}
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

// gapCondition is True, naming the worst subjects (they come sorted by
// urgency), while subjects is not empty.
func gapCondition(conditionType string, subjects []string, found, none, foundText, noneText string) metav1.Condition {
	if len(subjects) == 0 {
		return metav1.Condition{Type: conditionType, Status: metav1.ConditionFalse, Reason: none, Message: noneText}
	}
	return metav1.Condition{Type: conditionType, Status: metav1.ConditionTrue, Reason: found,
		Message: bounded(fmt.Sprintf("%s (%d): %s", foundText, len(subjects), namedList(subjects, conditionNames)))}
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
		Message: bounded(fmt.Sprintf("not served by the cluster (CRDs not installed), inventoried without them: %s", namedList(names, conditionNames))),
	}
}

// namedList joins the first n names and says how many more there are.
func namedList(names []string, n int) string {
	if len(names) <= n {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:n], ", "), len(names)-n)
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

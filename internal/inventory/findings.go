package inventory

import (
	"cmp"
	"slices"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"netinventory.io/netinventory/api/v1alpha1"
)

// acknowledge marks the findings an unexpired acknowledgement accepts.
func acknowledge(findings []v1alpha1.Finding, acks []v1alpha1.Acknowledgement, now time.Time) []v1alpha1.Finding {
	for i := range findings {
		f := &findings[i]
		for _, a := range acks {
			if a.Rule != f.Rule || (a.Subject != "*" && a.Subject != f.Subject) {
				continue
			}
			if a.Expires != nil && !now.Before(a.Expires.Time) {
				continue
			}
			f.Acknowledged = true
			f.AcknowledgedReason = a.Reason
			if a.Expires != nil {
				f.AcknowledgedUntil = &metav1.Time{Time: a.Expires.Time}
			}
			break
		}
	}
	return findings
}

// sortFindings orders open findings before acknowledged ones, then by
// priority, rule and subject, and returns them.
func sortFindings(findings []v1alpha1.Finding) []v1alpha1.Finding {
	slices.SortStableFunc(findings, func(a, b v1alpha1.Finding) int {
		ack := func(f v1alpha1.Finding) int {
			if f.Acknowledged {
				return 1
			}
			return 0
		}
		return cmp.Or(cmp.Compare(ack(a), ack(b)), cmp.Compare(a.Priority.Rank(), b.Priority.Rank()),
			cmp.Compare(a.Rule, b.Rule), cmp.Compare(a.Subject, b.Subject), cmp.Compare(a.Message, b.Message))
	})
	return findings
}

package v1alpha1

// ListBounds says how much of a status list is shown: every list is capped
// (spec.limits) and, to keep the object small, may be shortened further.
type ListBounds struct {
	// Total is the number of items, listed or not.
	Total int32 `json:"total"`
	// Truncated is true when Items holds fewer than Total.
	// +optional
	Truncated bool `json:"truncated,omitempty"`
}

// Priorities are the priorities, most urgent first: findings are sorted,
// reports grouped and metrics labelled in this order.
var Priorities = []Priority{PriorityCritical, PriorityHigh, PriorityMedium, PriorityLow}

// Rank orders priorities: 0 is the most urgent, -1 an unknown priority.
func (p Priority) Rank() int {
	for i, q := range Priorities {
		if p == q {
			return i
		}
	}
	return -1
}

// CoverageStates are the namespace coverage states, from the best covered
// to the least: reports and metrics list them in this order.
var CoverageStates = []CoverageState{CoverageCovered, CoverageDefaultDeny, CoveragePartial, CoverageSelectedNotIsolated,
	CoverageNone, CoverageHostNetworkOnly, CoverageEmpty}

// AuthenticationModes are the authentication modes, from the weakest to
// the strongest.
var AuthenticationModes = []AuthenticationMode{AuthenticationNone, AuthenticationUnknown, AuthenticationOptional, AuthenticationDeclared,
	AuthenticationRequired}

// Rank orders authentication modes from the weakest (0); -1 when unknown.
func (m AuthenticationMode) Rank() int {
	for i, q := range AuthenticationModes {
		if m == q {
			return i
		}
	}
	return -1
}

// Exposures are the exposures, the most exposed first.
var Exposures = []Exposure{ExposurePublic, ExposureInternal}

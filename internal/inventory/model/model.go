// Package model holds the engine's intermediate model: what the inventory
// computed from a Snapshot, in the form the gap rules read. It is plain data,
// built by package inventory and read by package rules.
package model

import (
	"iter"
	"slices"
	"strings"
	"time"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/snapshot"
)

// Model is what the engine knows about a cluster. Every list is sorted.
type Model struct {
	// Now is the time the inventory is computed at.
	Now time.Time
	// Spec is the NetworkInventory's spec.
	Spec *v1alpha1.NetworkInventorySpec
	// PolicyEnforcement is Cilium's enforcement mode (enable-policy):
	// default, always or never.
	PolicyEnforcement snapshot.PolicyEnforcement

	Gateways         []v1alpha1.GatewayEntry
	Endpoints        []v1alpha1.EndpointEntry
	Services         []v1alpha1.ServiceEntry
	SecurityPolicies []SecurityPolicy
	ReferenceGrants  []v1alpha1.ReferenceGrantEntry
	Namespaces       []v1alpha1.NamespaceEntry
	NetworkPolicies  []v1alpha1.NetworkPolicyEntry
	Flows            []v1alpha1.FlowEntry

	// RouteProblems are route attachments that expose nothing: not
	// accepted, unresolved references, parents that do not exist or do not
	// admit the route.
	RouteProblems []RouteProblem
	// References are the cross-namespace and backend references routes,
	// gateways and policies make, resolved or not.
	References []Reference
	// SpecProblems are parts of the spec that could not be applied, such
	// as a rule with an invalid selector.
	SpecProblems []SpecProblem

	// PodsByNamespace is the policy coverage of every running pod in
	// scope, by namespace (those with pods, in order) and name. A
	// namespace's list may be shared with other recomputes: read-only.
	PodsByNamespace []NamespacePods
	// PolicyProblems are policies that enforce nothing.
	PolicyProblems []PolicyProblem
	// Disagreements are namespaces where Cilium and Kubernetes policies
	// select different pods.
	Disagreements []KindDisagreement
}

// SecurityPolicy is a SecurityPolicy and what it ended up applying to.
type SecurityPolicy struct {
	v1alpha1.SecurityPolicyEntry
	// TargetsFound is the number of existing objects the policy targets.
	TargetsFound int
	// OverriddenFor are the listeners and routes where a more specific
	// policy replaces this one, sorted.
	OverriddenFor []EndpointRef
}

// RouteProblem is a route parent attachment that does not expose the route.
type RouteProblem struct {
	// Route is the route.
	Route v1alpha1.ObjectRef
	// Parent is the parent as namespace/name[/section].
	Parent string
	// Reason is the cause.
	Reason ProblemReason
	// Message explains it.
	Message string
}

// Reference is one reference from an object to another object.
type Reference struct {
	// From is the referring object.
	From v1alpha1.ObjectRef
	// FromGroup is the referring object's API group.
	FromGroup string
	// To is the referenced object.
	To v1alpha1.ObjectRef
	// ToGroup is the referenced object's API group.
	ToGroup string
	// CrossNamespace is true when From and To are in different namespaces.
	CrossNamespace bool
	// Permitted is false for a cross-namespace reference no ReferenceGrant
	// allows.
	Permitted bool
	// Grant is the ReferenceGrant (namespace/name) that permits it.
	Grant string
	// Exists is false when the referenced object does not exist; only
	// checked for kinds the inventory reads.
	Exists bool
}

// NamespacePods are the pods of one namespace.
type NamespacePods struct {
	// Namespace is the namespace's name.
	Namespace string
	// Pods are its pods, by name.
	Pods []PodCoverage
}

// PodCoverage is how policies apply to one pod.
type PodCoverage struct {
	// Pod is the pod (shared with the snapshot, read-only).
	Pod *snapshot.Pod
	// SelectedBy are the policies that select the pod, as indexes into
	// Model.NetworkPolicies.
	SelectedBy []int32
	// HostNetwork pods are not subject to pod policies.
	HostNetwork bool
	// DefaultDeny is, per direction, whether a selecting policy puts the
	// pod into default deny.
	DefaultDeny PerDirection
	// Isolated is, per direction, whether the pod is restricted: default
	// deny and no selecting policy allowing everything.
	Isolated PerDirection
}

// PolicyProblem is a network policy the engine could not apply.
type PolicyProblem struct {
	Policy v1alpha1.ObjectRef
	// Reason is why it enforces nothing.
	Reason PolicyProblemReason
	Detail string
}

// KindDisagreement is a namespace whose CiliumNetworkPolicies and
// NetworkPolicies select different pods.
type KindDisagreement struct {
	Namespace string
	// OnlyCilium are pods only Cilium policies select; OnlyNetworkPolicy,
	// pods only NetworkPolicies select (the first, and how many).
	OnlyCilium, OnlyNetworkPolicy Few
}

// SpecProblem is a field of the spec that could not be applied.
type SpecProblem struct {
	// Field is the field's path, e.g. spec.exposure.rules[0].selector.
	Field string
	// Message says what is wrong.
	Message string
}

// Pods returns the policy coverage of every running pod in scope, by
// namespace and name.
func (m *Model) Pods() iter.Seq[*PodCoverage] {
	return func(yield func(*PodCoverage) bool) {
		for _, ns := range m.PodsByNamespace {
			for i := range ns.Pods {
				if !yield(&ns.Pods[i]) {
					return
				}
			}
		}
	}
}

// PodsOf returns the policy coverage of a namespace's running pods, by
// name (none when it is out of scope or has none).
func (m *Model) PodsOf(namespace string) []PodCoverage {
	i, found := slices.BinarySearchFunc(m.PodsByNamespace, namespace, func(ns NamespacePods, name string) int {
		return strings.Compare(ns.Namespace, name)
	})
	if !found {
		return nil
	}
	return m.PodsByNamespace[i].Pods
}

package model

import (
	"slices"
	"testing"

	"netinventory.io/netinventory/internal/snapshot"
)

// Pods walks every namespace's pods in order; PodsOf finds one namespace's.
func TestPodsByNamespaceAreWalkedAndFound(t *testing.T) {
	pod := func(ns, name string) PodCoverage {
		return PodCoverage{Pod: &snapshot.Pod{PodMeta: snapshot.PodMeta{Namespace: ns, Name: name}}}
	}
	m := &Model{PodsByNamespace: []NamespacePods{
		{Namespace: "a", Pods: []PodCoverage{pod("a", "x"), pod("a", "y")}},
		{Namespace: "c", Pods: []PodCoverage{pod("c", "z")}},
	}}
	var names []string
	for p := range m.Pods() {
		names = append(names, p.Pod.Namespace+"/"+p.Pod.Name)
		if p.Pod.Name == "x" {
			p.Isolated[0] = true // the walk yields the pods themselves
		}
	}
	if want := []string{"a/x", "a/y", "c/z"}; !slices.Equal(names, want) {
		t.Errorf("Pods walks %v, want %v", names, want)
	}
	if !m.PodsByNamespace[0].Pods[0].Isolated[0] {
		t.Error("Pods yields copies")
	}
	for p := range m.Pods() {
		if p.Pod.Name != "x" {
			t.Errorf("the walk goes on after the loop stops, at %s", p.Pod.Name)
		}
		break
	}
	for ns, want := range map[string]int{"a": 2, "c": 1, "b": 0, "": 0, "d": 0} {
		if got := m.PodsOf(ns); len(got) != want || (want > 0 && got[0].Pod.Namespace != ns) {
			t.Errorf("PodsOf(%q) = %d pods, want %d", ns, len(got), want)
		}
	}
}

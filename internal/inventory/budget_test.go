package inventory

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/inventory/model"
	"netinventory.io/netinventory/internal/snapshot"
	"netinventory.io/netinventory/internal/synthetic"
)

// written is the status as the controller writes it: the computed status,
// observedGeneration, both times, and the engine's conditions plus Ready,
// each with a transition time and observedGeneration. Ready is True with
// the controller's message, or, failing, False with an error message of
// MaxConditionMessage bytes over the last status.
func written(res *Result, generation int64, now time.Time, failing bool) *v1alpha1.NetworkInventoryStatus {
	st := res.Status.DeepCopy()
	t := metav1.NewTime(now)
	st.ObservedGeneration = generation
	st.LastRecomputeTime, st.LastChangeTime = &t, &t
	ready := metav1.Condition{Type: v1alpha1.ConditionReady, Status: metav1.ConditionTrue, Reason: "InventoryComputed",
		Message: fmt.Sprintf("inventory of %d namespaces, %d gateways, %d endpoints", st.Summary.Namespaces, st.Summary.Gateways, st.Summary.Endpoints)}
	if failing {
		ready.Status, ready.Reason = metav1.ConditionFalse, "SourceError"
		ready.Message = strings.Repeat("listing pods: the server is currently unable to handle the request; ", 20)[:MaxConditionMessage]
	}
	for _, c := range append(res.Conditions, ready) {
		c.LastTransitionTime, c.ObservedGeneration = t, generation
		st.Conditions = append(st.Conditions, c)
	}
	return st
}

// TestWrittenStatusFitsTheBudget: at 10,000 namespaces the status as
// written, conditions, times and generation included, is within the
// budget; lists are cut, counts are not.
func TestWrittenStatusFitsTheBudget(t *testing.T) {
	shape := synthetic.Shape{Namespaces: 10_000, Pods: 40_000, Policies: 2_000, Gateways: 2, Routes: 500}
	snap := synthetic.Generate(shape)
	most := int32(MaxItemsPerListLimit)
	for _, spec := range []v1alpha1.NetworkInventorySpec{{}, {Limits: v1alpha1.Limits{MaxItemsPerList: &most, MaxFindings: &most}}} {
		res, err := Compute(snap, &spec, goldenNow)
		if err != nil {
			t.Fatal(err)
		}
		checkWritten(t, snap.Namespaces, shape, res)
	}
}

func checkWritten(t *testing.T, namespaces []corev1.Namespace, shape synthetic.Shape, res *Result) {
	t.Helper()
	if c := res.Status; c.Conditions != nil || c.ObservedGeneration != 0 || c.LastRecomputeTime != nil || c.LastChangeTime != nil {
		t.Errorf("the engine leaves the writer's fields to the writer: %v %d %v %v", c.Conditions, c.ObservedGeneration, c.LastRecomputeTime, c.LastChangeTime)
	}
	for _, failing := range []bool{true, false} {
		data, err := json.Marshal(written(res, 1<<40, goldenNow, failing))
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("written status (Ready failing %v): %d bytes of %d", failing, len(data), StatusBudget)
		if len(data) > StatusBudget {
			t.Fatalf("the written status (Ready failing %v) is %d bytes, over the %d budget", failing, len(data), StatusBudget)
		}
	}
	st := written(res, 1<<40, goldenNow, false)
	data, _ := json.Marshal(st)
	sum := st.Summary
	if sum.Namespaces != int32(len(namespaces)) || sum.Gateways != 2 || sum.Endpoints != 500 || int(sum.Pods) < shape.Pods {
		t.Errorf("the summary counts everything: %+v", sum)
	}
	if st.Namespaces.Total != sum.Namespaces || !st.Namespaces.Truncated || len(st.Namespaces.Items) >= int(sum.Namespaces) {
		t.Errorf("the namespace list is cut, its total is not: %d items of %d", len(st.Namespaces.Items), st.Namespaces.Total)
	}
	if !strings.Contains(string(data), `"message":"inventory of 10001 namespaces, 2 gateways, 500 endpoints"`) {
		t.Errorf("the Ready condition is in the measured status")
	}
}

// TestConditionMessagesAreBounded: a gap condition names at most five
// subjects, and however long they are its message stays within
// MaxConditionMessage bytes, its count intact.
func TestConditionMessagesAreBounded(t *testing.T) {
	var subjects []string
	for i := range 40 {
		subjects = append(subjects, fmt.Sprintf("%03d.%s.example.com", i, strings.Repeat("é", 120)))
	}
	gap := func(subjects []string) metav1.Condition {
		var findings []v1alpha1.Finding
		for _, s := range subjects {
			findings = append(findings, v1alpha1.Finding{Rule: "PublicEndpointWithoutAuthentication", Priority: v1alpha1.PriorityCritical, Subject: s})
		}
		for _, c := range conditions(&snapshot.Snapshot{}, &model.Model{}, findings) {
			if c.Type == v1alpha1.ConditionUnauthenticatedPublicEndpoints {
				return c
			}
		}
		t.Fatal("no UnauthenticatedPublicEndpoints condition")
		return metav1.Condition{}
	}
	c := gap(subjects)
	const head = "public endpoints without authentication"
	if len(c.Message) > MaxConditionMessage || !strings.HasPrefix(c.Message, head+" (40): 000.") ||
		!strings.HasSuffix(c.Message, "...") || !utf8.ValidString(c.Message) {
		t.Errorf("message of %d bytes: %.80q...%q", len(c.Message), c.Message, c.Message[max(0, len(c.Message)-20):])
	}
	short := gap([]string{"a", "b", "c", "d", "e", "f", "g"})
	if short.Message != head+" (7): a, b, c, d, e and 2 more" {
		t.Errorf("a message that fits is whole: %q", short.Message)
	}
}

// The budget is measured on the JSON the writer sends.
func TestJSONSizeIsTheLengthOfTheJSON(t *testing.T) {
	st := &v1alpha1.NetworkInventoryStatus{Findings: v1alpha1.FindingList{Items: []v1alpha1.Finding{{Message: "<a & b> \u2028 é"}}}}
	data, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	if size, err := jsonSize(st); err != nil || size != len(data) {
		t.Errorf("jsonSize %d (%v), the JSON has %d bytes", size, err, len(data))
	}
}

// fitByEncoding is the budget's rule applied by encoding the status after
// every cut: fitBudget, which encodes it once and then counts what it
// cuts, must cut exactly the same items.
func fitByEncoding(st *v1alpha1.NetworkInventoryStatus, conds []metav1.Condition, budget int) {
	restore := asWritten(st, conds)
	defer restore()
	lists := statusLists(st)
	for {
		if size, err := jsonSize(st); err != nil || size <= budget {
			return
		}
		longest := longestToCut(lists)
		if longest < 0 {
			return
		}
		lists[longest].cut(lists[longest].length() * 3 / 4)
		*lists[longest].truncated = true
	}
}

func TestBudgetCountsWhatItCutsAsEncodingWould(t *testing.T) {
	snap := synthetic.Generate(synthetic.Shape{Namespaces: 600, Pods: 20_000, Policies: 3_000, Gateways: 2, Routes: 400})
	most := int32(MaxItemsPerListLimit)
	res, err := Compute(snap, &v1alpha1.NetworkInventorySpec{Limits: v1alpha1.Limits{MaxItemsPerList: &most, MaxFindings: &most}}, goldenNow)
	if err != nil {
		t.Fatal(err)
	}
	full := res.Status.DeepCopy()
	full.Flows.Items = append(full.Flows.Items, v1alpha1.FlowEntry{From: "a/<b>&\"c\"", To: "é/ü", Policies: []string{"x"}}) // escaped characters
	for _, budget := range []int{StatusBudget, 64 * 1024, 20 * 1024, 4 * 1024, 1024} {
		want, got := full.DeepCopy(), full.DeepCopy()
		fitByEncoding(want, res.Conditions, budget)
		fitBudget(got, res.Conditions, budget)
		wantJSON, _ := json.Marshal(want)
		gotJSON, _ := json.Marshal(got)
		if string(wantJSON) != string(gotJSON) {
			t.Errorf("budget %d: fitBudget keeps %d bytes, encoding after every cut %d", budget, len(gotJSON), len(wantJSON))
		}
	}
}

// What fitBudget counts for a cut is exactly what the JSON loses: the
// items cut with their commas, less the truncated marker it gains.
func TestBudgetCutFreesWhatTheJSONLoses(t *testing.T) {
	snap := synthetic.Generate(synthetic.Shape{Namespaces: 60, Pods: 3_000, Policies: 400, Gateways: 2, Routes: 50})
	res, err := Compute(snap, &v1alpha1.NetworkInventorySpec{}, goldenNow)
	if err != nil {
		t.Fatal(err)
	}
	st := res.Status.DeepCopy()
	st.Flows.Items = append(st.Flows.Items, v1alpha1.FlowEntry{From: "a/<b>&\"c\"", To: "é/ü", Policies: []string{"x"}})
	st.Flows.Truncated, st.NetworkPolicies.Truncated = false, false
	for _, l := range []listView{view(&st.Flows.Items, &st.Flows.Truncated), view(&st.NetworkPolicies.Items, &st.NetworkPolicies.Truncated)} {
		if l.length() < 20 {
			t.Fatalf("the list is too short to cut: %d", l.length())
		}
		for _, keep := range []int{l.length() - 1, l.length() * 3 / 4, 1} {
			before, _ := jsonSize(st)
			freed := l.cut(keep)
			wantAfter := before - freed
			if !*l.truncated {
				*l.truncated, wantAfter = true, wantAfter+truncatedField
			}
			if after, _ := jsonSize(st); after != wantAfter {
				t.Errorf("cutting to %d items: the JSON has %d bytes, fitBudget counts %d", keep, after, wantAfter)
			}
		}
	}
}

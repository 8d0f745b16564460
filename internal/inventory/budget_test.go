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

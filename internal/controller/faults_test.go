package controller

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	ciliumv2 "github.com/cilium/cilium/pkg/k8s/apis/cilium.io/v2"
	"github.com/cilium/cilium/pkg/policy/api"
	egv1a1 "github.com/envoyproxy/gateway/api/v1alpha1"
	helmv2 "github.com/fluxcd/helm-controller/api/v2"
	notificationv1 "github.com/fluxcd/notification-controller/api/v1"
	fluxmeta "github.com/fluxcd/pkg/apis/meta"
	"github.com/prometheus/client_golang/prometheus/testutil"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	"netinventory.io/netinventory/api/v1alpha1"
	externaldnsv1a1 "netinventory.io/netinventory/internal/externaldns/v1alpha1"
	"netinventory.io/netinventory/internal/fixture"
	"netinventory.io/netinventory/internal/metrics"
	"netinventory.io/netinventory/internal/snapshot"
	"netinventory.io/netinventory/internal/testenv"
)

// statusPatch is a merge patch of a status condition, as controllers write.
func statusPatch(condType string) client.Patch {
	return client.RawPatch(types.MergePatchType, []byte(fmt.Sprintf(
		`{"status":{"conditions":[{"type":%q,"status":"True","reason":"Test","lastTransitionTime":"2026-12-01T09:56:00Z","message":"ok"}]}}`,
		condType)))
}

// parentsPatch is a merge patch of a route's parents or a policy's
// ancestors status, as Envoy Gateway writes it.
func parentsPatch(list, ref string, round int) client.Patch {
	return client.RawPatch(types.MergePatchType, []byte(fmt.Sprintf(
		`{"status":{%q:[{%q:{"group":"gateway.networking.k8s.io","kind":"Gateway","name":"edge"},`+
			`"controllerName":"gateway.envoyproxy.io/gatewayclass-controller","conditions":[{"type":"Accepted","status":"True",`+
			`"reason":"Accepted","message":"round %d","lastTransitionTime":"2026-12-01T09:56:00Z"}]}]}}`, list, ref, round)))
}

// TestStatusOnlyUpdatesOfEveryWatchedKind: every watched kind gets
// status-only updates after the manager started (Cilium agents write CNP
// status all the time); none crashes the manager or its handlers, and the
// inventory still follows the cluster afterwards.
func TestStatusOnlyUpdatesOfEveryWatchedKind(t *testing.T) {
	cfg, c := startAPIServer(t, fixture.GatewayAPI, fixture.EnvoyGateway, fixture.Cilium, fixture.ExternalDNS, fixture.Flux)
	startManager(t, cfg, ManagerOptions{})
	ctx := context.Background()
	panics := testutil.CollectAndCount(metrics.HandlerPanics)

	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "app"}}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "app", Name: "web", Labels: map[string]string{"app": "web"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "example/web:1"}}}}
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "app", Name: "web"},
		Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer, Selector: map[string]string{"app": "web"},
			Ports: []corev1.ServicePort{{Port: 80}}}}
	np := &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: "app", Name: "deny"},
		Spec: networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}}}
	gw := &gwv1.Gateway{ObjectMeta: metav1.ObjectMeta{Namespace: "app", Name: "edge"},
		Spec: gwv1.GatewaySpec{GatewayClassName: "envoy", Listeners: []gwv1.Listener{{Name: "http", Port: 80, Protocol: gwv1.HTTPProtocolType}}}}
	route := &gwv1.HTTPRoute{ObjectMeta: metav1.ObjectMeta{Namespace: "app", Name: "web"},
		Spec: gwv1.HTTPRouteSpec{CommonRouteSpec: gwv1.CommonRouteSpec{ParentRefs: []gwv1.ParentReference{{Name: "edge"}}},
			Hostnames: []gwv1.Hostname{"web.example.com"},
			Rules:     []gwv1.HTTPRouteRule{{BackendRefs: []gwv1.HTTPBackendRef{{BackendRef: gwv1.BackendRef{BackendObjectReference: gwv1.BackendObjectReference{Name: "web", Port: new(gwv1.PortNumber(80))}}}}}}}}
	grant := &gwv1.ReferenceGrant{ObjectMeta: metav1.ObjectMeta{Namespace: "app", Name: "from-other"},
		Spec: gwv1.ReferenceGrantSpec{From: []gwv1.ReferenceGrantFrom{{Group: gwv1.GroupName, Kind: "HTTPRoute", Namespace: "other"}},
			To: []gwv1.ReferenceGrantTo{{Kind: "Service"}}}}
	sp := &egv1a1.SecurityPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: "app", Name: "basic"},
		Spec: egv1a1.SecurityPolicySpec{PolicyTargetReferences: egv1a1.PolicyTargetReferences{TargetRefs: []gwv1.LocalPolicyTargetReferenceWithSectionName{
			{LocalPolicyTargetReference: gwv1.LocalPolicyTargetReference{Group: gwv1.GroupName, Kind: "HTTPRoute", Name: "web"}}}},
			BasicAuth: &egv1a1.BasicAuth{Users: gwv1.SecretObjectReference{Name: "users"}}}}
	cnp := &ciliumv2.CiliumNetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: "app", Name: "web"},
		Spec: &api.Rule{EndpointSelector: api.NewESFromLabels(), Ingress: []api.IngressRule{{IngressCommonRule: api.IngressCommonRule{
			FromEndpoints: []api.EndpointSelector{api.NewESFromLabels()}}}}}}
	ccnp := &ciliumv2.CiliumClusterwideNetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "world"},
		Spec: &api.Rule{EndpointSelector: api.WildcardEndpointSelector, Egress: []api.EgressRule{{EgressCommonRule: api.EgressCommonRule{
			ToEntities: api.EntitySlice{api.EntityWorld}}}}}}
	ctp := &egv1a1.ClientTrafficPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: "app", Name: "mtls"},
		Spec: egv1a1.ClientTrafficPolicySpec{PolicyTargetReferences: egv1a1.PolicyTargetReferences{TargetRefs: []gwv1.LocalPolicyTargetReferenceWithSectionName{
			{LocalPolicyTargetReference: gwv1.LocalPolicyTargetReference{Group: gwv1.GroupName, Kind: "Gateway", Name: "edge"}}}},
			TLS: &egv1a1.ClientTLSSettings{ClientValidation: &egv1a1.ClientValidationContext{}}}}
	dns := &externaldnsv1a1.DNSEndpoint{ObjectMeta: metav1.ObjectMeta{Namespace: "app", Name: "web"},
		Spec: externaldnsv1a1.DNSEndpointSpec{Endpoints: []*externaldnsv1a1.Endpoint{{DNSName: "web.example.com", RecordType: "A", Targets: []string{"192.0.2.9"}}}}}
	hr := &helmv2.HelmRelease{ObjectMeta: metav1.ObjectMeta{Namespace: "app", Name: "tunnel"},
		Spec: helmv2.HelmReleaseSpec{Interval: metav1.Duration{Duration: time.Hour}, Chart: &helmv2.HelmChartTemplate{Spec: helmv2.HelmChartTemplateSpec{
			Chart: "cloudflare-tunnel", SourceRef: helmv2.CrossNamespaceObjectReference{Kind: "HelmRepository", Name: "cloudflare"}}},
			Values: &apiextensionsv1.JSON{Raw: []byte(`{"cloudflare":{"ingress":[{"hostname":"*.example.com","service":"http://web.app:80"}]}}`)}}}
	receiver := &notificationv1.Receiver{ObjectMeta: metav1.ObjectMeta{Namespace: "app", Name: "github"},
		Spec: notificationv1.ReceiverSpec{Type: "github", SecretRef: fluxmeta.LocalObjectReference{Name: "token"},
			Resources: []notificationv1.CrossNamespaceObjectReference{{Kind: "GitRepository", Name: "repo"}}}}
	objects := []client.Object{ns, pod, svc, np, gw, route, grant, sp, cnp, ccnp, ctp, dns, hr, receiver}
	for _, obj := range objects {
		if err := c.Create(ctx, obj); err != nil {
			t.Fatalf("creating %T: %v", obj, err)
		}
	}
	createInventory(t, c, "cluster", v1alpha1.NetworkInventorySpec{})
	eventually(t, 30*time.Second, c, "cluster", func(ni *v1alpha1.NetworkInventory) error {
		if err := ready(ni); err != nil {
			return err
		}
		if s := sourceStatus(ni, "CiliumClusterwideNetworkPolicy"); s == nil || s.Count != 1 {
			return fmt.Errorf("CCNP source %+v", s)
		}
		return nil
	})

	// Status-only updates of every kind, several times, as agents and
	// controllers write them; and the same objects re-applied unchanged.
	start := time.Now()
	for round := range 3 {
		for _, obj := range objects {
			var err error
			switch o := obj.(type) {
			case *corev1.Pod:
				o.Status.Phase = corev1.PodRunning
				o.Status.PodIP = fmt.Sprintf("10.0.0.%d", round+1)
				err = c.Status().Update(ctx, o)
			case *corev1.Namespace:
				err = c.Status().Patch(ctx, o, statusPatch("NamespaceContentRemaining"))
			case *corev1.Service:
				o.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{IP: fmt.Sprintf("192.0.2.%d", round+1)}}
				err = c.Status().Update(ctx, o)
			case *ciliumv2.CiliumNetworkPolicy, *ciliumv2.CiliumClusterwideNetworkPolicy:
				err = c.Status().Patch(ctx, o, statusPatch("Valid"))
			case *networkingv1.NetworkPolicy, *gwv1.ReferenceGrant:
				err = c.Update(ctx, o) // no status subresource: an unchanged update
			case *gwv1.HTTPRoute:
				err = c.Status().Patch(ctx, o, parentsPatch("parents", "parentRef", round))
			case *egv1a1.SecurityPolicy, *egv1a1.ClientTrafficPolicy:
				err = c.Status().Patch(ctx, o, parentsPatch("ancestors", "ancestorRef", round))
			case *externaldnsv1a1.DNSEndpoint:
				err = c.Status().Patch(ctx, o, client.RawPatch(types.MergePatchType, []byte(fmt.Sprintf(`{"status":{"observedGeneration":%d}}`, round+1))))
			default:
				err = c.Status().Patch(ctx, o, statusPatch("Accepted"))
			}
			if err != nil {
				t.Fatalf("status update of %T %s: %v", obj, obj.GetName(), err)
			}
		}
	}
	t.Logf("%d status updates written in %s", 3*len(objects), time.Since(start).Round(time.Millisecond))

	// The manager is alive (a panic in a handler would have ended this test
	// binary) and still follows the cluster.
	if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "after"}}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, c, "cluster", func(ni *v1alpha1.NetworkInventory) error {
		if namespaceEntry(ni, "after") == nil {
			return fmt.Errorf("namespace after not in the inventory")
		}
		if e := namespaceEntry(ni, "app"); e == nil || e.Pods != 1 {
			return fmt.Errorf("app %+v: the running pod is counted", e)
		}
		for _, kind := range []string{"ClientTrafficPolicy", "DNSEndpoint", "HelmRelease", "Receiver"} {
			if s := sourceStatus(ni, kind); s == nil || s.Count != 1 {
				return fmt.Errorf("%s source %+v", kind, s)
			}
		}
		if svc := serviceEntry(ni, "app", "web"); svc == nil || svc.Exposure != v1alpha1.ExposurePublic || svc.ExposureSource != v1alpha1.ExposureSourceEvidence {
			return fmt.Errorf("the tunnel in the HelmRelease's values makes Service app/web public: %+v", svc)
		}
		return nil
	})
	if got := testutil.CollectAndCount(metrics.HandlerPanics); got != panics {
		t.Errorf("handler panics recovered: %d series, want %d", got, panics)
	}
}

// TestForeignStatusWriteIsRestored: a status written by anyone else is put
// back within a debounce window; the manager's own writes do not make it
// recompute again.
func TestForeignStatusWriteIsRestored(t *testing.T) {
	cfg, c := startAPIServer(t, fixture.GatewayAPI, fixture.EnvoyGateway, fixture.Cilium, fixture.ExternalDNS, fixture.Flux)
	startManager(t, cfg, ManagerOptions{Debounce: time.Second})
	ctx := context.Background()
	applyFixture(t, c, homelab)
	want := eventually(t, 30*time.Second, c, "cluster", func(ni *v1alpha1.NetworkInventory) error {
		if err := ready(ni); err != nil {
			return err
		}
		if ni.Status.Summary.Findings.Critical == 0 {
			return fmt.Errorf("no critical findings yet")
		}
		return nil
	})
	time.Sleep(2 * time.Second) // settle
	if err := c.Get(ctx, client.ObjectKey{Name: "cluster"}, want); err != nil {
		t.Fatal(err)
	}
	recomputes := testutil.ToFloat64(metrics.Recomputes.WithLabelValues(metrics.ResultSuccess))

	patch := []byte(`{"status":{"summary":{"findings":{"critical":0}},"conditions":[{"type":"CriticalFindings","status":"False","reason":"Forged",` +
		`"message":"all good","lastTransitionTime":"2026-12-01T09:56:00Z"}]}}`)
	if err := c.Status().Patch(ctx, want.DeepCopy(), client.RawPatch(types.MergePatchType, patch),
		client.FieldOwner("someone-else")); err != nil {
		t.Fatal(err)
	}
	forged := time.Now()
	restored := eventually(t, 5*time.Second, c, "cluster", func(ni *v1alpha1.NetworkInventory) error {
		cond := meta.FindStatusCondition(ni.Status.Conditions, v1alpha1.ConditionCriticalFindings)
		if ni.Status.Summary.Findings.Critical != want.Status.Summary.Findings.Critical || cond == nil || cond.Status != metav1.ConditionTrue {
			return fmt.Errorf("critical %d, condition %+v", ni.Status.Summary.Findings.Critical, cond)
		}
		return nil
	})
	t.Logf("foreign status write restored after %s (debounce 1s)", time.Since(forged).Round(10*time.Millisecond))
	if len(restored.Status.Conditions) != len(want.Status.Conditions) {
		t.Errorf("conditions after restore: %d, want %d", len(restored.Status.Conditions), len(want.Status.Conditions))
	}
	// The restore is one recompute, and its own write brings no more.
	time.Sleep(3 * time.Second)
	if got := testutil.ToFloat64(metrics.Recomputes.WithLabelValues(metrics.ResultSuccess)) - recomputes; got < 1 || got > 2 {
		t.Errorf("recomputes after the forged write: %v, want 1 (2 at most if the write raced the cache)", got)
	}
}

// TestResyncPeriodValidation: the CRD refuses what the manager could not
// parse or would not honour.
func TestResyncPeriodValidation(t *testing.T) {
	_, c := startAPIServer(t)
	ctx := context.Background()
	for i, tc := range []struct {
		value string
		ok    bool
	}{
		{"10m", true}, {"1h30m", true}, {"30s", true}, {"24h", true},
		{"banana", false}, {"9999999999h", false}, {"10s", false}, {"25h", false}, {"-5m", false}, {"", false},
	} {
		u := snapshot.NewInventoryObject()
		u.SetName(fmt.Sprintf("resync-%d", i))
		_ = unstructured.SetNestedField(u.Object, tc.value, "spec", "resyncPeriod")
		err := c.Create(ctx, u)
		if (err == nil) != tc.ok {
			t.Errorf("resyncPeriod %q: created %v, want %v (%v)", tc.value, err == nil, tc.ok, err)
		}
		if err != nil && !strings.Contains(err.Error(), "resyncPeriod") {
			t.Errorf("resyncPeriod %q: the error does not name the field: %v", tc.value, err)
		}
	}
}

// TestUnreadableInventoryIsReportedAndTheOthersGoOn: an inventory the typed
// API cannot decode (stored before a validation rule existed) is marked
// Ready=False InvalidSpec; it blocks neither the cache nor the other
// inventories. So is one whose spec decodes but cannot be used.
func TestUnreadableInventoryIsReportedAndTheOthersGoOn(t *testing.T) {
	cfg, c := startAPIServer(t)
	ctx := context.Background()

	// Store an inventory the current schema refuses: loosen the CRD, write
	// it, restore the CRD (stored objects are not re-validated).
	crd := &unstructured.Unstructured{}
	crd.SetGroupVersionKind(crdMetadata().GroupVersionKind())
	if err := c.Get(ctx, client.ObjectKey{Name: "networkinventories.netinventory.io"}, crd); err != nil {
		t.Fatal(err)
	}
	strict := crd.DeepCopy()
	versions, _, _ := unstructured.NestedSlice(crd.Object, "spec", "versions")
	v0 := versions[0].(map[string]any)
	resync := []string{"schema", "openAPIV3Schema", "properties", "spec", "properties", "resyncPeriod"}
	unstructured.RemoveNestedField(v0, append(resync, "pattern")...)
	unstructured.RemoveNestedField(v0, append(resync, "x-kubernetes-validations")...)
	_ = unstructured.SetNestedSlice(crd.Object, versions, "spec", "versions")
	if err := c.Update(ctx, crd); err != nil {
		t.Fatal(err)
	}
	bad := snapshot.NewInventoryObject()
	bad.SetName("bad")
	_ = unstructured.SetNestedField(bad.Object, "banana", "spec", "resyncPeriod")
	testEventuallyCreate(t, c, bad)
	if err := c.Get(ctx, client.ObjectKey{Name: strict.GetName()}, crd); err != nil {
		t.Fatal(err)
	}
	strict.SetResourceVersion(crd.GetResourceVersion())
	if err := c.Update(ctx, strict); err != nil {
		t.Fatal(err)
	}

	startManager(t, cfg, ManagerOptions{})
	createInventory(t, c, "good", v1alpha1.NetworkInventorySpec{})
	createInventory(t, c, "bad-selector", v1alpha1.NetworkInventorySpec{NamespaceSelector: &metav1.LabelSelector{
		MatchLabels: map[string]string{"not a label key!": "x"}}})

	eventually(t, 30*time.Second, c, "good", ready)
	for _, name := range []string{"bad", "bad-selector"} {
		testenv.Eventually(t, 30*time.Second, func() error {
			u := snapshot.NewInventoryObject() // the typed API cannot read "bad"
			if err := c.Get(ctx, client.ObjectKey{Name: name}, u); err != nil {
				return err
			}
			ni, _ := snapshot.DecodeInventory(u)
			cond := meta.FindStatusCondition(ni.Status.Conditions, v1alpha1.ConditionReady)
			if cond == nil || cond.Status != metav1.ConditionFalse || cond.Reason != ReasonInvalidSpec {
				return fmt.Errorf("%s: Ready %+v", name, cond)
			}
			if name == "bad" && !strings.Contains(cond.Message, "banana") {
				return fmt.Errorf("%s: the message does not say what is wrong: %s", name, cond.Message)
			}
			return nil
		})
	}
	// The good inventory still follows changes.
	if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "later"}}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, c, "good", func(ni *v1alpha1.NetworkInventory) error {
		if namespaceEntry(ni, "later") == nil {
			return fmt.Errorf("namespace later missing")
		}
		return nil
	})
}

// testEventuallyCreate creates an object, retrying while a CRD change is
// not yet in force.
func testEventuallyCreate(t *testing.T, c client.Client, obj client.Object) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := c.Create(context.Background(), obj.DeepCopyObject().(client.Object))
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("creating %s: %v", obj.GetName(), err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

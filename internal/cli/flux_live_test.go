package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/fixture"
	"netinventory.io/netinventory/internal/snapshot"
	"netinventory.io/netinventory/internal/testenv"
)

// TestFluxRepositoryAuditAgreesWithTheController builds each cluster of the
// Flux fixture repository, applies what Flux would apply (and the pods its
// workloads would run) to a real API server with the manager running, and
// requires the controller's inventory to be the audit's.
func TestFluxRepositoryAuditAgreesWithTheController(t *testing.T) {
	for _, cluster := range []string{"clusters/home", "clusters/lab"} {
		t.Run(strings.TrimPrefix(cluster, "clusters/"), func(t *testing.T) {
			audited, _ := auditJSON(t, "-f", fluxRepo, "--cluster", cluster)
			if len(audited.Status.Gateways.Items) == 0 {
				t.Fatal("the audit found no gateway")
			}
			out, errOut, code := run(t, "", "build", "-f", fluxRepo, "--cluster", cluster)
			if code != 0 {
				t.Fatalf("build: exit %d\n%s", code, errOut)
			}
			objs := applicable(t, out)

			env := testenv.Start(t, "../..", fixture.GatewayAPI, fixture.EnvoyGateway, fixture.Cilium, fixture.ExternalDNS, fixture.Flux)
			runManager(t, env)
			var known []*unstructured.Unstructured
			for _, o := range objs {
				if _, err := env.Client.RESTMapper().RESTMapping(o.GroupVersionKind().GroupKind(), o.GroupVersionKind().Version); err == nil {
					known = append(known, o)
				}
			}
			if err := fixture.Apply(context.Background(), env.Client, known); err != nil {
				t.Fatal(err)
			}
			var live v1alpha1.NetworkInventory
			testenv.Eventually(t, 30*time.Second, func() error {
				live = v1alpha1.NetworkInventory{}
				if err := env.Client.Get(context.Background(), client.ObjectKey{Name: "cluster"}, &live); err != nil {
					return err
				}
				if c := meta.FindStatusCondition(live.Status.Conditions, v1alpha1.ConditionReady); c == nil || c.Status != "True" ||
					live.Status.Summary.Pods != audited.Status.Summary.Pods || live.Status.Summary.Gateways != audited.Status.Summary.Gateways {
					return fmt.Errorf("inventory not complete yet: %+v", live.Status.Summary)
				}
				return nil
			})
			time.Sleep(time.Second) // the last events of the burst
			if err := env.Client.Get(context.Background(), client.ObjectKey{Name: "cluster"}, &live); err != nil {
				t.Fatal(err)
			}
			compare(t, "endpoints", endpoints(&live), endpoints(audited))
			if a, b := jsonOf(live.Status.Endpoints.Items), jsonOf(audited.Status.Endpoints.Items); a != b {
				t.Errorf("endpoint details differ:\ncontroller %s\naudit      %s", a, b)
			}
			compare(t, "findings", findingKeys(live.Status.Findings.Items), findingKeys(audited.Status.Findings.Items))
			compare(t, "gateways", gatewayKeys(&live), gatewayKeys(audited))
			// The API server makes namespaces of its own, which no
			// repository holds; the rest must agree.
			compare(t, "namespaces", namespaceKeys(&live, audited), namespaceKeys(audited, audited))
			live.Status.Summary.Namespaces = audited.Status.Summary.Namespaces
			if live.Status.Summary != audited.Status.Summary {
				t.Errorf("summaries differ:\ncontroller %+v\naudit      %+v", live.Status.Summary, audited.Status.Summary)
			}
		})
	}
}

// applicable decodes the objects `build` printed and adds the running
// pods their workloads would have, which no controller makes here.
func applicable(t *testing.T, out string) []*unstructured.Unstructured {
	t.Helper()
	var objs []*unstructured.Unstructured
	var snap snapshot.Snapshot
	for _, doc := range strings.Split(out, "\n---\n") {
		var m map[string]any
		if err := yaml.Unmarshal([]byte(strings.TrimPrefix(doc, "---\n")), &m); err != nil {
			t.Fatal(err)
		}
		if m == nil {
			continue
		}
		u := &unstructured.Unstructured{Object: m}
		delete(u.Object, "sops") // kustomize-controller decrypts SOPS Secrets
		if u.GetNamespace() == "" && u.GetKind() != "Namespace" && u.GetKind() != "NetworkInventory" && u.GetKind() != "GatewayClass" {
			u.SetNamespace("default") // as the audit reads it, and kubectl applies it
		}
		if _, err := snapshot.WorkloadPods(&snap, u); err != nil {
			t.Fatal(err)
		}
		objs = append(objs, u)
	}
	for i := range snap.Pods {
		m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(snap.Pods[i])
		if err != nil {
			t.Fatal(err)
		}
		pod := &unstructured.Unstructured{Object: m}
		pod.SetAPIVersion("v1")
		pod.SetKind("Pod")
		objs = append(objs, pod)
	}
	return objs
}

func compare(t *testing.T, what string, live, audited []string) {
	t.Helper()
	if !slices.Equal(live, audited) {
		t.Errorf("%s: the controller and the audit disagree:\ncontroller:\n  %s\naudit:\n  %s", what,
			strings.Join(live, "\n  "), strings.Join(audited, "\n  "))
	}
}

func gatewayKeys(ni *v1alpha1.NetworkInventory) []string {
	var out []string
	for _, g := range ni.Status.Gateways.Items {
		out = append(out, fmt.Sprintf("%s/%s %s %s", g.Namespace, g.Name, g.Exposure, g.ExposureSource))
	}
	return out
}

// namespaceKeys lists the namespaces of ni, but for the four every API
// server makes when the audit has not heard of them.
func namespaceKeys(ni, audited *v1alpha1.NetworkInventory) []string {
	var out []string
	for _, n := range ni.Status.Namespaces.Items {
		builtin := slices.Contains([]string{"default", "kube-system", "kube-public", "kube-node-lease"}, n.Name)
		if builtin && !slices.ContainsFunc(audited.Status.Namespaces.Items, func(a v1alpha1.NamespaceEntry) bool { return a.Name == n.Name }) {
			continue
		}
		data, _ := json.Marshal(n)
		out = append(out, string(data))
	}
	return out
}

func jsonOf(v any) string {
	data, _ := json.Marshal(v)
	return string(data)
}

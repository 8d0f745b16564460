package cli

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/scheme"
)

// unreadable is a stored inventory whose spec the typed API refuses.
func unreadable() map[string]any {
	return map[string]any{
		"apiVersion": v1alpha1.GroupVersion.String(), "kind": "NetworkInventory",
		"metadata": map[string]any{"name": "cluster"},
		"spec":     map[string]any{"resyncPeriod": "banana"},
	}
}

// TestExplainSaysWhenItCannotReadTheInventory: the spec explain uses comes
// from the cluster's NetworkInventory; when it cannot be read, a warning
// names the problem, and an inventory named with --inventory must be read.
func TestExplainSaysWhenItCannotReadTheInventory(t *testing.T) {
	gr := schema.GroupResource{Group: v1alpha1.GroupVersion.Group, Resource: "networkinventories"}
	forbidden := apierrors.NewForbidden(gr, "", errors.New("RBAC: access denied"))
	denied := interceptor.Funcs{
		Get: func(context.Context, client.WithWatch, client.ObjectKey, client.Object, ...client.GetOption) error {
			return forbidden
		},
		List: func(context.Context, client.WithWatch, client.ObjectList, ...client.ListOption) error {
			return forbidden
		},
	}
	garbled := interceptor.Funcs{
		Get: func(_ context.Context, _ client.WithWatch, _ client.ObjectKey, obj client.Object, _ ...client.GetOption) error {
			obj.(*unstructured.Unstructured).Object = unreadable()
			return nil
		},
		List: func(_ context.Context, _ client.WithWatch, list client.ObjectList, _ ...client.ListOption) error {
			list.(*unstructured.UnstructuredList).Items = []unstructured.Unstructured{{Object: unreadable()}}
			return nil
		},
	}
	readable := &v1alpha1.NetworkInventory{ObjectMeta: metav1.ObjectMeta{Name: "cluster"},
		Spec: v1alpha1.NetworkInventorySpec{ResyncPeriod: &metav1.Duration{Duration: time.Hour}}}
	for _, tt := range []struct {
		name      string
		client    client.Client
		inventory string
		wantErr   string // "": the spec is used or replaced by the default
		wantWarn  string // "": no warning
		wantSpec  bool   // the readable inventory's spec is used
	}{
		{name: "forbidden", client: fakeClient(denied), wantWarn: "forbidden"},
		{name: "forbidden, named", client: fakeClient(denied), inventory: "cluster", wantErr: "forbidden"},
		{name: "none", client: fakeClient(interceptor.Funcs{}), wantWarn: "no NetworkInventory in the cluster"},
		{name: "none, named", client: fakeClient(interceptor.Funcs{}), inventory: "cluster", wantErr: `no NetworkInventory named "cluster"`},
		{name: "unreadable spec", client: fakeClient(garbled), wantWarn: "NetworkInventory cluster: the spec cannot be read"},
		{name: "unreadable spec, named", client: fakeClient(garbled), inventory: "cluster", wantErr: "banana"},
		{name: "readable", client: fakeClient(interceptor.Funcs{}, readable), wantSpec: true},
		{name: "readable, named", client: fakeClient(interceptor.Funcs{}, readable), inventory: "cluster", wantSpec: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var errOut bytes.Buffer
			cmd := &cobra.Command{}
			cmd.SetErr(&errOut)
			spec, err := inventorySpec(cmd, tt.client, tt.inventory)
			switch {
			case tt.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one naming %q", err, tt.wantErr)
				}
				return
			case err != nil:
				t.Fatal(err)
			}
			warn := errOut.String()
			switch {
			case tt.wantWarn == "" && warn != "":
				t.Errorf("warning %q, want none", warn)
			case tt.wantWarn != "" && (!strings.HasPrefix(warn, "warning: ") || !strings.Contains(warn, tt.wantWarn)):
				t.Errorf("warning %q, want one naming %q", warn, tt.wantWarn)
			}
			if got := spec.ResyncPeriod != nil; got != tt.wantSpec {
				t.Errorf("the inventory's spec used: %v, want %v", got, tt.wantSpec)
			}
		})
	}
}

func fakeClient(funcs interceptor.Funcs, objs ...client.Object) client.Client {
	return interceptor.NewClient(fake.NewClientBuilder().WithScheme(scheme.Scheme).WithObjects(objs...).Build(), funcs)
}

// TestOutputFormatsComeFromTheRegistry: -o lists and accepts the formats
// the report registry has for what the command renders, and refuses others
// before doing any work.
func TestOutputFormatsComeFromTheRegistry(t *testing.T) {
	for _, tt := range []struct {
		command string
		formats []string
	}{
		{"report", []string{"dot", "json", "markdown", "table", "yaml"}},
		{"audit", []string{"dot", "json", "markdown", "table", "yaml"}},
		{"explain", []string{"text"}},
	} {
		help, _, _ := run(t, "", tt.command, "--help")
		for _, f := range tt.formats {
			if !strings.Contains(help, f+" (") {
				t.Errorf("%s --help does not describe -o %s:\n%s", tt.command, f, help)
			}
		}
	}
	for _, args := range [][]string{
		{"report", "-o", "pdf", "--kubeconfig", "/nonexistent"},
		{"audit", "-f", homelab, "-o", "text"},
		{"explain", "-f", homelab, "-o", "markdown", "monitoring"},
	} {
		out, errOut, code := run(t, "", args...)
		if code != 2 || out != "" || !strings.Contains(errOut, "unknown output format") {
			t.Errorf("%v: exit %d, want 2 and the known formats named\n%s%s", args, code, errOut, out)
		}
	}
}

// TestExplainTellsRulesEvidenceAndNotes: explain says which rules of a
// route are guarded, why an endpoint of a public gateway is internal, and
// the evidence that decided a gateway's exposure.
func TestExplainTellsRulesEvidenceAndNotes(t *testing.T) {
	for _, tc := range []struct {
		input, host string
		want        []string
	}{
		{"../../test/scenarios/auth-guarded-on-one-rule-only/input.yaml", "app.example.com", []string{
			"Authentication None: the route's rules are guarded differently, and the weakest decides; per rule:",
			"web, paths /: Required (OIDC from web/app-oidc)",
			"rule 1, paths /api, = /healthz: open",
		}},
		{"../../test/scenarios/auth-authorization-private-clients-makes-endpoint-internal/input.yaml", "nas.example.com", []string{
			"The endpoint is Internal: the gateway is public, but SecurityPolicy net/lan-only admits only private client addresses (192.168.0.0/16, 10.0.0.0/8).",
		}},
		{"../../test/scenarios/exposure-evidence-tunnel-and-dns/input.yaml", "blog.example.com", []string{
			"The gateway is Public (decided by Evidence), addresses 192.168.22.90.",
			"evidence: cloudflared tunnel ingress *.example.com -> https://envoy-external.network.svc.cluster.local:443 (ConfigMap network/cloudflared, key config.yaml)",
		}},
		{"../../test/scenarios/auth-proxy-in-backend-pods/input.yaml", "prometheus.example.com", []string{
			"Authentication Required: Proxy from proxy oauth2-proxy in the pods of Service web/prometheus-auth.",
		}},
	} {
		out, errOut, code := run(t, "", "explain", tc.host, "-f", tc.input)
		if code != 0 {
			t.Fatalf("%s: exit %d\n%s", tc.host, code, errOut)
		}
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("%s: explain lacks %q:\n%s", tc.host, w, out)
			}
		}
	}
}

// Package scheme holds the one runtime.Scheme the operator, the kubectl
// plugin, the snapshot loader and the test tools share.
package scheme

import (
	ciliumv2 "github.com/cilium/cilium/pkg/k8s/apis/cilium.io/v2"
	egv1a1 "github.com/envoyproxy/gateway/api/v1alpha1"
	helmv2 "github.com/fluxcd/helm-controller/api/v2"
	notificationv1 "github.com/fluxcd/notification-controller/api/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"
	gwv1a2 "sigs.k8s.io/gateway-api/apis/v1alpha2"
	gwv1a3 "sigs.k8s.io/gateway-api/apis/v1alpha3"
	gwv1b1 "sigs.k8s.io/gateway-api/apis/v1beta1"

	"netinventory.io/netinventory/api/v1alpha1"
	externaldnsv1a1 "netinventory.io/netinventory/internal/externaldns/v1alpha1"
)

// Scheme knows every source kind at every version the inventory reads, the
// built-in Kubernetes kinds, and the NetworkInventory API.
var Scheme = runtime.NewScheme()

func init() {
	for _, add := range []func(*runtime.Scheme) error{
		clientgoscheme.AddToScheme,
		gwv1.Install, gwv1b1.Install, gwv1a2.Install, gwv1a3.Install,
		egv1a1.AddToScheme,
		ciliumv2.AddToScheme,
		externaldnsv1a1.AddToScheme, helmv2.AddToScheme, notificationv1.AddToScheme,
		v1alpha1.AddToScheme,
	} {
		utilruntime.Must(add(Scheme))
	}
}

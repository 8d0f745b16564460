package synthetic

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	"netinventory.io/netinventory/internal/snapshot"
)

// routes adds the shape's Gateways, and its HTTPRoutes with the Service
// each sends to; app names the namespace and app of route i.
func routes(s *snapshot.Snapshot, shape Shape, app func(i int) (namespace, name string)) {
	if shape.Gateways == 0 {
		return
	}
	s.Namespaces = append(s.Namespaces, corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "gateways",
		Labels: map[string]string{corev1.LabelMetadataName: "gateways"}}})
	for g := range shape.Gateways {
		s.Gateways = append(s.Gateways, gwv1.Gateway{
			ObjectMeta: metav1.ObjectMeta{Namespace: "gateways", Name: fmt.Sprintf("gw-%d", g)},
			Spec: gwv1.GatewaySpec{GatewayClassName: "envoy", Listeners: []gwv1.Listener{{
				Name: "https", Protocol: gwv1.HTTPSProtocolType, Port: 443,
				AllowedRoutes: &gwv1.AllowedRoutes{Namespaces: &gwv1.RouteNamespaces{From: ptr.To(gwv1.NamespacesFromAll)}},
			}}},
		})
	}
	for r := range shape.Routes {
		ns, name := app(r)
		s.Services = append(s.Services, corev1.Service{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("%s-%d", name, r)},
			Spec: corev1.ServiceSpec{Selector: map[string]string{"app.kubernetes.io/name": name},
				Ports: []corev1.ServicePort{{Name: "http", Port: 80}}},
		})
		s.HTTPRoutes = append(s.HTTPRoutes, gwv1.HTTPRoute{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("%s-%d", name, r)},
			Spec: gwv1.HTTPRouteSpec{
				CommonRouteSpec: gwv1.CommonRouteSpec{ParentRefs: []gwv1.ParentReference{{
					Namespace: ptr.To(gwv1.Namespace("gateways")), Name: gwv1.ObjectName(fmt.Sprintf("gw-%d", r%shape.Gateways))}}},
				Hostnames: []gwv1.Hostname{gwv1.Hostname(fmt.Sprintf("%s-%d.%s.example.com", name, r, ns))},
				Rules: []gwv1.HTTPRouteRule{{BackendRefs: []gwv1.HTTPBackendRef{{BackendRef: gwv1.BackendRef{
					BackendObjectReference: gwv1.BackendObjectReference{Name: gwv1.ObjectName(fmt.Sprintf("%s-%d", name, r)), Port: ptr.To(gwv1.PortNumber(80))}}}}}},
			},
		})
	}
}

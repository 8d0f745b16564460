package reach

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"netinventory.io/netinventory/internal/snapshot"
)

func TestTargetPortResolvesNamesAndNumbers(t *testing.T) {
	pod := &snapshot.Pod{Spec: snapshot.PodSpec{Containers: []corev1.Container{{Ports: []corev1.ContainerPort{
		{Name: "http", ContainerPort: 3000}, {Name: "dns", ContainerPort: 5353, Protocol: corev1.ProtocolUDP}}}}}}
	for _, c := range []struct {
		name string
		sp   corev1.ServicePort
		want int32
	}{
		{"named", corev1.ServicePort{Port: 80, TargetPort: intstr.FromString("http")}, 3000},
		{"named, other protocol", corev1.ServicePort{Port: 53, Protocol: corev1.ProtocolUDP, TargetPort: intstr.FromString("dns")}, 5353},
		{"named, protocol mismatch", corev1.ServicePort{Port: 53, TargetPort: intstr.FromString("dns")}, 0},
		{"named, missing", corev1.ServicePort{Port: 80, TargetPort: intstr.FromString("metrics")}, 0},
		{"number", corev1.ServicePort{Port: 80, TargetPort: intstr.FromInt32(8080)}, 8080},
		{"unset: the port", corev1.ServicePort{Port: 80}, 80},
	} {
		if got := targetPort(pod, &c.sp); got != c.want {
			t.Errorf("%s: target port %d, want %d", c.name, got, c.want)
		}
	}
}

func TestBypassIsOrderedBroadestFirstAndBounded(t *testing.T) {
	set := map[string]bool{"namespace/b": true, "service/x/lb": true, "cluster": true, "world": true, "namespace/a": true, "host": true}
	got := ordered(set)
	want := []string{"world", "cluster", "host", "service/x/lb", "namespace/a", "namespace/b"}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
	many := map[string]bool{}
	for i := range 40 {
		many["namespace/"+string(rune('a'+i%26))+string(rune('a'+i/26))] = true
	}
	if n := len(ordered(many)); n != maxBypass {
		t.Errorf("bypass bounded at %d, got %d", maxBypass, n)
	}
}

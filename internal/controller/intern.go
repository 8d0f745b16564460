package controller

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// internGeneration is how many distinct values of one kind an interner
// takes before it turns over.
const internGeneration = 8192

// interner shares equal values among the cached pods: the pods of one
// workload carry the same labels, owner, containers and volumes, which the
// cache would otherwise hold once per pod. The values are read-only, as
// every cached object is.
//
// It keeps two generations of values: when the current one is full it
// becomes the previous one, and what the previous one held and nobody asked
// for since is forgotten (the pods that hold it keep it). The table is
// therefore bounded by what the cluster runs, however much it churns.
type interner[V any] struct {
	mu                sync.Mutex
	current, previous map[string]V
}

// intern returns the value already shared under key, or shares v under it.
func (in *interner[V]) intern(key string, v V) V {
	in.mu.Lock()
	defer in.mu.Unlock()
	if got, ok := in.current[key]; ok {
		return got
	}
	if got, ok := in.previous[key]; ok {
		in.current[key] = got
		return got
	}
	if in.current == nil || len(in.current) >= internGeneration {
		in.previous, in.current = in.current, make(map[string]V)
	}
	in.current[key] = v
	return v
}

// podInterner holds the values pods share, one table per kind of value.
type podInterner struct {
	strings    interner[string]
	labels     interner[map[string]string]
	owners     interner[[]metav1.OwnerReference]
	containers interner[[]corev1.Container]
	volumes    interner[[]corev1.Volume]
}

// cachedPods is what TrimPod shares values through.
var cachedPods = &podInterner{}

// str shares a string (a namespace, a node, a service account).
func (pi *podInterner) str(s string) string {
	if s == "" {
		return s
	}
	return pi.strings.intern(s, s)
}

// labelSet shares a pod's labels.
func (pi *podInterner) labelSet(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(m)) {
		writeFields(&b, k, m[k])
	}
	return pi.labels.intern(b.String(), m)
}

// owner shares a pod's controller reference (the pods of a ReplicaSet
// have the same).
func (pi *podInterner) owner(refs []metav1.OwnerReference) []metav1.OwnerReference {
	if len(refs) == 0 {
		return nil
	}
	var b strings.Builder
	for _, r := range refs {
		writeFields(&b, r.APIVersion, r.Kind, r.Name, string(r.UID),
			strconv.FormatBool(r.Controller != nil && *r.Controller),
			strconv.FormatBool(r.BlockOwnerDeletion != nil && *r.BlockOwnerDeletion))
	}
	return pi.owners.intern(b.String(), refs)
}

// containerSet shares a pod's (trimmed) containers.
func (pi *podInterner) containerSet(cs []corev1.Container) []corev1.Container {
	if len(cs) == 0 {
		return nil
	}
	var b strings.Builder
	for _, c := range cs {
		writeFields(&b, c.Name, c.Image)
		writeFields(&b, c.Command...)
		writeFields(&b, c.Args...)
		for _, p := range c.Ports {
			writeFields(&b, p.Name, strconv.Itoa(int(p.ContainerPort)), string(p.Protocol))
		}
		b.WriteByte(';')
	}
	return pi.containers.intern(b.String(), cs)
}

// volumeSet shares a pod's (trimmed) ConfigMap volumes.
func (pi *podInterner) volumeSet(vs []corev1.Volume) []corev1.Volume {
	if len(vs) == 0 {
		return nil
	}
	var b strings.Builder
	for _, v := range vs {
		writeFields(&b, v.Name)
		if v.ConfigMap != nil {
			writeFields(&b, "configMap", v.ConfigMap.Name)
		}
		if v.Projected != nil {
			for _, src := range v.Projected.Sources {
				writeFields(&b, "projected", src.ConfigMap.Name) // trimmed: ConfigMap sources only
			}
		}
		b.WriteByte(';')
	}
	return pi.volumes.intern(b.String(), vs)
}

// writeFields writes each field prefixed with its length, then an end
// mark: whatever the fields hold, different field lists give different
// keys.
func writeFields(b *strings.Builder, fields ...string) {
	for _, f := range fields {
		b.WriteString(strconv.Itoa(len(f)))
		b.WriteByte(':')
		b.WriteString(f)
	}
	b.WriteByte(',')
}

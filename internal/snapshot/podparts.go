package snapshot

import (
	"slices"
	"strconv"
	"sync"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// internGeneration is how many distinct values of one kind an interner
// takes before it turns over.
const internGeneration = 8192

// interner shares equal values among pods: the pods of one workload carry
// the same labels, owner, containers and volumes, which would otherwise be
// held once per pod. The values are read-only, as
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

// intern returns the value shared under key, or makes one and shares it.
// Looking a value up allocates nothing.
func (in *interner[V]) intern(key []byte, make func() V) V {
	in.mu.Lock()
	defer in.mu.Unlock()
	if got, ok := in.current[string(key)]; ok {
		return got
	}
	if got, ok := in.previous[string(key)]; ok {
		in.current[string(key)] = got
		return got
	}
	if in.current == nil || len(in.current) >= internGeneration {
		in.previous, in.current = in.current, map[string]V{}
	}
	v := make()
	in.current[string(key)] = v
	return v
}

// SharedPodParts makes the parts of compact pods (PodParts), sharing equal
// values among pods: one table per kind of value, each bounded as
// interner is. Safe for concurrent use.
type SharedPodParts struct {
	strings    interner[string]
	labels     interner[map[string]string]
	owners     interner[[]metav1.OwnerReference]
	containers interner[[]corev1.Container]
	volumes    interner[[]corev1.Volume]
}

var _ PodParts = &SharedPodParts{}

// keyBuffer is where keys are written; most fit, so writing one allocates
// nothing.
type keyBuffer [512]byte

// String shares a string (a namespace, a node, a service account).
func (pi *SharedPodParts) String(s string) string {
	if s == "" {
		return s
	}
	var buf keyBuffer
	return pi.strings.intern(append(buf[:0], s...), func() string { return s })
}

// Labels shares a pod's labels.
func (pi *SharedPodParts) Labels(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	var keys [16]string
	sorted := keys[:0]
	for k := range m {
		sorted = append(sorted, k)
	}
	slices.Sort(sorted)
	var buf keyBuffer
	key := buf[:0]
	for _, k := range sorted {
		key = appendFields(key, k, m[k])
	}
	return pi.labels.intern(key, func() map[string]string { return m })
}

// Controller shares a pod's controller reference (the pods of a
// ReplicaSet have the same); other owners are dropped.
func (pi *SharedPodParts) Controller(refs []metav1.OwnerReference) []metav1.OwnerReference {
	var buf keyBuffer
	key := buf[:0]
	for _, r := range refs {
		if r.Controller != nil && *r.Controller {
			key = appendFields(key, r.APIVersion, r.Kind, r.Name)
			break // ControllerOf keeps the first
		}
	}
	if len(key) == 0 {
		return nil
	}
	return pi.owners.intern(key, func() []metav1.OwnerReference { return ControllerOf(refs) })
}

// Containers shares a pod's containers, trimmed to what the engine
// reads (TrimContainers).
func (pi *SharedPodParts) Containers(cs []corev1.Container) []corev1.Container {
	if len(cs) == 0 {
		return nil
	}
	var buf keyBuffer
	key := buf[:0]
	for _, c := range cs {
		key = appendFields(key, c.Name, c.Image)
		key = appendFields(key, c.Command...)
		key = appendFields(key, c.Args...)
		for _, p := range c.Ports {
			key = appendFields(key, p.Name, strconv.Itoa(int(p.ContainerPort)), string(p.Protocol))
		}
		key = append(key, ';')
	}
	return pi.containers.intern(key, func() []corev1.Container { return TrimContainers(cs) })
}

// Volumes shares a pod's ConfigMap volumes, trimmed to what the engine
// reads (ConfigMapVolumes). The key is read from the volumes as they are,
// so that a pod whose volumes are already shared trims nothing.
func (pi *SharedPodParts) Volumes(vs []corev1.Volume) []corev1.Volume {
	var buf keyBuffer
	key := buf[:0]
	for _, v := range vs {
		switch {
		case v.ConfigMap != nil:
			key = appendFields(key, v.Name, "configMap", v.ConfigMap.Name)
		case v.Projected != nil:
			start := len(key)
			key = appendFields(key, v.Name, "projected")
			sources := 0
			for _, src := range v.Projected.Sources {
				if src.ConfigMap != nil {
					key = appendFields(key, src.ConfigMap.Name)
					sources++
				}
			}
			if sources == 0 { // ConfigMapVolumes drops it
				key = key[:start]
			}
		}
	}
	if len(key) == 0 {
		return nil
	}
	return pi.volumes.intern(key, func() []corev1.Volume { return ConfigMapVolumes(vs) })
}

// appendFields appends each field prefixed with its length, then an end
// mark: whatever the fields hold, different field lists give different
// keys.
func appendFields(key []byte, fields ...string) []byte {
	for _, f := range fields {
		key = strconv.AppendInt(key, int64(len(f)), 10)
		key = append(key, ':')
		key = append(key, f...)
	}
	return append(key, ',')
}

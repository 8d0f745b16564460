// Command scale fills a cluster with a synthetic one of a given size (the
// generator the benchmarks use): namespaces, running pods (dressed as a
// Deployment's: the pods of an app share a ReplicaSet owner, a
// pod-template-hash and a container image with a named port) and policies.
// hack/scale.sh runs it against a local control plane and measures the
// manager.
//
//	go run ./hack/scale -pods 5000 -policies 500
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"netinventory.io/netinventory/internal/scheme"
	"netinventory.io/netinventory/internal/synthetic"
)

func main() {
	pods := flag.Int("pods", 5000, "pods to create")
	policies := flag.Int("policies", 500, "policies to create")
	workers := flag.Int("workers", 16, "parallel requests")
	flag.Parse()
	if err := run(*pods, *policies, *workers); err != nil {
		fmt.Fprintln(os.Stderr, "scale:", err)
		os.Exit(1)
	}
}

func run(pods, policies, workers int) error {
	cfg, err := ctrl.GetConfig()
	if err != nil {
		return err
	}
	cfg.QPS, cfg.Burst = 500, 1000
	c, err := client.New(cfg, client.Options{Scheme: scheme.Scheme})
	if err != nil {
		return err
	}
	s := synthetic.Cluster(pods, policies)
	ctx := context.Background()
	start := time.Now()
	for i := range s.Namespaces {
		if err := c.Create(ctx, &s.Namespaces[i]); client.IgnoreAlreadyExists(err) != nil {
			return err
		}
	}
	var objs []client.Object
	for i := range s.NetworkPolicies {
		objs = append(objs, s.NetworkPolicies[i])
	}
	for i := range s.CiliumNetworkPolicies {
		objs = append(objs, s.CiliumNetworkPolicies[i])
	}
	for i := range s.CiliumClusterwideNetworkPolicies {
		objs = append(objs, s.CiliumClusterwideNetworkPolicies[i])
	}
	for i := range s.Pods {
		objs = append(objs, synthetic.DeploymentPod(s.Pods[i]))
	}
	work := make(chan client.Object)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for obj := range work {
				if err := create(ctx, c, obj); err != nil {
					select {
					case errs <- err:
					default:
					}
				}
			}
		}()
	}
	for _, obj := range objs {
		work <- obj
	}
	close(work)
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
	}
	fmt.Printf("created %d namespaces, %d pods, %d policies in %s\n", len(s.Namespaces), len(s.Pods),
		len(objs)-len(s.Pods), time.Since(start).Round(time.Second))
	return nil
}

// create creates an object; a pod is then set Running, as a kubelet would.
func create(ctx context.Context, c client.Client, obj client.Object) error {
	pod, isPod := obj.(*corev1.Pod)
	var status corev1.PodStatus
	if isPod {
		status = pod.Status
	}
	if err := c.Create(ctx, obj); client.IgnoreAlreadyExists(err) != nil {
		return fmt.Errorf("%s/%s: %w", obj.GetNamespace(), obj.GetName(), err)
	}
	if isPod {
		pod.Status = status
		return c.Status().Update(ctx, pod)
	}
	return nil
}

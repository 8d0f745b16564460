package controller

// The manager's permissions, least privilege (issue #9): read the sources,
// write only the status of NetworkInventories, review the tokens and the
// access of whoever scrapes /metrics, take part in leader election and record
// Events, and read Cilium's cilium-config ConfigMap by name. It never reads
// Secrets nor any other ConfigMap (but the cloudflared tunnel
// configurations the chart's rbac.tunnelConfigMaps names, by name, one Role
// each), and nothing but the reviews and its own status is writable
// cluster-wide.
//
// controller-gen writes one ClusterRole (netinventory-manager) and three Roles
// to config/rbac/role.yaml; the chart's templates/clusterrole.yaml and
// templates/roles.yaml repeat their rules, which test/chart checks.

// Cluster-wide (ClusterRole netinventory-manager).
// +kubebuilder:rbac:groups=netinventory.io,resources=networkinventories,verbs=get;list;watch
// +kubebuilder:rbac:groups=netinventory.io,resources=networkinventories/status,verbs=get;update;patch
// +kubebuilder:rbac:groups="",resources=namespaces;pods;services,verbs=get;list;watch
// +kubebuilder:rbac:groups=networking.k8s.io,resources=networkpolicies,verbs=get;list;watch
// +kubebuilder:rbac:groups=gateway.networking.k8s.io,resources=gateways;httproutes;grpcroutes;tlsroutes;tcproutes;udproutes;referencegrants,verbs=get;list;watch
// +kubebuilder:rbac:groups=gateway.envoyproxy.io,resources=securitypolicies;clienttrafficpolicies,verbs=get;list;watch
// +kubebuilder:rbac:groups=externaldns.k8s.io,resources=dnsendpoints,verbs=get;list;watch
// +kubebuilder:rbac:groups=helm.toolkit.fluxcd.io,resources=helmreleases,verbs=get;list;watch
// +kubebuilder:rbac:groups=notification.toolkit.fluxcd.io,resources=receivers,verbs=get;list;watch
// +kubebuilder:rbac:groups=cilium.io,resources=ciliumnetworkpolicies;ciliumclusterwidenetworkpolicies,verbs=get;list;watch
// +kubebuilder:rbac:groups=apiextensions.k8s.io,resources=customresourcedefinitions,verbs=get;list;watch

// The metrics endpoint authenticates every scrape with a TokenReview and
// authorizes it with a SubjectAccessReview (--metrics-secure, the default).
// +kubebuilder:rbac:groups=authentication.k8s.io,resources=tokenreviews,verbs=create
// +kubebuilder:rbac:groups=authorization.k8s.io,resources=subjectaccessreviews,verbs=create

// Leader election, in the manager's namespace only (Role
// netinventory-leader-election): the Lease netinventory.io, which client-go's
// LeaseLock reads, creates and updates (a create cannot be restricted by
// name); the manager records no Events on it. The chart renders this Role in
// the release namespace.
// +kubebuilder:rbac:groups=coordination.k8s.io,namespace=netinventory-system,roleName=netinventory-leader-election,resources=leases,verbs=create
// +kubebuilder:rbac:groups=coordination.k8s.io,namespace=netinventory-system,roleName=netinventory-leader-election,resources=leases,resourceNames=netinventory.io,verbs=get;update

// Cilium's policy enforcement mode: the cilium-config ConfigMap, by name,
// in Cilium's namespace (Role netinventory-cilium-config; the chart renders
// it in ciliumConfig.namespace). No other ConfigMap.
// +kubebuilder:rbac:groups="",namespace=kube-system,roleName=netinventory-cilium-config,resources=configmaps,resourceNames=cilium-config,verbs=get

// The Events on NetworkInventories: they are cluster-scoped, so client-go
// records their Events in namespace default (Role netinventory-events).
// +kubebuilder:rbac:groups="",namespace=default,roleName=netinventory-events,resources=events,verbs=create;patch
// +kubebuilder:rbac:groups=events.k8s.io,namespace=default,roleName=netinventory-events,resources=events,verbs=create;patch

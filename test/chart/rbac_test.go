package chart

// The manager's RBAC, least privilege (issue #9): the generated
// config/rbac/role.yaml holds one ClusterRole (read the sources, write only
// the NetworkInventories' status, create the TokenReviews and
// SubjectAccessReviews of the metrics authentication) and two Roles (the
// leader election Lease in the manager's namespace, the Events on
// NetworkInventories in namespace default); the chart and the kustomize
// install render exactly those rules, plus an unbound metrics-reader
// ClusterRole for Prometheus.

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

const (
	// The generated roles' names and the namespaces of the Roles.
	genClusterRole    = "netinventory-manager"
	genLeaderElection = "netinventory-leader-election"
	genEvents         = "netinventory-events"
	genCiliumConfig   = "netinventory-cilium-config"
	genManagerNS      = "netinventory-system"
	eventsNS          = "default"
	ciliumNS          = "kube-system"
	leaseName         = "netinventory.io"
)

// wantLeaderElectionRules and wantEventsRules are the Roles' rules, exactly:
// the Lease netinventory.io (create cannot be restricted by name; get and
// update are) in the manager's namespace; the Events on NetworkInventories, core and events.k8s.io, in namespace
// default. A change to the markers that widens them fails here.
var (
	wantLeaderElectionRules = []any{
		obj{"apiGroups": []any{"coordination.k8s.io"}, "resources": []any{"leases"}, "verbs": []any{"create"}},
		obj{"apiGroups": []any{"coordination.k8s.io"}, "resourceNames": []any{leaseName}, "resources": []any{"leases"}, "verbs": []any{"get", "update"}},
	}
	wantEventsRules = []any{
		obj{"apiGroups": []any{"", "events.k8s.io"}, "resources": []any{"events"}, "verbs": []any{"create", "patch"}},
	}
	// wantCiliumConfigRules: get on the one ConfigMap cilium-config, by name.
	wantCiliumConfigRules = []any{
		obj{"apiGroups": []any{""}, "resourceNames": []any{"cilium-config"}, "resources": []any{"configmaps"}, "verbs": []any{"get"}},
	}
	wantMetricsReaderRules = []any{
		obj{"nonResourceURLs": []any{"/metrics"}, "verbs": []any{"get"}},
	}
)

// generated are the rules of the roles controller-gen generates.
type generated struct {
	clusterRole, leaderElection, events, ciliumConfig []any
}

// readDocs parses a multi-document YAML file of the repository.
func readDocs(t *testing.T, path string) []obj {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, path))
	if err != nil {
		t.Fatal(err)
	}
	return parseDocs(t, data)
}

// generatedRBAC reads config/rbac/role.yaml: exactly the ClusterRole and the
// two Roles, each in its namespace.
func generatedRBAC(t *testing.T) generated {
	t.Helper()
	docs := readDocs(t, roleFile)
	var g generated
	for _, d := range docs {
		key := kindOf(d) + "/" + str(d, "metadata", "namespace") + "/" + nameOf(d)
		switch key {
		case "ClusterRole//" + genClusterRole:
			g.clusterRole = list(d, "rules")
		case "Role/" + genManagerNS + "/" + genLeaderElection:
			g.leaderElection = list(d, "rules")
		case "Role/" + eventsNS + "/" + genEvents:
			g.events = list(d, "rules")
		case "Role/" + ciliumNS + "/" + genCiliumConfig:
			g.ciliumConfig = list(d, "rules")
		default:
			t.Errorf("%s holds %s, want only ClusterRole %s, Role %s/%s, Role %s/%s and Role %s/%s", roleFile, key,
				genClusterRole, genManagerNS, genLeaderElection, eventsNS, genEvents, ciliumNS, genCiliumConfig)
		}
	}
	if len(docs) != 4 || g.clusterRole == nil || g.leaderElection == nil || g.events == nil || g.ciliumConfig == nil {
		t.Fatalf("%s: %d documents, want the ClusterRole %s and the Roles %s, %s and %s, each with rules",
			roleFile, len(docs), genClusterRole, genLeaderElection, genEvents, genCiliumConfig)
	}
	return g
}

// named returns the objects of a kind with a name.
func named(docs []obj, kind, name string) []obj {
	var out []obj
	for _, d := range ofKind(docs, kind) {
		if nameOf(d) == name {
			out = append(out, d)
		}
	}
	return out
}

func diffRules(what string, got, want []any) string {
	g, _ := yaml.Marshal(got)
	w, _ := yaml.Marshal(want)
	return fmt.Sprintf("%s rules differ from %s:\n--- rendered\n%s--- generated\n%s", what, roleFile, g, w)
}

func yamlOf(v any) string {
	out, _ := yaml.Marshal(v)
	return string(out)
}

// checkBinding: exactly one binding of kind bindingKind (in namespace ns
// for a RoleBinding) refers to the role roleKind/name, and it grants it to
// the rendered ServiceAccount and no one else.
func checkBinding(docs []obj, bindingKind, roleKind, name, ns string) []string {
	var bindings []obj
	for _, b := range ofKind(docs, bindingKind) {
		if str(b, "roleRef", "kind") == roleKind && str(b, "roleRef", "name") == name &&
			str(b, "roleRef", "apiGroup") == "rbac.authorization.k8s.io" && str(b, "metadata", "namespace") == ns {
			bindings = append(bindings, b)
		}
	}
	if len(bindings) != 1 {
		where := ""
		if ns != "" {
			where = " in namespace " + ns
		}
		return []string{fmt.Sprintf("%d %s%s refer to the %s %s, want 1", len(bindings), bindingKind, where, roleKind, name)}
	}
	sa, problems := one(docs, "ServiceAccount")
	if sa == nil {
		return problems
	}
	subjects := list(bindings[0], "subjects")
	if len(subjects) != 1 || str(subjects[0], "kind") != "ServiceAccount" || str(subjects[0], "name") != nameOf(sa) ||
		str(subjects[0], "namespace") != str(sa, "metadata", "namespace") {
		return []string{fmt.Sprintf("%s %s subjects %v, want only the ServiceAccount %s/%s", bindingKind, nameOf(bindings[0]),
			subjects, str(sa, "metadata", "namespace"), nameOf(sa))}
	}
	return nil
}

// checkClusterRole: the ClusterRole name's rules are exactly want, in the
// same order, and one ClusterRoleBinding grants it to the rendered
// ServiceAccount.
func checkClusterRole(docs []obj, name string, want []any) []string {
	roles := named(docs, "ClusterRole", name)
	if len(roles) != 1 {
		return []string{fmt.Sprintf("%d ClusterRole named %s rendered, want 1", len(roles), name)}
	}
	var problems []string
	if got := list(roles[0], "rules"); !reflect.DeepEqual(got, want) {
		problems = append(problems, diffRules("ClusterRole "+name, got, want))
	}
	return append(problems, checkBinding(docs, "ClusterRoleBinding", "ClusterRole", name, "")...)
}

// roleNames are the rendered names of the manager's roles and the
// namespace of the leader election Role.
type roleNames struct {
	clusterRole, leaderElection, events, ciliumConfig, metricsReader, managerNS string
}

// checkRoles: the leader election Role is in the manager's namespace, the
// events Role in namespace default, each with exactly the generated rules
// and one RoleBinding in its namespace granting it to the ServiceAccount;
// no other Role or RoleBinding is rendered.
func checkRoles(docs []obj, names roleNames, g generated) []string {
	var problems []string
	for _, r := range []struct {
		name, ns string
		want     []any
	}{
		{names.leaderElection, names.managerNS, g.leaderElection},
		{names.events, eventsNS, g.events},
		{names.ciliumConfig, ciliumNS, g.ciliumConfig},
	} {
		roles := named(docs, "Role", r.name)
		if len(roles) != 1 {
			problems = append(problems, fmt.Sprintf("%d Role named %s rendered, want 1", len(roles), r.name))
			continue
		}
		if got := str(roles[0], "metadata", "namespace"); got != r.ns {
			problems = append(problems, fmt.Sprintf("Role %s is in namespace %q, want %q", r.name, got, r.ns))
		}
		if got := list(roles[0], "rules"); !reflect.DeepEqual(got, r.want) {
			problems = append(problems, diffRules("Role "+r.name, got, r.want))
		}
		problems = append(problems, checkBinding(docs, "RoleBinding", "Role", r.name, r.ns)...)
	}
	for _, kind := range []string{"Role", "RoleBinding"} {
		if n := len(ofKind(docs, kind)); n != 3 {
			problems = append(problems, fmt.Sprintf("%d %s rendered, want 3 (leader election, events, cilium-config)", n, kind))
		}
	}
	return problems
}

// checkMetricsReader: the ClusterRole names.metricsReader allows get on
// /metrics and nothing else.
func checkMetricsReader(docs []obj, name string) []string {
	roles := named(docs, "ClusterRole", name)
	if len(roles) != 1 {
		return []string{fmt.Sprintf("%d ClusterRole named %s rendered, want 1", len(roles), name)}
	}
	if got := list(roles[0], "rules"); !reflect.DeepEqual(got, wantMetricsReaderRules) {
		g, _ := yaml.Marshal(got)
		return []string{fmt.Sprintf("ClusterRole %s rules:\n%swant only get on /metrics", name, g)}
	}
	return nil
}

var (
	readVerbs = []string{"get", "list", "watch"}
	// namespacedOnly are the resources the manager may touch in its Roles
	// only, never cluster-wide.
	namespacedOnly = []string{"leases", "events"}
	// neverGranted are the resources no role of the release may name.
	neverGranted = []string{"secrets", "configmaps"}
)

// clusterWrite is a write the manager's ClusterRole may grant: the
// NetworkInventories' status, and the reviews of the metrics scrapes.
type clusterWrite struct{ group, resource string }

var clusterWrites = map[clusterWrite][]string{
	{"netinventory.io", "networkinventories/status"}: {"patch", "update"},
	{"authentication.k8s.io", "tokenreviews"}:        {"create"},
	{"authorization.k8s.io", "subjectaccessreviews"}: {"create"},
}

// checkLeastPrivilege: the manager's ClusterRole names no Lease, Event,
// Secret or ConfigMap, no non-resource URL, and grants no verb beyond
// get/list/watch except the writes of clusterWrites.
func checkLeastPrivilege(docs []obj, name string) []string {
	roles := named(docs, "ClusterRole", name)
	if len(roles) != 1 {
		return []string{fmt.Sprintf("%d ClusterRole named %s rendered, want 1", len(roles), name)}
	}
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	for i, rule := range list(roles[0], "rules") {
		if urls := strs(rule, "nonResourceURLs"); len(urls) > 0 {
			add("ClusterRole %s rule %d grants non-resource URLs %v", name, i, urls)
		}
		for _, resource := range strs(rule, "resources") {
			base, _, _ := strings.Cut(resource, "/")
			if slices.Contains(namespacedOnly, base) || slices.Contains(neverGranted, base) {
				add("ClusterRole %s rule %d grants %v on %s cluster-wide", name, i, strs(rule, "verbs"), resource)
			}
			for _, group := range strs(rule, "apiGroups") {
				allowed := append(slices.Clone(readVerbs), clusterWrites[clusterWrite{group, resource}]...)
				for _, verb := range strs(rule, "verbs") {
					if !slices.Contains(allowed, verb) {
						add("ClusterRole %s rule %d grants %s on %s.%s cluster-wide", name, i, verb, resource, group)
					}
				}
			}
		}
	}
	return problems
}

// checkNoBroadRBAC: no Role or ClusterRole aggregates others, uses a
// wildcard, or grants anything on Secrets or ConfigMaps.
func checkNoBroadRBAC(docs []obj) []string {
	var problems []string
	for _, d := range docs {
		if kindOf(d) != "ClusterRole" && kindOf(d) != "Role" {
			continue
		}
		if get(d, "aggregationRule") != nil {
			problems = append(problems, fmt.Sprintf("%s %s aggregates other roles", kindOf(d), nameOf(d)))
		}
		for i, rule := range list(d, "rules") {
			for _, field := range []string{"apiGroups", "resources", "verbs", "resourceNames", "nonResourceURLs"} {
				for _, v := range strs(rule, field) {
					if strings.Contains(v, "*") {
						problems = append(problems, fmt.Sprintf("%s %s rule %d: %s has %q", kindOf(d), nameOf(d), i, field, v))
					}
					base, _, _ := strings.Cut(v, "/")
					if field == "resources" && slices.Contains(neverGranted, base) && !isCiliumConfigRule(rule) {
						problems = append(problems, fmt.Sprintf("%s %s rule %d grants %v on %s", kindOf(d), nameOf(d), i, strs(rule, "verbs"), v))
					}
				}
			}
		}
	}
	return problems
}

// isCiliumConfigRule is the one rule on a ConfigMap allowed: get on
// cilium-config, by name.
func isCiliumConfigRule(rule any) bool {
	return reflect.DeepEqual([]any{rule}, wantCiliumConfigRules)
}

// checkRBAC runs every RBAC check on a rendered install.
func checkRBAC(docs []obj, names roleNames, g generated) []string {
	var problems []string
	problems = append(problems, checkClusterRole(docs, names.clusterRole, g.clusterRole)...)
	problems = append(problems, checkLeastPrivilege(docs, names.clusterRole)...)
	problems = append(problems, checkRoles(docs, names, g)...)
	problems = append(problems, checkMetricsReader(docs, names.metricsReader)...)
	problems = append(problems, checkNoBroadRBAC(docs)...)
	if n := len(ofKind(docs, "ClusterRole")); n != 2 {
		problems = append(problems, fmt.Sprintf("%d ClusterRoles rendered, want 2 (%s, %s)", n, names.clusterRole, names.metricsReader))
	}
	return problems
}

// helmRoles are the names the chart renders for the release.
var helmRoles = roleNames{
	clusterRole:    release + "-manager",
	leaderElection: release + "-leader-election",
	events:         release + "-events",
	ciliumConfig:   release + "-cilium-config",
	metricsReader:  release + "-metrics-reader",
	managerNS:      releaseNS,
}

// kustomizeRoles are the names config/default renders (namePrefix
// netinventory-).
var kustomizeRoles = roleNames{
	clusterRole:    "netinventory-" + genClusterRole,
	leaderElection: "netinventory-" + genLeaderElection,
	events:         "netinventory-" + genEvents,
	ciliumConfig:   "netinventory-" + genCiliumConfig,
	metricsReader:  "netinventory-metrics-reader",
	managerNS:      "netinventory-system",
}

// rbacElsewhere are the objects of an install outside the manager's
// namespace: the events Role and RoleBinding, in namespace default.
func rbacElsewhere(names roleNames) map[string]string {
	return map[string]string{
		"Role/" + names.events:              eventsNS,
		"RoleBinding/" + names.events:       eventsNS,
		"Role/" + names.ciliumConfig:        ciliumNS,
		"RoleBinding/" + names.ciliumConfig: ciliumNS,
	}
}

// TestGeneratedRBAC: the roles generated from the markers are least
// privilege: the ClusterRole passes checkLeastPrivilege, the Roles hold
// exactly the expected rules.
func TestGeneratedRBAC(t *testing.T) {
	g := generatedRBAC(t)
	docs := readDocs(t, roleFile)
	report(t, "ClusterRole", checkLeastPrivilege(docs, genClusterRole))
	report(t, "RBAC", checkNoBroadRBAC(docs))
	if !reflect.DeepEqual(g.leaderElection, wantLeaderElectionRules) {
		t.Errorf("Role %s rules in %s:\n%swant exactly:\n%s", genLeaderElection, roleFile, yamlOf(g.leaderElection), yamlOf(wantLeaderElectionRules))
	}
	if !reflect.DeepEqual(g.ciliumConfig, wantCiliumConfigRules) {
		t.Errorf("Role %s rules in %s:\n%swant exactly:\n%s", genCiliumConfig, roleFile, yamlOf(g.ciliumConfig), yamlOf(wantCiliumConfigRules))
	}
	if !reflect.DeepEqual(g.events, wantEventsRules) {
		t.Errorf("Role %s rules in %s:\n%swant exactly:\n%s", genEvents, roleFile, yamlOf(g.events), yamlOf(wantEventsRules))
	}
	// What the manager needs cluster-wide is still there.
	for _, need := range []clusterWrite{
		{"netinventory.io", "networkinventories/status"},
		{"authentication.k8s.io", "tokenreviews"},
		{"authorization.k8s.io", "subjectaccessreviews"},
	} {
		found := false
		for _, rule := range g.clusterRole {
			if slices.Contains(strs(rule, "apiGroups"), need.group) && slices.Contains(strs(rule, "resources"), need.resource) &&
				!slices.ContainsFunc(clusterWrites[need], func(v string) bool { return !slices.Contains(strs(rule, "verbs"), v) }) {
				found = true
			}
		}
		if !found {
			t.Errorf("ClusterRole %s lacks %v on %s.%s", genClusterRole, clusterWrites[need], need.resource, need.group)
		}
	}
}

// TestHelmRBAC: the chart's RBAC with its defaults, without RBAC, and with
// a binding of the metrics reader.
func TestHelmRBAC(t *testing.T) {
	skipShort(t)
	g := generatedRBAC(t)
	docs := helmTemplate(t)
	report(t, "RBAC", checkRBAC(docs, helmRoles, g))
	report(t, "namespace", checkNamespaced(docs, releaseNS, rbacElsewhere(helmRoles)))
	if b := named(docs, "ClusterRoleBinding", helmRoles.metricsReader); len(b) != 0 {
		t.Errorf("the metrics reader is bound by default: %v", b)
	}

	docs = helmTemplate(t, "--set", "rbac.create=false")
	report(t, "rbac.create=false", checkNone(docs, "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"))

	docs = helmTemplate(t,
		"--set", "metrics.reader.subjects[0].kind=ServiceAccount",
		"--set", "metrics.reader.subjects[0].name=prometheus-k8s",
		"--set", "metrics.reader.subjects[0].namespace=monitoring",
	)
	report(t, "RBAC", checkMetricsReader(docs, helmRoles.metricsReader))
	b := named(docs, "ClusterRoleBinding", helmRoles.metricsReader)
	want := []any{obj{"kind": "ServiceAccount", "name": "prometheus-k8s", "namespace": "monitoring"}}
	if len(b) != 1 || str(b[0], "roleRef", "kind") != "ClusterRole" || str(b[0], "roleRef", "name") != helmRoles.metricsReader ||
		!reflect.DeepEqual(list(b[0], "subjects"), want) {
		t.Errorf("metrics.reader.subjects: ClusterRoleBindings %v, want one binding %s to %v", b, helmRoles.metricsReader, want)
	}
}

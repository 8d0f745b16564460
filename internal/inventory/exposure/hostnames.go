package exposure

import "strings"

// intersectHostnames returns the hostnames a route exposes on a listener,
// following the Gateway API rules: a listener without hostname accepts the
// route's hostnames; a route without hostnames inherits the listener's; a
// wildcard `*.example.com` matches any name with one or more labels in
// place of `*` (never `example.com` itself), and where both are given the
// more specific of two matching names is the one exposed. An empty result
// means the route does not attach to the listener. "*" stands for any
// hostname.
func intersectHostnames(listener string, route []string) []string {
	if len(route) == 0 {
		if listener == "" {
			return []string{"*"}
		}
		return []string{listener}
	}
	if listener == "" {
		return route
	}
	var out []string
	seen := map[string]bool{}
	for _, h := range route {
		if m := hostnameMatch(listener, h); m != "" && !seen[m] {
			seen[m] = true
			out = append(out, m)
		}
	}
	return out
}

// hostnameMatch returns the more specific of two hostnames when they can
// match the same request, else "".
func hostnameMatch(a, b string) string {
	a, b = strings.ToLower(a), strings.ToLower(b)
	switch {
	case a == b:
		return a
	case wildcardCovers(a, b):
		return b
	case wildcardCovers(b, a):
		return a
	}
	return ""
}

// wildcardCovers reports whether pattern `*.suffix` matches name: an exact
// name with at least one label in place of `*`, or a narrower wildcard.
func wildcardCovers(pattern, name string) bool {
	suffix, ok := strings.CutPrefix(pattern, "*")
	if !ok || !strings.HasPrefix(suffix, ".") {
		return false
	}
	rest, ok := strings.CutSuffix(name, suffix)
	if !ok || rest == "" {
		return false
	}
	return !strings.Contains(rest, "*") || (strings.HasPrefix(rest, "*.") && !strings.Contains(rest[1:], "*"))
}

package exposure

import (
	"fmt"
	"testing"
)

func TestIntersectHostnames(t *testing.T) {
	tests := []struct {
		listener string
		route    []string
		want     string
	}{
		// A route without hostnames inherits the listener's.
		{"*.example.com", nil, "[*.example.com]"},
		{"", nil, "[*]"},
		// A listener without hostname takes the route's.
		{"", []string{"a.example.com"}, "[a.example.com]"},
		// Wildcards are suffix matches of one or more labels...
		{"*.example.com", []string{"a.example.com", "a.b.example.com"}, "[a.example.com a.b.example.com]"},
		// ...never the bare domain, and never another domain.
		{"*.example.com", []string{"example.com"}, "[]"},
		{"*.example.com", []string{"a.example.org"}, "[]"},
		{"a.example.com", []string{"b.example.com"}, "[]"},
		// The more specific of two matching names is exposed.
		{"a.example.com", []string{"*.example.com"}, "[a.example.com]"},
		{"*.example.com", []string{"*.a.example.com"}, "[*.a.example.com]"},
		{"*.a.example.com", []string{"*.example.com"}, "[*.a.example.com]"},
		// Names compare case-insensitively.
		{"*.Example.com", []string{"A.example.COM"}, "[a.example.com]"},
		// Only the intersecting names.
		{"*.example.com", []string{"a.example.com", "b.other.org"}, "[a.example.com]"},
	}
	for _, tt := range tests {
		got := fmt.Sprint(intersectHostnames(tt.listener, tt.route))
		if got != tt.want {
			t.Errorf("listener %q route %v: got %s, want %s", tt.listener, tt.route, got, tt.want)
		}
	}
}

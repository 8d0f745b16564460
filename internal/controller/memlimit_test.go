package controller

import "testing"

func TestMemoryLimit(t *testing.T) {
	for _, tt := range []struct {
		env  map[string]string
		want int64
		ok   bool
	}{
		{map[string]string{MemoryLimitEnv: "536870912"}, 483183820, true},
		{map[string]string{MemoryLimitEnv: "536870912", "GOMEMLIMIT": "100MiB"}, 0, false}, // the user's wins
		{map[string]string{}, 0, false},
		{map[string]string{MemoryLimitEnv: "512Mi"}, 0, false}, // the downward API gives bytes
		{map[string]string{MemoryLimitEnv: "-1"}, 0, false},
	} {
		got, ok := MemoryLimit(func(k string) string { return tt.env[k] })
		if got != tt.want || ok != tt.ok {
			t.Errorf("%v: %d %v, want %d %v", tt.env, got, ok, tt.want, tt.ok)
		}
	}
}

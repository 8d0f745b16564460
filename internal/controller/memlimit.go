package controller

import (
	"runtime/debug"
	"strconv"
	"strings"
)

// MemoryLimitEnv is the variable the chart sets to the container's memory
// limit, in bytes.
const MemoryLimitEnv = "NETINV_MEMORY_LIMIT"

// memoryLimitShare is the part of the container's memory limit the Go
// runtime aims to stay under: the rest is headroom for what the runtime
// does not count (stacks, the binary, fragmentation).
const memoryLimitShare = 0.9

// MemoryLimit returns the soft memory limit the manager sets when the
// container's limit is known (MemoryLimitEnv) and GOMEMLIMIT does not
// already set one: 90% of the container's limit; ok is false otherwise.
func MemoryLimit(getenv func(string) string) (limit int64, ok bool) {
	if getenv("GOMEMLIMIT") != "" {
		return 0, false
	}
	v, err := strconv.ParseInt(strings.TrimSpace(getenv(MemoryLimitEnv)), 10, 64)
	if err != nil || v <= 0 {
		return 0, false
	}
	return int64(float64(v) * memoryLimitShare), true
}

// SetMemoryLimit applies MemoryLimit to the Go runtime, so the garbage
// collector works harder near the container's limit instead of the
// container being killed; it returns the limit set.
func SetMemoryLimit(getenv func(string) string) (int64, bool) {
	limit, ok := MemoryLimit(getenv)
	if ok {
		debug.SetMemoryLimit(limit)
	}
	return limit, ok
}

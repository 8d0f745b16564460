package scenarios

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// check compares a status with the scenario's want.yaml and returns the
// mismatches, readable.
func (sc *scenario) check(status map[string]any) []string {
	m := &matcher{ordered: sc.ordered, exact: sc.exact}
	diffs := m.match("", sc.want, status)
	keys := sortedKeys(sc.absent)
	for _, list := range keys {
		if _, ok := status[list]; !ok {
			diffs = append(diffs, fmt.Sprintf("absent.%s: the status has no %s (a typo?)", list, list))
			continue
		}
		unwanted, ok := sc.absent[list].([]any)
		if !ok {
			diffs = append(diffs, fmt.Sprintf("absent.%s: want a list of elements", list))
			continue
		}
		items := listItems(status[list])
		for i, u := range unwanted {
			for j, item := range items {
				if len(m.match("", u, item)) == 0 {
					diffs = append(diffs, fmt.Sprintf("absent.%s[%d] %s must not appear, but %s.items[%d] is %s",
						list, i, compact(u), list, j, compact(item)))
				}
			}
		}
	}
	return diffs
}

// listItems returns the items of a status list: `items` of an object
// (findings, endpoints...), or the list itself (conditions).
func listItems(v any) []any {
	switch v := v.(type) {
	case []any:
		return v
	case map[string]any:
		items, _ := v["items"].([]any)
		return items
	}
	return nil
}

// matcher compares a wanted subset with an actual value.
type matcher struct {
	ordered, exact map[string]bool
}

// match returns the mismatches of got against want at path: maps match
// when every wanted key matches; lists when every wanted element matches a
// distinct actual element, in any order (in order for the ordered paths;
// with no other element for the exact paths); scalars as strings. A wanted
// zero value (false, 0, "", null) also matches a missing field, as the
// status omits empty fields.
func (m *matcher) match(path string, want, got any) []string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			if got == nil && isZero(w) {
				return nil
			}
			return []string{fmt.Sprintf("%s: want an object %s, got %s", label(path), compact(w), compact(got))}
		}
		var out []string
		for _, k := range sortedKeys(w) {
			v, present := g[k]
			if !present && isZero(w[k]) {
				continue
			}
			if !present {
				out = append(out, fmt.Sprintf("%s: missing, want %s", join(path, k), compact(w[k])))
				continue
			}
			out = append(out, m.match(join(path, k), w[k], v)...)
		}
		return out
	case []any:
		g, ok := got.([]any)
		if !ok && got != nil {
			return []string{fmt.Sprintf("%s: want a list, got %s", label(path), compact(got))}
		}
		if m.ordered[schemaPath(path)] {
			return m.matchOrdered(path, w, g)
		}
		return m.matchUnordered(path, w, g)
	case nil:
		if isZero(got) {
			return nil
		}
		return []string{fmt.Sprintf("%s: want nothing, got %s", label(path), compact(got))}
	}
	if scalar(want) != scalar(got) {
		return []string{fmt.Sprintf("%s: want %s, got %s", label(path), scalar(want), compact(got))}
	}
	return nil
}

func (m *matcher) matchOrdered(path string, want, got []any) []string {
	var out []string
	for i, w := range want {
		if i >= len(got) {
			out = append(out, fmt.Sprintf("%s[%d]: missing, want %s", path, i, compact(w)))
			continue
		}
		out = append(out, m.match(fmt.Sprintf("%s[%d]", path, i), w, got[i])...)
	}
	if m.exact[schemaPath(path)] && len(got) > len(want) {
		out = append(out, fmt.Sprintf("%s: %d elements, want exactly %d; extra: %s", path, len(got), len(want), compact(got[len(want):])))
	}
	return out
}

// matchUnordered pairs each wanted element with a distinct actual element
// (a maximum bipartite matching), then reports the wanted elements left
// alone with the actual element closest to each.
func (m *matcher) matchUnordered(path string, want, got []any) []string {
	fits := make([][]bool, len(want))
	for i, w := range want {
		fits[i] = make([]bool, len(got))
		for j, g := range got {
			fits[i][j] = len(m.match("", w, g)) == 0
		}
	}
	pairedWith := make([]int, len(got)) // actual element -> wanted element, or -1
	for j := range pairedWith {
		pairedWith[j] = -1
	}
	var augment func(i int, seen []bool) bool
	augment = func(i int, seen []bool) bool {
		for j := range got {
			if fits[i][j] && !seen[j] {
				seen[j] = true
				if pairedWith[j] < 0 || augment(pairedWith[j], seen) {
					pairedWith[j] = i
					return true
				}
			}
		}
		return false
	}
	var out []string
	for i, w := range want {
		if augment(i, make([]bool, len(got))) {
			continue
		}
		msg := fmt.Sprintf("%s: wanted element #%d %s matches no actual element (of %d)", label(path), i+1, compact(w), len(got))
		if j, diffs := m.closest(w, got); j >= 0 {
			msg += fmt.Sprintf("; closest is %s[%d]:", path, j)
			for _, d := range diffs {
				msg += "\n      " + d
			}
			if slices.ContainsFunc(fits[i], func(b bool) bool { return b }) {
				msg += "\n      (matching elements exist but are taken by other wanted elements: make the wanted elements more specific)"
			}
		}
		out = append(out, msg)
	}
	if m.exact[schemaPath(path)] && len(got) != len(want) {
		var extra []string
		for j, g := range got {
			if pairedWith[j] < 0 {
				extra = append(extra, fmt.Sprintf("[%d] %s", j, compact(g)))
			}
		}
		out = append(out, fmt.Sprintf("%s: %d elements, want exactly %d; not wanted: %s", label(path), len(got), len(want), strings.Join(extra, ", ")))
	}
	return out
}

// closest returns the actual element with the fewest mismatches against w,
// and those mismatches.
func (m *matcher) closest(w any, got []any) (int, []string) {
	best, bestDiffs := -1, []string(nil)
	for j, g := range got {
		d := m.match("", w, g)
		if best < 0 || len(d) < len(bestDiffs) {
			best, bestDiffs = j, d
		}
	}
	return best, bestDiffs
}

// schemaPath drops the list indexes of a path: findings.items[3].x ->
// findings.items.x.
func schemaPath(path string) string {
	var b strings.Builder
	depth := 0
	for _, r := range path {
		switch {
		case r == '[':
			depth++
		case r == ']':
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func label(path string) string {
	if path == "" {
		return "(element)"
	}
	return path
}

func isZero(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case string:
		return v == ""
	case bool:
		return !v
	case float64:
		return v == 0
	case map[string]any:
		return len(v) == 0
	case []any:
		return len(v) == 0
	}
	return false
}

// scalar renders a scalar as a string: want.yaml's `80` and `"80"` both
// match the status's 80.
func scalar(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case string:
		return v
	case map[string]any, []any:
		return compact(v)
	}
	return fmt.Sprint(v)
}

// compact renders a value on one line, for messages.
func compact(v any) string {
	if v == nil {
		return "nothing"
	}
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	s := string(data)
	if len(s) > 400 {
		s = s[:400] + "..."
	}
	return s
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// TestMatcher pins the subset semantics want.yaml files rely on.
func TestMatcher(t *testing.T) {
	parse := func(s string) any {
		var v any
		if err := yaml.Unmarshal([]byte(s), &v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tt := range []struct {
		name, want, got string
		ordered, exact  bool
		ok              bool
	}{
		{name: "subset of a map", want: `{a: 1}`, got: `{a: 1, b: 2}`, ok: true},
		{name: "wanted key missing", want: `{a: 1, c: 3}`, got: `{a: 1}`},
		{name: "zero value matches an omitted field", want: `{a: 1, acknowledged: false, n: 0, s: ""}`, got: `{a: 1}`, ok: true},
		{name: "scalars compare as strings", want: `{port: "80", ok: "true"}`, got: `{port: 80, ok: true}`, ok: true},
		{name: "scalar differs", want: `{port: 80}`, got: `{port: 443}`},
		{name: "lists in any order", want: `[{a: 2}, {a: 1}]`, got: `[{a: 1}, {a: 2}, {a: 3}]`, ok: true},
		{name: "each wanted element needs its own actual element", want: `[{a: 1}, {a: 1}]`, got: `[{a: 1}, {a: 2}]`},
		{name: "pairing is a matching, not first come first served", want: `[{a: 1}, {a: 1, b: 2}]`, got: `[{a: 1, b: 2}, {a: 1}]`, ok: true},
		{name: "ordered lists compare by position", want: `[{a: 2}, {a: 1}]`, got: `[{a: 1}, {a: 2}]`, ordered: true},
		{name: "ordered prefix", want: `[{a: 1}]`, got: `[{a: 1}, {a: 2}]`, ordered: true, ok: true},
		{name: "exact lists have no other element", want: `[{a: 1}]`, got: `[{a: 1}, {a: 2}]`, exact: true},
		{name: "exact empty list", want: `[]`, got: `[]`, exact: true, ok: true},
		{name: "a wanted list against a missing one", want: `[{a: 1}]`, got: `null`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := &matcher{ordered: map[string]bool{"": tt.ordered}, exact: map[string]bool{"": tt.exact}}
			diffs := m.match("", parse(tt.want), parse(tt.got))
			if (len(diffs) == 0) != tt.ok {
				t.Errorf("match(%s, %s): %q, want ok=%v", tt.want, tt.got, diffs, tt.ok)
			}
		})
	}
	sc := &scenario{want: map[string]any{}, absent: parse(`{findings: [{rule: R, subject: x}], conditions: [{type: T, status: "True"}]}`).(map[string]any)}
	status := parse(`{findings: {items: [{rule: R, subject: y}, {rule: Q, subject: x}]}, conditions: [{type: T, status: "False"}]}`).(map[string]any)
	if diffs := sc.check(status); len(diffs) != 0 {
		t.Errorf("nothing absent is present: %q", diffs)
	}
	status["conditions"] = parse(`[{type: T, status: "True", reason: X}]`)
	if diffs := sc.check(status); len(diffs) != 1 || !strings.Contains(diffs[0], "absent.conditions[0]") {
		t.Errorf("an absent element that is present is reported: %q", diffs)
	}
}

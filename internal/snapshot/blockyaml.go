package snapshot

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"
)

// YAMLToJSON converts one YAML document to JSON as kubectl reads it
// (sigs.k8s.io/yaml's YAMLToJSON, YAML 1.1), but for the order of keys.
// A document in the plain block style that kubectl, Helm and kustomize
// print is converted by blockYAMLToJSON without building it as a tree of
// Go values first; anything else by sigs.k8s.io/yaml.
func YAMLToJSON(doc []byte) ([]byte, error) {
	if out, ok := blockYAMLToJSON(doc); ok {
		return out, nil
	}
	return yaml.YAMLToJSON(doc)
}

// blockYAMLToJSON converts a YAML document written in plain block style to
// the JSON yaml.YAMLToJSON gives for it (keys in the document's order, not
// sorted; the same values). ok is false, and the document is to be
// converted by sigs.k8s.io/yaml, when the document is not a block mapping
// or uses anything outside that style: flow mappings other than {}, flow
// sequences of anything but scalars on one line, block scalars (| and >),
// anchors, aliases, tags, directives, complex keys, scalars over several
// lines, escapes in quoted scalars, plain scalars YAML 1.1 may read as
// anything but a string, a decimal integer, true, false or null (yes, on,
// True, ~, 0755, 0x1F, 1e3, 1.5, -1), a '#' inside a plain scalar,
// duplicate keys, keys beyond 1000 bytes, tabs, carriage returns, control
// or non-ASCII bytes.
// TestBlockYAMLMatchesSigsYAML and FuzzBlockYAML check it against
// yaml.YAMLToJSON.
func blockYAMLToJSON(doc []byte) (out []byte, ok bool) {
	for _, c := range doc {
		if c >= 0x7f || c < ' ' && c != '\n' {
			return nil, false
		}
	}
	p := blockParser{src: doc, out: make([]byte, 0, len(doc)+len(doc)/4)}
	p.advance()
	if p.eof || p.col != 0 || !p.mapping(0) || !p.eof {
		return nil, false
	}
	return p.out, true
}

// maxBlockDepth bounds the nesting blockYAMLToJSON follows; deeper
// documents are left to sigs.k8s.io/yaml.
const maxBlockDepth = 64

// maxImplicitKey bounds the length of a key, quotes included: YAML
// allows a key without "?" of at most 1024 characters, up to its colon
// (go-yaml v2 refuses a longer one); a little less, to be safe.
const maxImplicitKey = 1000

// maxBlockKeys bounds the keys of one mapping blockYAMLToJSON checks for
// duplicates (pairwise); bigger mappings are left to sigs.k8s.io/yaml.
const maxBlockKeys = 256

// blockParser reads a document line by line. The current line is text,
// its content starting at column col (past the indentation, or past a
// sequence entry's "- "); eof is set past the last line.
type blockParser struct {
	src   []byte
	next  int // offset of the line after the current one
	text  []byte
	col   int
	eof   bool
	depth int
	keys  [][]byte // the keys of the mappings being read, innermost last
	out   []byte
}

// advance moves to the next line with content, skipping blank lines and
// comment lines.
func (p *blockParser) advance() {
	for p.next < len(p.src) {
		line := p.src[p.next:]
		if i := bytes.IndexByte(line, '\n'); i >= 0 {
			line = line[:i]
			p.next += i + 1
		} else {
			p.next = len(p.src)
		}
		col := 0
		for col < len(line) && line[col] == ' ' {
			col++
		}
		if col == len(line) || line[col] == '#' {
			continue
		}
		p.text, p.col = line, col
		return
	}
	p.text, p.col, p.eof = nil, 0, true
}

// rest is the current line from its content on.
func (p *blockParser) rest() []byte { return p.text[p.col:] }

// sequenceEntry says whether the current line's content is a "- " entry.
func (p *blockParser) sequenceEntry() bool {
	r := p.rest()
	return len(r) > 0 && r[0] == '-' && (len(r) == 1 || r[1] == ' ')
}

// mapping reads a block mapping whose keys are at column ind, the current
// line holding its first key.
func (p *blockParser) mapping(ind int) bool {
	if p.depth++; p.depth > maxBlockDepth {
		return false
	}
	defer func() { p.depth-- }()
	base := len(p.keys)
	defer func() { p.keys = p.keys[:base] }()
	p.out = append(p.out, '{')
	for {
		key, value, isKey := splitKey(p.rest())
		if !isKey || len(p.keys)-base >= maxBlockKeys {
			return false
		}
		for _, k := range p.keys[base:] {
			if bytes.Equal(k, key) {
				return false
			}
		}
		if len(p.keys) > base {
			p.out = append(p.out, ',')
		}
		p.keys = append(p.keys, key)
		p.out = appendJSONString(p.out, key)
		p.out = append(p.out, ':')
		if value != nil {
			if !p.scalar(value) {
				return false
			}
			p.advance()
		} else if !p.nested(ind) {
			return false
		}
		switch {
		case p.eof || p.col < ind:
			p.out = append(p.out, '}')
			return true
		case p.col > ind:
			return false
		}
	}
}

// nested reads the value of a key of a mapping at column ind whose line
// ends after the colon: a mapping or sequence on the lines below, a
// sequence at the key's own column, or null.
func (p *blockParser) nested(ind int) bool {
	p.advance()
	switch {
	case !p.eof && p.col >= ind && p.sequenceEntry():
		return p.sequence(p.col)
	case !p.eof && p.col > ind:
		return p.mapping(p.col)
	default:
		p.out = append(p.out, "null"...)
		return true
	}
}

// sequence reads a block sequence whose "- " are at column ind, the
// current line holding its first entry. An entry is a scalar, {} or [] on
// its line, or a mapping starting on it.
func (p *blockParser) sequence(ind int) bool {
	if p.depth++; p.depth > maxBlockDepth {
		return false
	}
	defer func() { p.depth-- }()
	p.out = append(p.out, '[')
	for first := true; ; first = false {
		if !first {
			p.out = append(p.out, ',')
		}
		c := p.col + 1
		for c < len(p.text) && p.text[c] == ' ' {
			c++
		}
		if c == len(p.text) || p.text[c] == '#' {
			return false // the entry's value is on the lines below
		}
		p.col = c
		if p.sequenceEntry() {
			return false // a sequence in a sequence
		}
		if _, _, isKey := splitKey(p.rest()); isKey {
			if !p.mapping(c) {
				return false
			}
		} else {
			if !p.scalar(p.rest()) {
				return false
			}
			p.advance()
		}
		switch {
		case p.eof || p.col < ind:
			p.out = append(p.out, ']')
			return true
		case p.col == ind && p.sequenceEntry():
			continue
		case p.col == ind:
			p.out = append(p.out, ']')
			return true // the next key of the mapping the sequence is in
		default:
			return false
		}
	}
}

// splitKey splits "key: value" into the key (a plain key that YAML 1.1
// reads as a string, or a quoted one without escapes) and the value,
// which is nil when the line ends after the colon (or a comment follows
// it). isKey is false when s does not start that way.
func splitKey(s []byte) (key, value []byte, isKey bool) {
	var rest []byte
	if len(s) > 0 && (s[0] == '"' || s[0] == '\'') {
		var ok bool
		if key, rest, ok = quoted(s); !ok {
			return nil, nil, false
		}
	} else {
		n := 0
		for n < len(s) && (isKeyByte(s[n]) || s[n] == ':' && n+1 < len(s) && isKeyByte(s[n+1])) {
			n++ // a ':' followed by a key byte is in the key (Cilium's "k8s:app")
		}
		if n == 0 || !startsPlain(s[0]) || isSpecialWord(s[:n]) {
			return nil, nil, false
		}
		key, rest = s[:n], s[n:]
	}
	if len(rest) == 0 || rest[0] != ':' || len(rest) > 1 && rest[1] != ' ' ||
		len(s)-len(rest) > maxImplicitKey {
		return nil, nil, false
	}
	rest = bytes.TrimLeft(rest[1:], " ")
	if len(rest) == 0 || rest[0] == '#' {
		return key, nil, true
	}
	return key, rest, true
}

// scalar writes the JSON of a value written on one line: {}, a flow
// sequence of scalars ([], [a, "b", 3]), a quoted scalar without escapes,
// or a plain scalar (see plain); an optional comment may follow.
func (p *blockParser) scalar(s []byte) bool {
	switch s[0] {
	case '{':
		if len(s) < 2 || s[1] != '}' || !onlyComment(s[2:]) {
			return false
		}
		p.out = append(p.out, "{}"...)
		return true
	case '[':
		rest, ok := p.flowSequence(s)
		return ok && onlyComment(rest)
	case '"', '\'':
		v, rest, ok := quoted(s)
		if !ok || !onlyComment(rest) {
			return false
		}
		p.out = appendJSONString(p.out, v)
		return true
	}
	v := s
	if i := bytes.Index(v, []byte(" #")); i >= 0 {
		v = v[:i]
	}
	v = bytes.TrimRight(v, " ")
	if v[len(v)-1] == ':' || bytes.Contains(v, []byte(": ")) {
		return false
	}
	return p.plain(v)
}

// flowSequence writes a flow sequence of quoted and plain scalars written
// on one line ("[a, 'b', 3]", "[]") and returns what follows it.
func (p *blockParser) flowSequence(s []byte) (rest []byte, ok bool) {
	p.out = append(p.out, '[')
	s = bytes.TrimLeft(s[1:], " ")
	if len(s) > 0 && s[0] == ']' {
		p.out = append(p.out, ']')
		return s[1:], true
	}
	for {
		if len(s) == 0 {
			return nil, false
		}
		if s[0] == '"' || s[0] == '\'' {
			v, after, ok := quoted(s)
			if !ok {
				return nil, false
			}
			p.out = appendJSONString(p.out, v)
			s = after
		} else {
			end := bytes.IndexAny(s, ",]")
			if end < 0 {
				return nil, false
			}
			v := bytes.TrimRight(s[:end], " ")
			// In a flow, go-yaml v2 ends a plain scalar at '?' too.
			if len(v) == 0 || bytes.ContainsAny(v, ":?") || !p.plain(v) {
				return nil, false
			}
			s = s[end:]
		}
		s = bytes.TrimLeft(s, " ")
		switch {
		case len(s) > 0 && s[0] == ']':
			p.out = append(p.out, ']')
			return s[1:], true
		case len(s) > 0 && s[0] == ',':
			p.out = append(p.out, ',')
			s = bytes.TrimLeft(s[1:], " ")
			if len(s) > 0 && s[0] == ']' {
				return nil, false // a trailing comma
			}
		default:
			return nil, false
		}
	}
}

// quoted reads a quoted scalar without escapes at the start of s (which
// starts with its quote) and returns its value and what follows it.
func quoted(s []byte) (v, rest []byte, ok bool) {
	end := bytes.IndexByte(s[1:], s[0])
	if end < 0 {
		return nil, nil, false
	}
	v, rest = s[1:1+end], s[2+end:]
	if s[0] == '"' && bytes.IndexByte(v, '\\') >= 0 || s[0] == '\'' && len(rest) > 0 && rest[0] == '\'' {
		return nil, nil, false // an escape
	}
	return v, rest, true
}

// plain writes the JSON of a plain scalar (trimmed, without its comment)
// that YAML 1.1 reads as a string, a decimal integer, true, false or null;
// it is false for anything else.
func (p *blockParser) plain(v []byte) bool {
	switch string(v) {
	case "true", "false", "null":
		p.out = append(p.out, v...)
		return true
	}
	if !startsPlain(v[0]) && !isDigit(v[0]) && v[0] != '.' || isSpecialWord(v) {
		return false
	}
	for _, c := range v {
		if !isPlainByte(c) {
			return false
		}
	}
	switch {
	case v[0] == '.':
		if _, err := strconv.ParseFloat(string(v), 64); err == nil || isSpecialFloat(v) {
			return false // .5, .inf, .nan
		}
	case isDigit(v[0]):
		switch numberKind(v) {
		case decimalInteger:
			p.out = append(p.out, v...)
			return true
		case maybeNumber:
			return false
		}
	}
	p.out = appendJSONString(p.out, v)
	return true
}

// isSpecialFloat says whether v is .inf or .nan, in any case.
func isSpecialFloat(v []byte) bool {
	return equalFoldAny(v, ".inf", ".nan")
}

// equalFoldAny says whether v is one of words, in any case.
func equalFoldAny(v []byte, words ...string) bool {
	for _, w := range words {
		if len(v) == len(w) && strings.EqualFold(string(v), w) { // no copy: the conversion does not escape
			return true
		}
	}
	return false
}

// onlyComment says whether s is blank or a comment (after a space).
func onlyComment(s []byte) bool {
	t := bytes.TrimLeft(s, " ")
	return len(t) == 0 || t[0] == '#' && len(t) < len(s)
}

// Kinds of plain scalars that start with a digit.
const (
	decimalInteger = iota // 0 or [1-9][0-9]* of at most 18 digits
	notANumber            // a string (or a timestamp, which reads as a string)
	maybeNumber           // another integer, or a float: left to sigs.k8s.io/yaml
)

// yamlStyleFloat is what go-yaml v2 reads as a float (its resolve).
var yamlStyleFloat = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)

// numberKind says how go-yaml v2 (its resolve, for a plain scalar starting
// with a digit) reads v: as an integer when strconv parses it in base 0
// once '_' are removed (signed, unsigned, or after "0b" in base 2), as a
// float when it has a float's form and strconv parses it (3e833491 does
// not), else as a string (timestamps too, when decoded into an interface,
// as sigs.k8s.io/yaml does).
func numberKind(v []byte) int {
	digits := true
	for _, c := range v {
		digits = digits && isDigit(c)
	}
	if digits && len(v) <= 18 && (v[0] != '0' || len(v) == 1) {
		return decimalInteger
	}
	plain := strings.ReplaceAll(string(v), "_", "")
	if _, err := strconv.ParseInt(plain, 0, 64); err == nil {
		return maybeNumber
	}
	if _, err := strconv.ParseUint(plain, 0, 64); err == nil {
		return maybeNumber
	}
	if yamlStyleFloat.MatchString(plain) {
		if _, err := strconv.ParseFloat(plain, 64); err == nil {
			return maybeNumber
		}
	}
	if bin, ok := strings.CutPrefix(plain, "0b"); ok {
		if _, err := strconv.ParseInt(bin, 2, 64); err == nil {
			return maybeNumber
		}
		if _, err := strconv.ParseUint(bin, 2, 64); err == nil {
			return maybeNumber
		}
	}
	return notANumber
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// startsPlain says whether a plain key or string may start with c (never
// an indicator, a digit, '.', '+', '-' or '~').
func startsPlain(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '/'
}

// isKeyByte says whether c may be in a plain key.
func isKeyByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || isDigit(c) || c == '.' || c == '_' || c == '/' || c == '-'
}

// isPlainByte says whether c may be in a plain scalar read here (no
// quotes, brackets, braces, '#', '|', '>', '<' or '`').
func isPlainByte(c byte) bool {
	switch c {
	case '"', '\'', '[', ']', '{', '}', '#', '|', '>', '<', '`':
		return false
	}
	return c >= ' ' && c < 0x7f
}

// isSpecialWord says whether a plain scalar is one YAML 1.1 reads as a
// boolean or null (y, yes, on, true, n, no, off, false, null, in any
// case: a superset of go-yaml v2's list).
func isSpecialWord(v []byte) bool {
	return len(v) <= 5 && equalFoldAny(v, "y", "yes", "on", "true", "n", "no", "off", "false", "null")
}

// appendJSONString appends s, printable ASCII, as a JSON string.
func appendJSONString(out, s []byte) []byte {
	out = append(out, '"')
	for {
		i := bytes.IndexAny(s, `"\`)
		if i < 0 {
			break
		}
		out = append(out, s[:i]...)
		out = append(out, '\\', s[i])
		s = s[i+1:]
	}
	out = append(out, s...)
	return append(out, '"')
}

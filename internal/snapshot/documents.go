package snapshot

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// DocumentError is a YAML document that could not be read, with its
// position.
type DocumentError struct {
	// File the document is in ("-" for standard input).
	File string
	// Document is the 1-based index of the document in the file.
	Document int
	// Line is the 1-based line of the file the document's content starts
	// at (past the comments and blank lines that precede it).
	Line int
	// Err says what is wrong.
	Err error
}

// Error is one line however long or multi-line the underlying error is
// (see OneLine), so a document's body is never dumped.
func (e *DocumentError) Error() string {
	return OneLine(fmt.Sprintf("%s: document %d (line %d): %s", e.File, e.Document, e.Line, e.Err))
}

func (e *DocumentError) Unwrap() error { return e.Err }

// ObjectError is an object of a build that could not be read.
type ObjectError struct {
	// Origin says where the object came from (a Kustomization, a
	// HelmRelease).
	Origin string
	// Kind, Namespace and Name identify the object.
	Kind, Namespace, Name string
	// Err says what is wrong.
	Err error
}

// Error is one line, as DocumentError's.
func (e *ObjectError) Error() string {
	return OneLine(fmt.Sprintf("%s: %s %s/%s: %s", e.Origin, e.Kind, e.Namespace, e.Name, e.Err))
}

func (e *ObjectError) Unwrap() error { return e.Err }

// ErrUnknownKind is wrapped by the error of a document whose kind is not a
// source kind.
var ErrUnknownKind = errors.New("not a kind the inventory reads")

// ErrNotAnObject is wrapped by the error of a document that is a mapping
// with neither apiVersion nor kind: not a Kubernetes object (a values or
// kustomization file, say). A caller may skip it without losing an object.
var ErrNotAnObject = errors.New("not a Kubernetes object (neither apiVersion nor kind)")

// ErrNoManifests is wrapped by the error of a directory holding no
// manifest file.
var ErrNoManifests = errors.New("no .yaml, .yml or .json file")

// Bounds of OneLine.
const (
	maxQuoted  = 200
	maxMessage = 2000
	// slack is more than the "...(N bytes)" a cut adds, so that a string
	// cut once is not cut again.
	slack = 32
)

// OneLine makes an error message fit one line of a terminal log: line
// breaks become "; ", each double-quoted string longer than about 200
// bytes is cut (saying how long it was), and the whole is cut at 2000
// bytes. It is idempotent.
func OneLine(msg string) string {
	msg = strings.Join(strings.FieldsFunc(msg, func(r rune) bool { return r == '\n' || r == '\r' }), "; ")
	var b strings.Builder
	for {
		open := strings.IndexByte(msg, '"')
		if open < 0 {
			b.WriteString(msg)
			break
		}
		b.WriteString(msg[:open+1])
		msg = msg[open+1:]
		end := closingQuote(msg)
		if end < 0 {
			b.WriteString(shorten(msg))
			break
		}
		b.WriteString(shorten(msg[:end]))
		b.WriteByte('"')
		msg = msg[end+1:]
	}
	if b.Len() > maxMessage {
		return cut(b.String(), maxMessage-3) + "..."
	}
	return b.String()
}

func shorten(quoted string) string {
	if len(quoted) <= maxQuoted+slack {
		return quoted
	}
	return cut(quoted, maxQuoted) + "...(" + strconv.Itoa(len(quoted)) + " bytes)"
}

// closingQuote returns the index of the first '"' of s not escaped by a
// backslash, or -1.
func closingQuote(s string) int {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return -1
}

// cut returns at most n bytes of s, not splitting a UTF-8 sequence.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// readDocuments reads a YAML stream and calls add with each document and
// the 1-based line its content starts at. Documents are separated by lines
// of "---" (optionally followed by a comment); leading comment and blank
// lines are not part of a document, and documents with nothing else are
// skipped. Lines may be of any length.
func readDocuments(r io.Reader, add func(body []byte, line int)) error {
	br := bufio.NewReader(r)
	var cur bytes.Buffer
	start, n := 0, 0
	flush := func() {
		if start > 0 {
			add(bytes.Clone(cur.Bytes()), start)
		}
		cur.Reset()
		start = 0
	}
	for {
		text, err := br.ReadBytes('\n')
		if len(text) > 0 {
			n++
			switch {
			case isSeparator(text):
				flush()
			case start > 0:
				cur.Write(text)
			case hasContent(text):
				start = n
				cur.Write(text)
			}
		}
		if err != nil {
			flush()
			if err == io.EOF {
				return nil
			}
			return err
		}
	}
}

func isSeparator(line []byte) bool {
	rest, ok := bytes.CutPrefix(line, []byte("---"))
	if !ok {
		return false
	}
	rest = bytes.TrimSpace(rest)
	return len(rest) == 0 || rest[0] == '#'
}

func hasContent(line []byte) bool {
	t := bytes.TrimSpace(line)
	return len(t) > 0 && t[0] != '#'
}

// yamlLine matches the line a YAML parser error names, relative to the
// document.
var yamlLine = regexp.MustCompile(`\byaml: line (\d+):`)

// absoluteLines rewrites the lines a YAML parser error names, relative to
// a document starting at line start, to lines of the file.
func absoluteLines(err error, start int) error {
	msg := err.Error()
	if !yamlLine.MatchString(msg) {
		return err
	}
	return errors.New(yamlLine.ReplaceAllStringFunc(msg, func(m string) string {
		rel, _ := strconv.Atoi(yamlLine.FindStringSubmatch(m)[1])
		return "yaml: line " + strconv.Itoa(start+rel-1) + ":"
	}))
}

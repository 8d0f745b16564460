// Package markdown writes the Markdown the reports are made of: text that
// remembers its first write error, and tables whose cells cannot break
// them.
package markdown

import (
	"fmt"
	"io"
	"strings"
)

// Writer writes Markdown to W, remembering the first write error in Err;
// after an error it writes nothing more.
type Writer struct {
	W   io.Writer
	Err error
}

// Printf writes formatted text.
func (m *Writer) Printf(format string, args ...any) {
	if m.Err == nil {
		_, m.Err = fmt.Fprintf(m.W, format, args...)
	}
}

// Table writes a table's header, separator and rows; pipes in cells are
// escaped and line breaks folded, so a cell cannot end its row.
func (m *Writer) Table(header []string, rows [][]string) {
	m.Printf("| %s |\n|%s\n", strings.Join(header, " | "), strings.Repeat(" --- |", len(header)))
	for _, r := range rows {
		cells := make([]string, len(r))
		for i, c := range r {
			cells[i] = strings.ReplaceAll(strings.ReplaceAll(c, "|", `\|`), "\n", " ")
		}
		m.Printf("| %s |\n", strings.Join(cells, " | "))
	}
}

// Code is s as inline code, or "" for "".
func Code(s string) string {
	if s == "" {
		return ""
	}
	return "`" + s + "`"
}

// OrDash is s, or "-" for "".
func OrDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

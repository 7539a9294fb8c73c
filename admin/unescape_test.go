package admin

import "testing"

// TestUnescapeHTML: the job page shows args with <, > and & as written,
// while other escapes, and an escaped backslash before "u003c", stay.
func TestUnescapeHTML(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`{"a": "\u003cb\u003e \u0026"}`, `{"a": "<b> &"}`},
		{`"\\u003c"`, `"\\u003c"`},
		{`"\\\u003c"`, `"\\<"`},
		{`"\n\t\"\u00e9"`, `"\n\t\"\u00e9"`},
		{`"\u003`, `"\u003`},
		{`\`, `\`},
		{``, ``},
	} {
		if got := unescapeHTML(c.in); got != c.want {
			t.Errorf("unescapeHTML(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

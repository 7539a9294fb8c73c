package postgres

import (
	"errors"
	"strings"
	"testing"
)

func TestValidateSchema(t *testing.T) {
	tests := []struct {
		name   string
		schema string
		reason string // "" when valid; else a substring of the error
	}{
		{"simple", "tenant_acme", ""},
		{"leading underscore", "_t1", ""},
		{"digits", "t0123456789", ""},
		{"single letter", "a", ""},
		{"63 bytes", "a" + strings.Repeat("b", 62), ""},
		{"keyword is fine quoted", "select", ""},
		{"empty", "", "empty"},
		{"64 bytes", "a" + strings.Repeat("b", 63), "64 bytes long"},
		{"very long", strings.Repeat("x", 10000), "10000 bytes long"},
		{"uppercase", "Acme", "must match"},
		{"leading digit", "1tenant", "must match"},
		{"hyphen", "tenant-a", "must match"},
		{"space", "tenant a", "must match"},
		{"double quote", `a"b`, "must match"},
		{"single quote", "a'b", "must match"},
		{"semicolon", "a;b", "must match"},
		{"injection", "public; DROP TABLE x", "must match"},
		{"quoted injection", `x"; DROP TABLE x; --`, "must match"},
		{"comma list", "a,public", "must match"},
		{"dot", "a.b", "must match"},
		{"dollar", "a$b", "must match"},
		{"NUL", "a\x00b", "must match"},
		{"newline", "a\nb", "must match"},
		{"trailing newline", "tenant\n", "must match"},
		{"non-ASCII letter", "tenänt", "must match"},
		{"pg_ prefix", "pg_catalog", "reserved for system schemas"},
		{"pg_toast", "pg_toast", "reserved for system schemas"},
		{"information_schema", "information_schema", "shared schema"},
		{"public", "public", "shared schema"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateSchema(tt.schema)
			if tt.reason == "" {
				if err != nil {
					t.Fatalf("ValidateSchema(%q) = %v, want nil", tt.schema, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("ValidateSchema(%q) = nil, want an error about %q", tt.schema, tt.reason)
			}
			if !errors.Is(err, ErrInvalidSchema) {
				t.Errorf("errors.Is(%v, ErrInvalidSchema) = false", err)
			}
			var se *SchemaError
			if !errors.As(err, &se) || se.Schema != tt.schema {
				t.Errorf("error %v is not a *SchemaError for %q", err, tt.schema)
			}
			if !strings.Contains(err.Error(), tt.reason) {
				t.Errorf("error %q does not contain %q", err, tt.reason)
			}
			if len(err.Error()) > 300 {
				t.Errorf("error message is %d bytes long; hostile names must be clipped", len(err.Error()))
			}
		})
	}
}

func TestSearchPathQuotesTheSchema(t *testing.T) {
	// Validation comes first; quoting still holds for any valid name.
	if got, want := searchPath("tenant_a"), `"tenant_a", pg_temp`; got != want {
		t.Errorf("searchPath = %q, want %q", got, want)
	}
	if got, want := searchPath(`a"b`), `"a""b", pg_temp`; got != want {
		t.Errorf("searchPath = %q, want %q", got, want)
	}
}

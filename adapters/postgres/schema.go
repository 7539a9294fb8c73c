package postgres

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5"
)

// ErrInvalidSchema is wrapped by every *SchemaError.
var ErrInvalidSchema = errors.New("invalid schema name")

// SchemaPattern is the rule a tenant schema name must match: a lowercase
// PostgreSQL identifier of at most 63 bytes (NAMEDATALEN-1) that needs no
// quoting. The executor still quotes it; the rule keeps odd names out of the
// tenants table altogether.
const SchemaPattern = `^[a-z_][a-z0-9_]{0,62}$`

var schemaRE = regexp.MustCompile(SchemaPattern)

// maxSchemaLen is PostgreSQL's identifier limit (NAMEDATALEN-1 bytes); longer
// names would be truncated silently, so they are refused.
const maxSchemaLen = 63

// SchemaError says why a schema name was refused.
type SchemaError struct {
	Schema string // the refused name, as the resolver returned it
	Reason string
}

// Error implements error.
func (e *SchemaError) Error() string {
	return fmt.Sprintf("%v %s: %s", ErrInvalidSchema, clip(e.Schema), e.Reason)
}

// Unwrap returns ErrInvalidSchema.
func (e *SchemaError) Unwrap() error { return ErrInvalidSchema }

// ValidateSchema checks that name can serve as a tenant's schema: it matches
// SchemaPattern and is none of PostgreSQL's system or shared schemas
// (pg_*, information_schema, public), so that a misconfigured tenant cannot
// run against another tenant's or the application's tables. It returns a
// *SchemaError, or nil.
func ValidateSchema(name string) error {
	reason := ""
	switch {
	case name == "":
		reason = "empty"
	case len(name) > maxSchemaLen:
		reason = fmt.Sprintf("%d bytes long, the limit is %d", len(name), maxSchemaLen)
	case !schemaRE.MatchString(name):
		reason = "must match " + SchemaPattern + " (lowercase letters, digits and underscores, not starting with a digit)"
	case strings.HasPrefix(name, "pg_"):
		reason = "the pg_ prefix is reserved for system schemas"
	case name == "information_schema" || name == "public":
		reason = "a shared schema cannot be a tenant's schema"
	default:
		return nil
	}
	return &SchemaError{Schema: name, Reason: reason}
}

// searchPath returns the search_path that scopes a transaction to schema:
// the schema, then pg_temp. Listed last, the session's temporary schema is
// searched after the tenant's tables; unlisted, it would be searched first.
// pg_catalog, unlisted, is searched before both. Callers validate schema
// first; quoting it as an identifier is a second line of defence, never a
// substitute.
func searchPath(schema string) string {
	return pgx.Identifier{schema}.Sanitize() + ", pg_temp"
}

// scopeToSchema is the statement that sets the current transaction's
// search_path ($1, see searchPath) if schema $2 exists: it returns a row
// only then. The check matters because with pg_temp in the path, a missing
// schema would leave the session's temporary schema as the one unqualified
// CREATE TABLE writes to.
const scopeToSchema = "SELECT set_config('search_path', $1, true) FROM pg_catalog.pg_namespace WHERE nspname = $2"

// clip quotes s for an error message, shortening it so that a hostile value
// cannot flood logs.
func clip(s string) string {
	const limit = 80
	if len(s) > limit {
		return fmt.Sprintf("%q... (%d bytes)", s[:limit], len(s))
	}
	return fmt.Sprintf("%q", s)
}

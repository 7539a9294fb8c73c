package docscheck

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"strings"
)

// Snippet is one ```go block of a markdown file.
type Snippet struct {
	Line int    // line of the markdown file where the code starts
	Code string // the code, without the fences
}

// Kind says how a snippet is compiled.
type Kind int

// The kinds of snippets.
const (
	// CompleteFile starts with a package clause and is compiled as it is.
	CompleteFile Kind = iota
	// Declarations are top-level declarations (or only comments, such as
	// a go:generate line): they get a package clause and their imports.
	Declarations
	// Statements are a function body. They are compiled in a function
	// returning error, with the names of Scope in scope, in the package of
	// the markdown's first complete file (whose declarations are then in
	// scope too); the variables they declare, other than err, may stay
	// unused (they are for the code that would follow).
	Statements
)

// Scope is the parameter list of the function that Statements snippets
// are compiled in: the names README.md says its snippets have in scope.
const Scope = "ctx context.Context, backend jobs.Backend, registry *runtime.Registry, client *generated.Client"

// GoBlocks returns the ```go fenced blocks of markdown.
func GoBlocks(markdown string) []Snippet {
	var blocks []Snippet
	var cur []string
	start := 0
	for i, line := range strings.Split(markdown, "\n") {
		switch {
		case start == 0 && strings.TrimSpace(line) == "```go":
			start, cur = i+2, nil
		case start > 0 && strings.TrimSpace(line) == "```":
			blocks = append(blocks, Snippet{Line: start, Code: strings.Join(cur, "\n")})
			start = 0
		case start > 0:
			cur = append(cur, line)
		}
	}
	return blocks
}

// Kind classifies the snippet by what parses.
func (s Snippet) Kind() Kind {
	fset := token.NewFileSet()
	if s.Package() != "" {
		return CompleteFile
	}
	if _, err := parser.ParseFile(fset, "", "package p\n"+s.Code, parser.SkipObjectResolution); err == nil {
		return Declarations
	}
	return Statements
}

// Package returns the name in the snippet's package clause, "" if it has
// none.
func (s Snippet) Package() string {
	f, err := parser.ParseFile(token.NewFileSet(), "", s.Code, parser.PackageClauseOnly)
	if err != nil {
		return ""
	}
	return f.Name.Name
}

// Source returns a Go file that compiles the snippet as its Kind says, in
// package pkg. imports maps the package names a snippet may use without
// importing them to their import paths. A //line directive makes compiler
// errors name the snippet's line of the markdown file at path.
func (s Snippet) Source(pkg, path string, imports map[string]string) (string, error) {
	directive := fmt.Sprintf("//line %s:%d\n", path, s.Line)
	switch s.Kind() {
	case CompleteFile:
		return directive + s.Code + "\n", nil
	case Declarations:
		body := directive + s.Code + "\n"
		return withImports(pkg, body, imports)
	}
	body := "func _(" + Scope + ") error {\n{\n" + directive + s.Code + "\n"
	names, err := declared(body + "}\nreturn nil\n}\n")
	if err != nil {
		return "", err
	}
	for _, n := range names {
		body += "_ = " + n + "\n"
	}
	return withImports(pkg, body+"}\nreturn nil\n}\n", imports)
}

// withImports prefixes body with a package clause and the imports of the
// package names it uses without declaring them.
func withImports(pkg, body string, imports map[string]string) (string, error) {
	f, err := parser.ParseFile(token.NewFileSet(), "", "package "+pkg+"\n"+body, 0)
	if err != nil {
		return "", err
	}
	var lines []string
	for _, id := range f.Unresolved {
		if path, ok := imports[id.Name]; ok {
			lines = append(lines, fmt.Sprintf("\t%s %q\n", id.Name, path))
		}
	}
	slices.Sort(lines)
	lines = slices.Compact(lines)
	return "package " + pkg + "\n\nimport (\n" + strings.Join(lines, "") + ")\n\n" + body, nil
}

// declared returns the variables, other than err and _, that the
// statements of the block inside the only function of src declare.
func declared(src string) ([]string, error) {
	f, err := parser.ParseFile(token.NewFileSet(), "", "package p\n"+src, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	block := f.Decls[0].(*ast.FuncDecl).Body.List[0].(*ast.BlockStmt)
	var names []string
	add := func(id *ast.Ident) {
		if id.Name != "_" && id.Name != "err" && !slices.Contains(names, id.Name) {
			names = append(names, id.Name)
		}
	}
	for _, st := range block.List {
		switch st := st.(type) {
		case *ast.AssignStmt:
			if st.Tok == token.DEFINE {
				for _, e := range st.Lhs {
					if id, ok := e.(*ast.Ident); ok {
						add(id)
					}
				}
			}
		case *ast.DeclStmt:
			if gd, ok := st.Decl.(*ast.GenDecl); ok && gd.Tok == token.VAR {
				for _, spec := range gd.Specs {
					for _, id := range spec.(*ast.ValueSpec).Names {
						add(id)
					}
				}
			}
		}
	}
	return names, nil
}

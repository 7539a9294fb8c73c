// Package load reads Go packages with full type information (go/packages),
// finds the functions and methods annotated with //jobs:handler, checks their
// directive, signature and types, and describes them as a model.Package.
// Every mistake becomes a model.Diagnostic at its file:line:col.
package load

import (
	"errors"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/tools/go/packages"

	"github.com/jobsgo/jobs/internal/jobgen/directive"
	"github.com/jobsgo/jobs/internal/jobgen/model"
)

// Config says what to load.
type Config struct {
	// Dir is the directory the patterns are relative to ("" for the current
	// one).
	Dir string
	// Patterns are go/packages patterns; none means ".".
	Patterns []string
	// Tags are build tags.
	Tags []string
	// RelTo, when set, makes diagnostic file names relative to it when
	// that makes them shorter; otherwise they are absolute.
	RelTo string
	// Overlay replaces the content of files while loading (absolute path to
	// content), as packages.Config.Overlay does.
	Overlay map[string][]byte
}

// Source is one loaded package.
type Source struct {
	Path, Name, Dir string
	// ModulePath and ModuleDir locate the package's module ("" outside one).
	ModulePath, ModuleDir string
}

// Result is what Load found.
type Result struct {
	// Sources are the loaded packages, in the order given.
	Sources []Source
	// Handlers are the valid handlers, in source order.
	Handlers []*model.Handler
}

// Load loads the packages and checks their handlers. User mistakes come back
// as model.Diagnostics (all of them, sorted); other failures as plain errors.
func Load(cfg Config) (*Result, error) {
	patterns := cfg.Patterns
	if len(patterns) == 0 {
		patterns = []string{"."}
	}
	fset := token.NewFileSet()
	pcfg := &packages.Config{
		Mode: packages.NeedName | packages.NeedFiles | packages.NeedSyntax |
			packages.NeedTypes | packages.NeedTypesInfo | packages.NeedModule,
		Dir:     cfg.Dir,
		Fset:    fset,
		Overlay: cfg.Overlay,
	}
	if len(cfg.Tags) > 0 {
		pcfg.BuildFlags = []string{"-tags=" + strings.Join(cfg.Tags, ",")}
	}
	pkgs, err := packages.Load(pcfg, patterns...)
	if err != nil {
		return nil, fmt.Errorf("load packages: %w", err)
	}
	if len(pkgs) == 0 {
		return nil, errors.New("no packages match the patterns")
	}
	l := &loader{fset: fset, relTo: cfg.RelTo}
	res := &Result{}
	for _, p := range pkgs {
		for _, e := range packageErrors(p) {
			l.packageError(e)
		}
		src := Source{Path: p.PkgPath, Name: p.Name, Dir: packageDir(p)}
		if p.Module != nil {
			src.ModulePath, src.ModuleDir = p.Module.Path, p.Module.Dir
			l.moduleDirs = append(l.moduleDirs, p.Module.Dir)
		}
		res.Sources = append(res.Sources, src)
	}
	if len(l.diags) > 0 {
		return nil, l.diags.Sort()
	}
	for _, p := range pkgs {
		l.pkg = p
		for _, f := range p.Syntax {
			l.file(f)
		}
	}
	if len(l.diags) > 0 {
		return nil, l.diags.Sort()
	}
	res.Handlers = l.handlers
	return res, nil
}

// packageErrors returns p's errors; when it has type errors, only those, as
// the go command reports the same mistakes again in its own words.
func packageErrors(p *packages.Package) []packages.Error {
	var typeErrs []packages.Error
	for _, e := range p.Errors {
		if e.Kind == packages.TypeError {
			typeErrs = append(typeErrs, e)
		}
	}
	if len(typeErrs) > 0 {
		return typeErrs
	}
	return p.Errors
}

func packageDir(p *packages.Package) string {
	if len(p.GoFiles) > 0 {
		return filepath.Dir(p.GoFiles[0])
	}
	return p.Dir
}

type loader struct {
	fset     *token.FileSet
	relTo    string
	pkg      *packages.Package
	diags    model.Diagnostics
	handlers []*model.Handler
	// moduleDirs are the directories of the loaded packages' modules:
	// mistakes in types declared there are reported where they are.
	moduleDirs []string
	// dropped are the struct fields reported as dropped by encoding/json
	// already, so that args shared by handlers get one error per field.
	dropped map[*types.Var]bool
}

// position returns the position of p with its file name made relative.
func (l *loader) position(p token.Pos) token.Position {
	pos := l.fset.Position(p)
	pos.Filename = l.rel(pos.Filename)
	return pos
}

// rel shortens a file name as the go command does: relative to RelTo when
// that is shorter, else absolute.
func (l *loader) rel(name string) string {
	if l.relTo == "" || name == "" {
		return name
	}
	if r, err := filepath.Rel(l.relTo, name); err == nil && len(r) < len(name) {
		return r
	}
	return name
}

var errPos = regexp.MustCompile(`^(.*):(\d+):(\d+)$`)

// packageError turns a go/packages error ("file:line:col" + message) into a
// diagnostic.
func (l *loader) packageError(e packages.Error) {
	pos := token.Position{}
	if m := errPos.FindStringSubmatch(e.Pos); m != nil {
		pos.Filename = l.rel(m[1])
		pos.Line, _ = strconv.Atoi(m[2])
		pos.Column, _ = strconv.Atoi(m[3])
	} else if e.Pos != "" {
		l.diags = append(l.diags, model.Diagnostic{Msg: l.rel(e.Pos) + ": " + e.Msg})
		return
	}
	l.diags = append(l.diags, model.Diagnostic{Pos: pos, Msg: e.Msg})
}

// file checks every directive of f: those in function doc comments become
// handlers, the others are misplaced. Comment lines that look like a
// misspelled directive are reported too, since jobgen would otherwise skip
// their function without a word.
func (l *loader) file(f *ast.File) {
	attached := make(map[*ast.Comment]bool)
	for _, decl := range f.Decls {
		fd, ok := decl.(*ast.FuncDecl)
		if !ok || fd.Doc == nil {
			continue
		}
		var found *ast.Comment
		for _, c := range fd.Doc.List {
			if !directive.IsDirective(c.Text) {
				continue
			}
			attached[c] = true
			if found != nil {
				l.diags.Addf(l.position(c.Slash), "repeated //jobs:handler directive: %s has one already (put every option on one line)", fd.Name.Name)
				continue
			}
			found = c
		}
		if found != nil {
			l.handler(fd, found)
		}
	}
	for _, g := range f.Comments {
		for _, c := range g.List {
			if directive.IsDirective(c.Text) && !attached[c] {
				l.diags.Addf(l.position(c.Slash), "misplaced //jobs:handler directive: it must be in the doc comment of a func or method declaration")
			} else if msg := directive.NearMiss(c.Text); msg != "" {
				l.diags.Addf(l.position(c.Slash), "%s", msg)
			}
		}
	}
}

// handler checks one annotated function and records it when it is valid.
func (l *loader) handler(fd *ast.FuncDecl, c *ast.Comment) {
	before := len(l.diags)
	d, errs := directive.Parse(c.Text)
	for _, e := range errs {
		l.diags.Addf(l.position(c.Slash+token.Pos(e.Offset)), "%s", e.Msg)
	}
	fn, ok := l.pkg.TypesInfo.Defs[fd.Name].(*types.Func)
	if !ok {
		return // a type error go/packages reported already
	}
	at := func(key string) token.Position {
		if off, ok := d.Offsets[key]; ok {
			return l.position(c.Slash + token.Pos(off))
		}
		return l.position(c.Slash)
	}
	h := &model.Handler{
		Func:       fn,
		Ident:      fn.Name(),
		JobType:    d.Name,
		Tenant:     d.Tenant,
		Queue:      d.Queue,
		Priority:   d.Priority,
		MaxRetries: d.MaxRetries,
		Retry:      d.RetryPolicy(),
		Timeout:    d.Timeout,
		Pos:        l.position(c.Slash),
		NamePos:    at(directive.KeyName),
	}
	if h.JobType == "" {
		h.JobType = model.SnakeCase(fn.Name())
		if msg := directive.CheckJobType(h.JobType); msg != "" {
			l.diags.Addf(h.Pos, "default %s (from the name %s); set one with name=", msg, fn.Name())
		}
	}
	sc := sigChecker{l: l, fd: fd, fn: fn, h: h, tenantPos: at(directive.KeyTenant)}
	sc.check()
	if len(l.diags) == before {
		l.handlers = append(l.handlers, h)
	}
}

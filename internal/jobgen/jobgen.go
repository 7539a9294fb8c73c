// Package jobgen runs the generator's stages: load (go/packages to handler
// descriptions), model (cross-handler checks) and emit (jennifer), and
// writes the generated files. cmd/jobgen is its command-line front end.
package jobgen

import (
	"bytes"
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/jobsgo/jobs/internal/jobgen/emit"
	"github.com/jobsgo/jobs/internal/jobgen/load"
	"github.com/jobsgo/jobs/internal/jobgen/model"
)

// Version is jobgen's version.
const Version = "v0.1.0"

// Default output file names.
const (
	DefaultFile     = "jobs_gen.go"
	DefaultMockFile = "jobs_mock_gen.go"
)

// Config is one run of the generator.
type Config struct {
	// Dir is the directory patterns and Out are relative to; "" is the
	// current directory.
	Dir string
	// Patterns select the packages to scan; none means ".".
	Patterns []string
	// Tags are build tags for loading.
	Tags []string
	// Out is the output directory; "" is the directory of the (single)
	// scanned package.
	Out string
	// Package is the output package name; "" takes the name of the package
	// already in Out, else Out's base name.
	Package string
	// File and MockFile name the generated files (DefaultFile,
	// DefaultMockFile when empty). The mock file goes into its own package,
	// in the subdirectory MockDir of the output directory.
	File, MockFile string
	// RelTo, when set, makes file names in diagnostics relative to it when
	// that makes them shorter, as the go command does; otherwise, and when
	// it is empty, they are absolute. DiagnosticDir gives the right value.
	RelTo string
}

// DiagnosticDir returns the directory diagnostics name files relative to:
// the working directory, so that an editor or terminal can open them, or
// "" (absolute names) when go generate runs jobgen. go generate runs each
// command in its package's directory, not in the one the user typed go
// generate ./... in, so names relative to the working directory (h.go)
// would lead nowhere; it marks its commands with $GOFILE and $GOPACKAGE.
func DiagnosticDir(getenv func(string) string) string {
	if getenv("GOFILE") != "" && getenv("GOPACKAGE") != "" {
		return ""
	}
	wd, err := os.Getwd()
	if err != nil {
		return ""
	}
	return wd
}

// File is one generated file.
type File struct {
	Path string
	// Content is the file's new content; nil means the file is stale
	// output of an earlier jobgen, to be removed.
	Content []byte
}

// Generate loads, checks and emits. User mistakes come back as a
// model.Diagnostics error listing all of them; then nothing is generated.
func Generate(cfg Config) ([]File, error) {
	base, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return nil, err
	}
	res, err := load.Load(load.Config{Dir: base, Patterns: cfg.Patterns, Tags: cfg.Tags, RelTo: cfg.RelTo, Overlay: staleOutput(cfg, base)})
	if err != nil {
		return nil, err
	}
	if len(res.Handlers) == 0 {
		return nil, fmt.Errorf("no //jobs:handler functions in %s", strings.Join(patternsOf(cfg), " "))
	}
	out, err := output(cfg, base, res.Sources)
	if err != nil {
		return nil, err
	}
	for _, h := range res.Handlers {
		if p := h.Func.Pkg(); p.Name() == "main" && p.Path() != out.Path {
			return nil, fmt.Errorf("handler %s is in package main, which cannot be imported: generate into its own directory (-out with the package's directory)", h.Describe())
		}
	}
	pkg, diags := model.New(res.Handlers, emit.ReservedNames(res.Handlers))
	if len(diags) > 0 {
		return nil, diags.Sort()
	}
	mainSrc, err := emit.Main(pkg, out.Config)
	if err != nil {
		return nil, err
	}
	mockSrc, err := emit.Mock(pkg, out.Config)
	if err != nil {
		return nil, err
	}
	files := []File{
		{Path: filepath.Join(out.dir, orDefault(cfg.File, DefaultFile)), Content: mainSrc},
		{Path: filepath.Join(out.mockDir, mockFileName(cfg, out)), Content: mockSrc},
	}
	if err := checkOwner(files, out.Sources); err != nil {
		return nil, err
	}
	return append(files, staleMock(cfg, out)...), nil
}

func patternsOf(cfg Config) []string {
	if len(cfg.Patterns) == 0 {
		return []string{"."}
	}
	return cfg.Patterns
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// staleOutput blanks, for loading, the files a previous run generated into
// the scanned package itself: after a handler is renamed or removed they no
// longer compile, and would stop jobgen from loading the package it has to
// regenerate them from. Only files that start with the generated-code
// header are blanked (to their package clause).
func staleOutput(cfg Config, base string) map[string][]byte {
	dir := cfg.Out
	if ps := patternsOf(cfg); dir == "" && len(ps) == 1 && (ps[0] == "." || strings.HasPrefix(ps[0], "./") || strings.HasPrefix(ps[0], "../") || filepath.IsAbs(ps[0])) {
		dir = ps[0] // a directory pattern: the output's default place
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(base, dir)
	}
	overlay := make(map[string][]byte)
	for _, name := range []string{orDefault(cfg.File, DefaultFile), orDefault(cfg.MockFile, DefaultMockFile)} {
		p := filepath.Join(dir, name)
		src, err := os.ReadFile(p)
		if err != nil || !bytes.HasPrefix(src, []byte("// "+emit.Header+"\n")) {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), p, src, parser.PackageClauseOnly)
		if err != nil {
			continue
		}
		overlay[p] = []byte("package " + f.Name.Name + "\n")
	}
	return overlay
}

// outputPackage is emit.Config plus the directories.
type outputPackage struct {
	emit.Config
	dir, mockDir string
}

// MockDir returns the directory, relative to the output directory, of the
// mock's package for output package name: name + "mock", so that package
// jobs has its mock in jobs/jobsmock. A package main (which no package can
// import) keeps its mock in its own directory, as a _test.go file.
func MockDir(name string) string {
	if name == "main" {
		return "."
	}
	return name + "mock"
}

// mockFileName is the mock file's name: a _test.go file for a package main.
func mockFileName(cfg Config, out outputPackage) string {
	name := orDefault(cfg.MockFile, DefaultMockFile)
	if out.mockDir == out.dir && !strings.HasSuffix(name, "_test.go") {
		name = strings.TrimSuffix(name, ".go") + "_test.go"
	}
	return name
}

// output works out the output package and where its mock goes.
func output(cfg Config, base string, sources []load.Source) (outputPackage, error) {
	out, err := locate(cfg, base, sources)
	if err != nil {
		return out, err
	}
	for _, s := range sources {
		out.Sources = append(out.Sources, s.Path)
	}
	sort.Strings(out.Sources)
	out.mockDir = filepath.Join(out.dir, MockDir(out.Name))
	out.MockPath = path.Join(out.Path, MockDir(out.Name))
	return out, nil
}

// locate works out the output directory, import path and package name.
func locate(cfg Config, base string, sources []load.Source) (outputPackage, error) {
	var out outputPackage
	switch {
	case cfg.Out != "":
		out.dir = cfg.Out
		if !filepath.IsAbs(out.dir) {
			out.dir = filepath.Join(base, out.dir)
		}
	case len(sources) == 1:
		out.dir = sources[0].Dir
	default:
		return out, errors.New("several packages scanned: say where to generate with -out")
	}
	for _, s := range sources {
		if filepath.Clean(s.Dir) == filepath.Clean(out.dir) {
			out.Path, out.Name = s.Path, s.Name
			if cfg.Package != "" && cfg.Package != s.Name {
				return out, fmt.Errorf("-pkg %s: %s holds package %s already", cfg.Package, out.dir, s.Name)
			}
			return out, nil
		}
	}
	src := sources[0]
	if src.ModuleDir == "" {
		return out, fmt.Errorf("package %s is not in a module: cannot work out the import path of %s", src.Path, out.dir)
	}
	rel, err := filepath.Rel(src.ModuleDir, out.dir)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return out, fmt.Errorf("output directory %s is outside module %s (%s)", out.dir, src.ModulePath, src.ModuleDir)
	}
	out.Path = path.Join(src.ModulePath, filepath.ToSlash(rel))
	out.Name = cfg.Package
	if out.Name == "" {
		out.Name = packageName(filepath.Base(out.dir))
	}
	paths := make([]string, len(sources))
	for i, s := range sources {
		paths[i] = s.Path
	}
	out.PackageDoc = fmt.Sprintf("Package %s is the typed client and registration of the job handlers in %s, generated by jobgen from their //jobs:handler annotations. Their test mock is in package %s, generated alongside.", out.Name, strings.Join(paths, ", "), MockDir(out.Name))
	return out, nil
}

// packageName turns a directory name into a package name: lower case,
// letters and digits only.
func packageName(dir string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(dir) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' && b.Len() > 0 {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "jobs"
	}
	return b.String()
}

// Write writes files, creating their directories, leaves alone those
// whose content is unchanged and removes those without content.
func Write(files []File) error {
	for _, f := range files {
		if f.Content == nil {
			if err := os.Remove(f.Path); err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
			continue
		}
		if old, err := os.ReadFile(f.Path); err == nil && bytes.Equal(old, f.Content) {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(f.Path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(f.Path, f.Content, 0o644); err != nil {
			return err
		}
	}
	return nil
}

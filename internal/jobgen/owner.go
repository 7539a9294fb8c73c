package jobgen

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/jobsgo/jobs/internal/jobgen/emit"
)

// generatedSources reads the header of the file at path: whether jobgen
// generated it, and the packages its Source line records ("" when it has
// none: an older jobgen wrote it).
func generatedSources(path string) (generated bool, sources string) {
	src, err := os.ReadFile(path)
	if err != nil {
		return false, ""
	}
	sc := bufio.NewScanner(bytes.NewReader(src))
	if !sc.Scan() || sc.Text() != "// "+emit.Header {
		return false, ""
	}
	if sc.Scan() {
		if s, ok := strings.CutPrefix(sc.Text(), "// "+emit.SourcePrefix); ok {
			return true, s
		}
	}
	return true, ""
}

// checkOwner refuses to overwrite a file that jobgen generated from other
// packages: two packages generating into one -out would otherwise replace
// each other's code at every go generate.
func checkOwner(files []File, sources []string) error {
	want := strings.Join(sources, ", ")
	for _, f := range files {
		generated, had := generatedSources(f.Path)
		if !generated || had == "" || had == want {
			continue
		}
		return fmt.Errorf("%s was generated from %s, not from %s: give each package its own -out directory (remove the file first if its handlers have moved)", f.Path, had, want)
	}
	return nil
}

// staleMock lists the mock file an earlier jobgen wrote into the output
// package itself, which imported testing into every program using it: it
// goes, now that the mock has a package of its own.
func staleMock(cfg Config, out outputPackage) []File {
	if out.mockDir == out.dir {
		return nil
	}
	old := filepath.Join(out.dir, orDefault(cfg.MockFile, DefaultMockFile))
	if generated, _ := generatedSources(old); !generated {
		return nil
	}
	return []File{{Path: old}}
}

package jobgen

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/jobsgo/jobs/internal/jobgen/model"
)

// errorCases maps each package under testdata/errors to the exact
// diagnostics jobgen must print for it, all of them, in order.
var errorCases = map[string][]string{
	"options": {
		`options.go:10:16: unknown option "queu" (did you mean queue?)`,
		`options.go:10:23: option priority: unknown priority "urgent" (want critical, high, normal or low)`,
		`options.go:10:39: option max_retries: -1 is negative`,
		`options.go:10:54: option backoff: unknown backoff "fib" (want exponential, linear or constant)`,
		`options.go:10:66: option timeout: "10" is not a duration (write e.g. 500ms, 30s, 5m, 1h)`,
		`options.go:10:77: option tenant is a flag and takes no value (write just tenant)`,
		`options.go:15:16: job type "9b" must start with an ASCII letter`,
		`options.go:15:32: option queue repeated`,
		`options.go:20:16: initial_delay 2m0s is above max_delay 1m0s`,
		`options.go:25:16: option name needs a value (name=...)`,
		`options.go:25:21: option max_retries has an empty value`,
		`options.go:25:34: option timeout: -5s is not positive`,
	},
	"signatures": {
		`signatures.go:15:14: handler NoParams takes 0 parameters; want (ctx context.Context, args T)`,
		`signatures.go:18:18: handler NoContext: first parameter is string; want context.Context`,
		`signatures.go:21:6: handler NoError returns nothing; want error or (R, error)`,
		`signatures.go:24:50: handler WrongResult returns string; want error or (R, error)`,
		`signatures.go:27:62: handler SecondNotError: second result is bool; want error`,
		`signatures.go:30:51: handler ThreeResults returns 3 results; want error or (R, error)`,
		`signatures.go:35:41: handler Variadic: the args parameter is variadic; want a single args T`,
		`signatures.go:38:46: handler TxWithoutTenant takes a *sql.Tx, which only tenant handlers get: add the tenant option to its directive`,
		`signatures.go:40:16: handler TenantWithoutTx has the tenant option but no *sql.Tx parameter; want (ctx context.Context, tx *sql.Tx, args T)`,
		`signatures.go:44:44: tenant handler TenantWrongTx: second parameter is *sql.DB; want *sql.Tx`,
		`signatures.go:47:13: handler Generic is generic; a handler needs concrete args and result types`,
		`signatures.go:50:6: handler unexported is unexported; generated code in another package must call it, so export it`,
		`signatures.go:55:6: receiver type service of handler (*service).Run is unexported; Register takes it as a parameter, so export it`,
		`signatures.go:61:6: handler (*Box).Open has a generic receiver type Box; Register cannot take it as a parameter`,
	},
	"types": {
		`types.go:12:40: handler Unexported: args type args is unexported; generated code in another package must name it, so export it`,
		`types.go:18:37: handler Pointer: args type *Args is a pointer; take Args by value (each attempt decodes a fresh copy)`,
		`types.go:21:37: handler Unnamed: args type []string is not a named type; declare one, e.g. type UnnamedArgs struct{...}`,
		`types.go:24:35: handler Basic: args type string is not a named type; declare one, e.g. type BasicArgs struct{...}`,
		`types.go:32:34: handler Chan: args type WithChan is not JSON-serialisable: WithChan.Done has type chan struct{}: channels have no JSON form`,
		`types.go:50:36: handler Nested: args type Deep is not JSON-serialisable: Deep.Meta[key].embedded.Hook has type func(string): functions have no JSON form`,
		`types.go:59:37: handler Complex: args type Numbers is not JSON-serialisable: Numbers.Z has type complex128: complex numbers have no JSON form`,
		`types.go:70:36: handler MapKey: args type Keyed is not JSON-serialisable: Keyed.M has type map[Key]string: JSON object keys must be strings, integers or encoding.TextMarshaler types`,
		`types.go:78:39: handler Interface: args type WithReader is not JSON-serialisable: WithReader.R has type io.Reader: encoding/json cannot decode into an interface with methods`,
		`types.go:86:43: handler Result: result type BadResult is not JSON-serialisable: BadResult.Callback has type func(): functions have no JSON form`,
	},
	"names": {
		`names.go:11:16: duplicate job type "send": handler Send at testdata/errors/names/names.go:8:1 has it too`,
		`names.go:23:1: handler B.Run would generate TypeRun like handler A.Run at testdata/errors/names/names.go:20:1; rename one of them`,
		`names.go:26:1: handler Nothing would generate AssertNothingEnqueued, which jobgen itself declares; rename the function`,
		`names.go:32:1: handler EmailBatch would generate EnqueueEmailBatch like handler Email at testdata/errors/names/names.go:29:1; rename one of them`,
	},
	"misplaced": {
		`misplaced.go:7:1: misplaced //jobs:handler directive: it must be in the doc comment of a func or method declaration`,
		`misplaced.go:10:1: misplaced //jobs:handler directive: it must be in the doc comment of a func or method declaration`,
		`misplaced.go:13:1: misplaced //jobs:handler directive: it must be in the doc comment of a func or method declaration`,
		`misplaced.go:21:1: repeated //jobs:handler directive: Twice has one already (put every option on one line)`,
		`misplaced.go:25:2: misplaced //jobs:handler directive: it must be in the doc comment of a func or method declaration`,
	},
	"typeerror": {
		`typeerror.go:6:39: undefined: Missing`,
	},
}

func TestErrors(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range errorCases {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join("testdata", "errors", name)
			files, err := Generate(Config{Patterns: []string{"./" + filepath.ToSlash(dir)}, Out: filepath.Join(dir, "gen"), RelTo: wd})
			if files != nil {
				t.Errorf("Generate returned %d files along with errors", len(files))
			}
			var diags model.Diagnostics
			if !errors.As(err, &diags) {
				t.Fatalf("Generate: %v; want diagnostics", err)
			}
			got := strings.Split(diags.Error(), "\n")
			full := make([]string, len(want))
			for i, w := range want {
				full[i] = filepath.ToSlash(dir) + "/" + w
			}
			if diff := cmp.Diff(full, got); diff != "" {
				t.Errorf("diagnostics mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNoHandlers(t *testing.T) {
	_, err := Generate(Config{Patterns: []string{"./testdata/errors/none"}, Out: t.TempDir()})
	if err == nil || err.Error() != "no //jobs:handler functions in ./testdata/errors/none" {
		t.Errorf("Generate = %v; want the no-handlers error", err)
	}
}

func TestOutsideModule(t *testing.T) {
	_, err := Generate(Config{Patterns: []string{"./testdata/golden/basic"}, Out: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "is outside module github.com/jobsgo/jobs") {
		t.Errorf("Generate = %v; want an outside-module error", err)
	}
}

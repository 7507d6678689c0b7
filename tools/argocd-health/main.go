// Command argocd-health runs Argo CD resource health checks (health.lua) the way the Argo CD
// application controller does: gopher-lua, the interpreter Argo CD embeds, with only the package,
// base and table libraries open (user-configured checks run without the string library), the
// object as the global obj, and a one-second budget. It exists so the project's tests can run
// deploy/argocd against statuses the operator really writes.
//
// Usage:
//
//	argocd-health eval <health.lua> <object.yaml|json>   prints {"status":…,"message":…}
//	argocd-health test <dir>                             runs <dir>/health_test.yaml
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	lua "github.com/yuin/gopher-lua"
	"sigs.k8s.io/yaml"
)

type healthStatus struct {
	Status  string `json:"status"`
	Message string `json:"message"`
}

type testCase struct {
	HealthStatus healthStatus `json:"healthStatus"`
	InputPath    string       `json:"inputPath"`
}

var valid = map[string]bool{
	"Healthy": true, "Progressing": true, "Degraded": true, "Suspended": true, "Missing": true, "Unknown": true,
}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: argocd-health eval <health.lua> <object> | test <dir>")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "eval":
		if len(os.Args) != 4 {
			fmt.Fprintln(os.Stderr, "usage: argocd-health eval <health.lua> <object>")
			os.Exit(2)
		}
		h, err := evalFiles(os.Args[2], os.Args[3])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		out, _ := json.Marshal(h)
		fmt.Println(string(out))
	case "test":
		os.Exit(runTests(os.Args[2]))
	default:
		fmt.Fprintf(os.Stderr, "unknown command %q\n", os.Args[1])
		os.Exit(2)
	}
}

func runTests(dir string) int {
	raw, err := os.ReadFile(filepath.Join(dir, "health_test.yaml"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	var spec struct {
		Tests []testCase `json:"tests"`
	}
	if err := yaml.UnmarshalStrict(raw, &spec); err != nil {
		fmt.Fprintf(os.Stderr, "%s/health_test.yaml: %v\n", dir, err)
		return 1
	}
	if len(spec.Tests) == 0 {
		fmt.Fprintf(os.Stderr, "%s/health_test.yaml has no tests\n", dir)
		return 1
	}
	failed := 0
	for _, tc := range spec.Tests {
		got, err := evalFiles(filepath.Join(dir, "health.lua"), filepath.Join(dir, tc.InputPath))
		switch {
		case err != nil:
			failed++
			fmt.Printf("FAIL %s: %v\n", tc.InputPath, err)
		case *got != tc.HealthStatus:
			failed++
			fmt.Printf("FAIL %s: want %s %q, got %s %q\n", tc.InputPath, tc.HealthStatus.Status,
				tc.HealthStatus.Message, got.Status, got.Message)
		default:
			fmt.Printf("ok   %s: %s %q\n", tc.InputPath, got.Status, got.Message)
		}
	}
	fmt.Printf("%d tests, %d failed\n", len(spec.Tests), failed)
	if failed > 0 {
		return 1
	}
	return 0
}

func evalFiles(scriptPath, objectPath string) (*healthStatus, error) {
	script, err := os.ReadFile(scriptPath)
	if err != nil {
		return nil, err
	}
	raw, err := os.ReadFile(objectPath)
	if err != nil {
		return nil, err
	}
	var obj map[string]interface{}
	if err := yaml.Unmarshal(raw, &obj); err != nil {
		return nil, fmt.Errorf("%s: %w", objectPath, err)
	}
	return eval(string(script), obj)
}

func eval(script string, obj map[string]interface{}) (*healthStatus, error) {
	l := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer l.Close()
	for _, lib := range []struct {
		name string
		open lua.LGFunction
	}{{lua.LoadLibName, lua.OpenPackage}, {lua.BaseLibName, lua.OpenBase}, {lua.TabLibName, lua.OpenTable}} {
		if err := l.CallByParam(lua.P{Fn: l.NewFunction(lib.open), NRet: 0, Protect: true}, lua.LString(lib.name)); err != nil {
			return nil, err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	l.SetContext(ctx)
	l.SetGlobal("obj", toLua(l, obj))
	if err := l.DoString(script); err != nil {
		return nil, err
	}
	ret, ok := l.Get(-1).(*lua.LTable)
	if !ok {
		return nil, fmt.Errorf("expect table output from Lua script, not %s", l.Get(-1).Type())
	}
	h := &healthStatus{}
	if s, ok := ret.RawGetString("status").(lua.LString); ok {
		h.Status = string(s)
	}
	if m, ok := ret.RawGetString("message").(lua.LString); ok {
		h.Message = string(m)
	}
	if !valid[h.Status] {
		return &healthStatus{Status: "Unknown", Message: "Lua returned an invalid health status"}, nil
	}
	return h, nil
}

// toLua converts decoded JSON the way Argo CD hands an object to a health check: objects become
// tables keyed by string, arrays 1-based sequences, numbers LNumber.
func toLua(l *lua.LState, v interface{}) lua.LValue {
	switch c := v.(type) {
	case bool:
		return lua.LBool(c)
	case float64:
		return lua.LNumber(c)
	case int64:
		return lua.LNumber(c)
	case string:
		return lua.LString(c)
	case []interface{}:
		t := l.CreateTable(len(c), 0)
		for _, item := range c {
			t.Append(toLua(l, item))
		}
		return t
	case map[string]interface{}:
		t := l.CreateTable(0, len(c))
		for k, item := range c {
			t.RawSetH(lua.LString(k), toLua(l, item))
		}
		return t
	}
	return lua.LNil
}

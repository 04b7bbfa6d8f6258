package cli

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestCommandsAreOptionsStructs holds every command to the package's shape: the RunE of each
// cobra.Command literal only records what cobra alone knows (which flags were given, the
// subcommands' names) and returns o.run(...), a method of the command's options struct; the
// work is in run, never in a closure over local flag variables.
func TestCommandsAreOptionsStructs(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	commands := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.CompositeLit)
			if !ok || !isCobraCommand(lit.Type) {
				return true
			}
			for _, el := range lit.Elts {
				kv, ok := el.(*ast.KeyValueExpr)
				if !ok || !isIdent(kv.Key, "RunE") {
					continue
				}
				commands++
				if why := runEShape(kv.Value); why != "" {
					t.Errorf("%s: RunE %s; make it `return o.run(cmd.Context(), e, ...)` on the command's options struct", fset.Position(kv.Pos()), why)
				}
			}
			return true
		})
	}
	if commands < 30 {
		t.Errorf("found %d commands with a RunE, want the 40 or so jetdag has", commands)
	}
}

func isCobraCommand(x ast.Expr) bool {
	sel, ok := x.(*ast.SelectorExpr)
	return ok && isIdent(sel.X, "cobra") && sel.Sel.Name == "Command"
}

func isIdent(x ast.Expr, name string) bool {
	id, ok := x.(*ast.Ident)
	return ok && id.Name == name
}

// runEShape says what is wrong with a RunE value, "" when it has the shape.
func runEShape(v ast.Expr) string {
	fn, ok := v.(*ast.FuncLit)
	if !ok {
		return "is not a function literal"
	}
	stmts := fn.Body.List
	if len(stmts) == 0 {
		return "is empty"
	}
	ret, ok := stmts[len(stmts)-1].(*ast.ReturnStmt)
	if !ok || len(ret.Results) != 1 {
		return "does not end in `return o.run(...)`"
	}
	call, ok := ret.Results[0].(*ast.CallExpr)
	if !ok {
		return "does not end in `return o.run(...)`"
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "run" || !isIdent(sel.X, "o") && !isIdent(sel.X, "c") {
		return "does not end in `return o.run(...)`"
	}
	// Before it: at most a few statements that read cobra's state (flags given, subcommands).
	if len(stmts) > 4 {
		return "does work before calling run"
	}
	return ""
}

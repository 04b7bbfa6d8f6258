// Package cli is the jetdag command line: it parses flags with cobra and calls the store,
// the DAG engine and the visualizer. Every command prints machine-readable JSON lines on
// stdout and returns the documented exit codes.
//
// Each command is an options struct with a run method: newXxxCmd binds the flags to the
// fields of an xxxOptions (and records which flags were given, where that matters), and
// (*xxxOptions).run(ctx, e, ...) does the work through env's streams. A new command goes in
// its own file cli/<name>.go and is registered in commandSet (cli/commands.go); a new bench
// in benchSet (cli/bench.go).
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"

	"github.com/nats-io/nats.go"
	"github.com/spf13/cobra"

	"github.com/jetdag/jetdag/store"
)

// Exit codes, documented in README.md.
const (
	ExitOK       = 0 // success
	ExitFailure  = 1 // the command ran and failed (server error, verification failure, …)
	ExitBadInput = 2 // the arguments or the input were malformed
	ExitConflict = 3 // an append lost an optimistic-concurrency race
	ExitAuth     = 4 // the server refused the credentials, the client certificate or a permission
)

// ExitError carries an exit code together with the error that caused it.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// badInput marks err as a problem with the user's input (exit code 2).
func badInput(err error) error { return &ExitError{Code: ExitBadInput, Err: err} }

// badInputf formats a bad-input error.
func badInputf(format string, args ...any) error { return badInput(fmt.Errorf(format, args...)) }

// env holds the streams and shared settings one invocation runs with; commands read their
// input and write their output only through it, so tests can run them in-process.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	logger *slog.Logger
	conn   connFlags
	// args are the command-line arguments, handed on unchanged to the viewer binary.
	args []string
	// viewer opens the window in-process; nil in the jetdag binary.
	viewer Viewer
	// conns are the NATS connections the command opened (see permissionDenied).
	conns []*nats.Conn
}

// Main runs the jetdag command line with args and returns the process exit code.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return MainWithViewer(args, stdin, stdout, stderr, nil)
}

// MainWithViewer is Main for a binary that holds the window (jetdag-view): `view` and the
// bare command call v in-process.
func MainWithViewer(args []string, stdin io.Reader, stdout, stderr io.Writer, v Viewer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return RunWithViewer(ctx, args, stdin, stdout, stderr, v)
}

// Run is Main with an explicit context; tests call it directly.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return RunWithViewer(ctx, args, stdin, stdout, stderr, nil)
}

// RunWithViewer is MainWithViewer with an explicit context.
func RunWithViewer(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, v Viewer) int {
	// Logs come from NATS callbacks and progress bars on other goroutines: writes to the
	// streams are serialised, so a caller's plain buffer is safe.
	stdout, stderr = &lockedWriter{w: stdout}, &lockedWriter{w: stderr}
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr, args: args, viewer: v}
	root := newRootCmd(e)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	if perr := e.permissionDenied(); perr != nil && !errors.Is(err, store.ErrAuthorization) {
		err = &ExitError{Code: ExitAuth, Err: fmt.Errorf("%w (%w)", err, perr)}
	}
	var quiet silentError
	if !errors.As(err, &quiet) {
		fmt.Fprintln(stderr, "jetdag:", clipWords(err.Error()))
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	if errors.Is(err, store.ErrAuthorization) {
		return ExitAuth
	}
	if isUsageError(err) {
		return ExitBadInput
	}
	return ExitFailure
}

// usageError marks errors that cobra raises for unknown flags or wrong argument counts.
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

// silentError is an error that has already been reported (by the viewer binary).
type silentError struct{ err error }

func (s silentError) Error() string { return s.err.Error() }
func (s silentError) Unwrap() error { return s.err }

func isUsageError(err error) bool {
	var u usageError
	return errors.As(err, &u) || strings.HasPrefix(err.Error(), "unknown command") ||
		strings.HasPrefix(err.Error(), "required flag(s)")
}

func newRootCmd(e *env) *cobra.Command {
	var logLevel string
	root := &cobra.Command{
		Use:   "jetdag",
		Short: "Verifiable event and object store on NATS JetStream, with a live Merkle DAG visualizer",
		Long: `jetdag stores every event and every object as a content-addressed IPLD block
(CIDv1, DAG-CBOR, sha2-256) on NATS JetStream, and shows the resulting Merkle DAG live.

Exit codes: 0 ok, 1 failure, 2 bad input, 3 append conflict, 4 refused by the server.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			var lvl slog.Level
			if err := lvl.UnmarshalText([]byte(logLevel)); err != nil {
				return badInputf("--log-level %q: want debug, info, warn or error", clip(logLevel))
			}
			e.logger = slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: lvl}))
			return nil
		},
	}
	root.PersistentFlags().StringVar(&logLevel, "log-level", "warn", "log level: debug, info, warn or error")
	e.conn.register(root)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	for _, add := range commandSet() {
		root.AddCommand(add(e))
	}
	rootRunsView(root, e)
	wrapArgs(root)
	return root
}

// wrapArgs makes argument-count errors of every command usage errors (exit 2).
func wrapArgs(c *cobra.Command) {
	if c.Args != nil {
		check := c.Args
		c.Args = func(cmd *cobra.Command, args []string) error {
			if err := check(cmd, args); err != nil {
				return usageError{err}
			}
			return nil
		}
	}
	for _, sub := range c.Commands() {
		wrapArgs(sub)
	}
}

// lockedWriter serialises writes to w.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

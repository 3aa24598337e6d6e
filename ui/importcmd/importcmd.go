// Package importcmd is `patchbay import FILE`: it reads the MCP servers of
// another client's config — Claude Code's .mcp.json, Claude Desktop's
// claude_desktop_config.json, VS Code's mcp.json (or settings.json) —
// and prints them as patchbay [[servers]] tables for the user to review.
// It writes no file.
//
// No secret is copied: env values and headers become references to
// environment variables (env = { KEY = "$KEY" }, token_env for an
// Authorization bearer token) with a comment naming the variable to set;
// an entry whose arguments or URL hold what looks like a secret, or a
// variable patchbay does not expand, is printed commented out, with the
// reason. Everything taken from the file is escaped (TOML strings, quoted
// comments), so a hostile name cannot break the TOML or the terminal.
package importcmd

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
)

// Exit codes.
const (
	ExitOK      = 0
	ExitBadFile = 1 // the file cannot be read or is no client config
	ExitUsage   = 2 // bad arguments
)

// Env is what a run writes to.
type Env struct {
	Stdout io.Writer
	Stderr io.Writer
}

const usage = `Usage: patchbay import FILE
Prints the MCP servers of FILE as patchbay [[servers]] tables, to review
and copy into your config. FILE is a .mcp.json (Claude Code),
claude_desktop_config.json (Claude Desktop) or mcp.json (VS Code).
Secrets are not copied: set the environment variables the output names.
Nothing is written: redirect the output to keep it.
`

// Run runs `patchbay import ARGS` and returns the exit code.
func Run(args []string, env Env) int {
	fs := flag.NewFlagSet("patchbay import", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(env.Stdout, usage)
			return ExitOK
		}
		fmt.Fprintf(env.Stderr, "patchbay import: %v; run patchbay import -help for usage\n", err)
		return ExitUsage
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(env.Stderr, "patchbay import: name one file, e.g. patchbay import .mcp.json")
		return ExitUsage
	}
	path := fs.Arg(0)
	cf, err := readFile(path)
	if err != nil {
		fmt.Fprintf(env.Stderr, "patchbay import: %v.\n", err)
		return ExitBadFile
	}
	servers, skips := convert(cf)
	if err := render(env.Stdout, filepath.Base(path), cf, servers, skips); err != nil {
		fmt.Fprintf(env.Stderr, "patchbay import: cannot write the output: %v.\n", err)
		return ExitBadFile
	}
	return ExitOK
}

package session_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"patchbay/connector"
	"patchbay/session"
)

// The filter-truth property for local servers (stdio, route = "local"):
// their tools go out as client tools, so the property is read from the
// request's tools array. For random configs, saved selections, rules,
// tool lists (unknown, partial, with glob and invisible characters) and
// random checklist edits, after every step: a local tool is in the request
// only if the user's intent offers it (server on, filter enables it, no
// lock, the tool listed); a tool unchecked in the checklist is never
// offered; a local server never appears in mcp_servers; while its list is
// unknown nothing of it is offered; and the audit's record of the offer
// (Session.Sent) is what the bytes say.

// localCases is how many random cases the property runs.
var localCases = func() int {
	if raceOn {
		return 150
	}
	return 800
}()

// localWorld is what each local server lists.
type localWorld map[string][]string

func newLocalCase(r *rand.Rand) (*session.Config, localWorld) {
	cfg := &session.Config{API: session.APIConfig{Model: "claude-sonnet-5-5", MaxTokens: 1024, MCPBeta: connector.Beta20251120}}
	world := localWorld{}
	// One connector server beside them: a hybrid request.
	cfg.Servers = append(cfg.Servers, session.ServerConfig{Name: "remote", URL: "https://remote.example.com/mcp", Enabled: true, Mode: connector.ModeAll})
	for i := range 1 + r.IntN(3) {
		name := fmt.Sprintf("loc%d", i)
		world[name] = distinct(pickSome(r, truthTools, 8))
		sc := randomServerConfig(r, &truthServer{name: name}, false)
		sc.URL = ""
		if r.IntN(3) == 0 {
			sc.URL, sc.Route = fmt.Sprintf("http://10.0.0.%d/mcp", i+1), session.RouteLocal
		} else {
			sc.Transport, sc.Command, sc.Args = session.TransportStdio, "notes-server", []string{"--n", name}
		}
		cfg.Servers = append(cfg.Servers, sc)
	}
	return cfg, world
}

// clientTools reads the request body: the client tools it offers, as
// (server, tool) pairs via names, and the servers in mcp_servers.
func clientTools(t *testing.T, body []byte, names map[string][2]string) (map[[2]string]bool, []string) {
	t.Helper()
	var req struct {
		Servers []struct {
			Name string `json:"name"`
		} `json:"mcp_servers"`
		Tools []map[string]json.RawMessage `json:"tools"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		t.Fatalf("body: %v", err)
	}
	out := map[[2]string]bool{}
	for _, tool := range req.Tools {
		if _, typed := tool["type"]; typed {
			continue // an mcp_toolset or a tool search tool
		}
		var name string
		_ = json.Unmarshal(tool["name"], &name)
		pair, ok := names[name]
		if !ok {
			t.Fatalf("the request offers a client tool %q that no local server's tool is named", name)
		}
		out[pair] = true
	}
	var declared []string
	for _, s := range req.Servers {
		declared = append(declared, s.Name)
	}
	return out, declared
}

func TestFilterTruthLocalProperty(t *testing.T) {
	t.Parallel()
	offeredAny, withheld, edits := 0, 0, 0
	for n := range localCases {
		r := rand.New(rand.NewPCG(uint64(n), 0x10ca1))
		cfg, world := newLocalCase(r)
		saved := session.Selections{}
		for _, sc := range cfg.Servers {
			if sc.Local() && r.IntN(2) == 0 {
				sel := randomSelection(r, sc, &truthServer{name: sc.Name, api: world[sc.Name]}, cfg.API.MCPBeta)
				sel.URL = "stdio:" + sc.Name
				if sc.Route == session.RouteLocal {
					sel.URL = sc.URL
				}
				saved[sc.Name] = sel
			}
		}
		rules := randomRules(r, cfg)
		sess, _, err := session.Resolver{Config: cfg, Saved: saved, Rules: rules}.NewSession(noEnv)
		if err != nil {
			continue // rules that name no tool of a server, and the like: refused up front
		}
		// The API names of every (server, tool) a request could offer.
		names := map[string][2]string{}
		ln := connector.NewLocalNames()
		for srv, tools := range world {
			for _, tool := range append(slices.Clone(tools), "not_on_any_server") {
				if api, err := ln.Add(srv, tool); err == nil {
					names[api] = [2]string{srv, tool}
				}
			}
		}
		var log []string
		check := func(what string) {
			t.Helper()
			req := sess.Request()
			sent, err := connector.Preview(req)
			if err != nil {
				return // nothing is sent
			}
			body, err := sent.Body(req.Messages)
			if err != nil {
				t.Fatalf("case %d: body: %v", n, err)
			}
			offered, declared := clientTools(t, body, names)
			audit := map[string]session.SentServer{}
			for _, ss := range sess.Sent() {
				audit[ss.Name] = ss
			}
			for _, srv := range sess.Servers {
				if !srv.Local() {
					continue
				}
				fail := func(format string, args ...any) {
					t.Helper()
					t.Fatalf("case %d, after %s: %s: %s\nsteps: %s\nfilter %+v locks %+v known %v\n%s", n, what, srv.Name,
						fmt.Sprintf(format, args...), strings.Join(log, "; "), srv.Filter, srv.Locks, names2(srv.Known), body)
				}
				if slices.Contains(declared, srv.Name) {
					fail("a local server is in mcp_servers")
				}
				var checklist map[string]bool
				if srv.Enabled {
					checklist = srv.EnabledSet()
				}
				known := names2(srv.Known)
				for _, tool := range append(slices.Clone(world[srv.Name]), "not_on_any_server") {
					on := offered[[2]string{srv.Name, tool}]
					intent := srv.Enabled && srv.Spec().Offers(tool) && slices.Contains(known, tool)
					if on && !intent {
						fail("%q is offered outside the user's intent", tool)
					}
					if _, locked := connector.LockedBy(srv.Locks, tool); locked && on {
						fail("%q is offered though a lock withholds it", tool)
					}
					if checklist != nil && slices.Contains(known, tool) && checklist[tool] != on {
						fail("the checklist shows %q as %v, the request offers it = %v", tool, checklist[tool], on)
					}
					if ss, ok := audit[srv.Name]; ok && slices.Contains(ss.Enabled, tool) != on {
						fail("the audit records %q offered = %v, the bytes %v", tool, !on, on)
					}
					if on {
						offeredAny++
					} else if slices.Contains(known, tool) {
						withheld++
					}
				}
			}
		}
		check("start")
		for range 12 {
			srv := sess.Servers[r.IntN(len(sess.Servers))]
			if !srv.Local() {
				continue
			}
			edits++
			var op string
			switch k := r.IntN(10); {
			case k < 3:
				ns := distinct(pickSome(r, append(slices.Clone(world[srv.Name]), "*", "not_on_any_server"), 3))
				on := r.IntN(2) == 0
				err := srv.SetTools(cfg.API.MCPBeta, ns, on)
				op = fmt.Sprintf("SetTools(%s, %q, %v) = %v", srv.Name, ns, on, err)
				log = append(log, op)
				check(op)
				if !on && err == nil {
					// Unchecked: never offered.
					req := sess.Request()
					lts, _ := connector.LocalTools(req)
					for _, lt := range lts {
						if lt.Server == srv.Name && slices.Contains(ns, lt.Tool) {
							t.Fatalf("case %d: %s unchecked %q, yet it is offered; steps %s", n, srv.Name, lt.Tool, strings.Join(log, "; "))
						}
					}
				}
				continue
			case k < 5:
				ns := distinct(pickSome(r, world[srv.Name], 3))
				op = fmt.Sprintf("InvertTools(%s, %q) = %v", srv.Name, ns, srv.InvertTools(cfg.API.MCPBeta, ns))
			case k < 6:
				note, err := srv.CycleMode(cfg.API.MCPBeta)
				op = fmt.Sprintf("CycleMode(%s) → %s %s %v", srv.Name, srv.Filter.Mode, note, err)
			case k < 7:
				srv.Enabled = !srv.Enabled
				op = fmt.Sprintf("%s.Enabled = %v", srv.Name, srv.Enabled)
			default:
				switch r.IntN(3) {
				case 0:
					srv.Known = nil
					op = srv.Name + "'s list is unknown (not started, or it failed)"
				default:
					var some []string
					for _, tool := range world[srv.Name] {
						if r.IntN(6) != 0 {
							some = append(some, tool)
						}
					}
					srv.Known = toolsNamed(some)
					op = fmt.Sprintf("%s lists %q", srv.Name, some)
				}
			}
			log = append(log, op)
			check(op)
		}
	}
	if offeredAny == 0 || withheld == 0 || edits == 0 {
		t.Fatalf("the cases exercised nothing: %d offered, %d withheld, %d edits", offeredAny, withheld, edits)
	}
	t.Logf("%d cases, %d edits, %d offered and %d withheld local tools checked", localCases, edits, offeredAny, withheld)
}

func names2(tools []connector.Tool) []string {
	if tools == nil {
		return nil
	}
	return names(tools)
}

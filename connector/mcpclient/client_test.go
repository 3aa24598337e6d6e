package mcpclient

import (
	"errors"
	"strings"
	"testing"

	"patchbay/connector/local"
)

// Both routes answer the same questions the same way: the notebook as a
// local stdio server, and as a connector server over HTTP with a token.
func TestBothRoutes(t *testing.T) {
	t.Parallel()
	const token = "s3cret-token-for-test"
	pool := localPool(t, local.Options{})
	c := &Client{Local: pool}
	routes := map[string]Server{
		"local":  {Name: "nb"},
		"remote": {Name: "notes", URL: remoteNotebook(t, token), Token: token},
	}
	for route, s := range routes {
		t.Run(route, func(t *testing.T) {
			ctx := testCtx(t)
			if got := c.IsLocal(s.Name); got != (route == "local") {
				t.Fatalf("IsLocal(%s) = %v", s.Name, got)
			}
			prompts, err := c.Prompts(ctx, s)
			if err != nil || len(prompts) != 1 || prompts[0].Name != "summarize" {
				t.Fatalf("prompts = %v, %v", prompts, err)
			}
			got, err := c.GetPrompt(ctx, s, "summarize", map[string]string{"topic": "customers"})
			if err != nil || !strings.Contains(ContentText(got.Messages[0].Content), "about customers") {
				t.Fatalf("prompt = %v, %v", got, err)
			}
			res, tmpl, err := c.Resources(ctx, s)
			if err != nil || len(res) != 1 || res[0].URI != "note://index" || len(tmpl) != 1 {
				t.Fatalf("resources = %v %v %v", res, tmpl, err)
			}
			read, err := c.ReadResource(ctx, s, "note://n1")
			if err != nil || !strings.HasPrefix(read.Contents[0].Text, "# Release checklist") {
				t.Fatalf("read = %v, %v", read, err)
			}
			out, err := c.Call(ctx, s, "list_notes", nil, nil)
			if err != nil || out.IsError || !strings.Contains(ResultText(out), "Customer call: Ada") {
				t.Fatalf("call = %v, %v", out, err)
			}
			bad, err := c.Call(ctx, s, "add_note", map[string]any{"title": " ", "body": "x"}, nil)
			if err != nil || !bad.IsError || !strings.Contains(ResultText(bad), "needs a title") {
				t.Fatalf("a tool error should be a result: %v, %v", bad, err)
			}
			if _, err := c.ReadResource(ctx, s, "note://n99"); err == nil {
				t.Fatal("reading a missing note succeeded")
			}
		})
	}
}

func TestRemoteFailuresAreSentencesWithoutTheToken(t *testing.T) {
	t.Parallel()
	const token = "right-token-123"
	url := remoteNotebook(t, token)
	c := &Client{}
	ctx := testCtx(t)
	_, err := c.Prompts(ctx, Server{Name: "notes", URL: url, Token: "wrong-token-456"})
	if err == nil || !strings.HasPrefix(err.Error(), "could not list the prompts of notes: notes ") {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), "wrong-token-456") || strings.Contains(err.Error(), token) {
		t.Fatalf("the error shows a token: %v", err)
	}
	if _, err := c.Prompts(ctx, Server{Name: "nowhere"}); err == nil || !strings.Contains(err.Error(), "has no URL") {
		t.Fatalf("no URL: %v", err)
	}
	if _, err := c.Log("notes"); !errors.Is(err, ErrNoLog) {
		t.Fatalf("log of a connector server = %v", err)
	}
}

func TestLocalLogAndProgress(t *testing.T) {
	t.Parallel()
	c := &Client{Local: localPool(t, local.Options{})}
	ctx := testCtx(t)
	progress := make(chan local.Progress, 8)
	res, err := c.Call(ctx, Server{Name: "nb"}, "export_notes", map[string]any{"format": "text"}, func(p local.Progress) { progress <- p })
	if err != nil || !strings.Contains(ResultText(res), "Release checklist") {
		t.Fatalf("export = %v, %v", res, err)
	}
	select {
	case p := <-progress:
		if p.Total != 2 {
			t.Fatalf("progress = %+v", p)
		}
	case <-ctx.Done():
		t.Fatal("no progress")
	}
	lines, err := c.Log("nb")
	if err != nil || len(lines) == 0 {
		t.Fatalf("log = %v, %v", lines, err)
	}
	rpc := false
	for _, l := range lines {
		rpc = rpc || (l.Kind == local.LogRPC && strings.Contains(l.Text, "tools/call"))
	}
	if !rpc {
		t.Fatalf("no tools/call in the log: %v", lines)
	}
}

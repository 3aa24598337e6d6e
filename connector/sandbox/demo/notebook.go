package demo

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// NameNotebook is the local demo server: it runs as a child process over
// stdio (the connector cannot reach it), so it exercises patchbay's own MCP
// client — tools, resources, prompts, progress and elicitation.
const NameNotebook = "notebook"

// notebook keeps a few notes in memory; each process has its own.
type notebook struct {
	mu    sync.Mutex
	notes []note
	// step is how long export_notes waits between its progress steps.
	step time.Duration
}

type note struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Body  string `json:"body"`
}

type addNoteIn struct {
	Title string `json:"title" jsonschema:"the note's title"`
	Body  string `json:"body" jsonschema:"the note's text"`
}

type noteIDIn struct {
	ID string `json:"id" jsonschema:"the note's id, e.g. n1"`
}

type exportIn struct {
	Format string `json:"format,omitempty" jsonschema:"markdown or text (markdown when left out)"`
}

type listNotesOut struct {
	Notes []note `json:"notes"`
}

// NotebookOptions tune the notebook for tests.
type NotebookOptions struct {
	// Step is the pause between export_notes' progress steps (default 300 ms).
	Step time.Duration
}

// NewNotebook builds the notebook demo server.
func NewNotebook(opts NotebookOptions) *mcp.Server {
	nb := &notebook{step: opts.Step, notes: []note{
		{ID: "n1", Title: "Release checklist", Body: "Tag the release, update the changelog, announce it in #eng."},
		{ID: "n2", Title: "Customer call: Ada", Body: "Ada Lovelace (C-1001) asked for a copy of her last invoice."},
	}}
	if nb.step <= 0 {
		nb.step = 300 * time.Millisecond
	}
	srv := mcp.NewServer(&mcp.Implementation{Name: NameNotebook, Title: "Demo notebook (local)", Version: serverVersion}, &mcp.ServerOptions{
		Instructions: "A notebook that runs on your machine: notes as tools, resources and prompts.",
	})
	mcp.AddTool(srv, &mcp.Tool{
		Name:        "list_notes",
		Description: "List every note: id, title and text.",
		Annotations: readOnly("List notes"),
	}, nb.list)
	mcp.AddTool(srv, &mcp.Tool{
		Name:        "add_note",
		Description: "Add a note with a title and a text; returns its id.",
	}, nb.add)
	mcp.AddTool(srv, &mcp.Tool{
		Name:        "export_notes",
		Description: "Export all notes as one document, reporting progress note by note.",
		Annotations: readOnly("Export notes"),
	}, nb.export)
	destructive := true
	mcp.AddTool(srv, &mcp.Tool{
		Name:        "delete_note",
		Description: "Delete a note. Asks the user to confirm first.",
		Annotations: &mcp.ToolAnnotations{Title: "Delete a note", DestructiveHint: &destructive},
	}, nb.delete)

	srv.AddResourceTemplate(&mcp.ResourceTemplate{
		Name:        "note",
		Title:       "A note",
		URITemplate: "note://{id}",
		MIMEType:    "text/markdown",
		Description: "One note as Markdown.",
	}, nb.readNote)
	srv.AddResource(&mcp.Resource{
		Name:        "index",
		Title:       "All notes",
		URI:         "note://index",
		MIMEType:    "text/markdown",
		Description: "The list of notes.",
	}, nb.readIndex)

	srv.AddPrompt(&mcp.Prompt{
		Name:        "summarize",
		Title:       "Summarize the notes",
		Description: "Ask for a summary of the notes, optionally about one topic.",
		Arguments: []*mcp.PromptArgument{
			{Name: "topic", Description: "what the summary is about"},
			{Name: "style", Description: "bullets or prose"},
		},
	}, nb.summarize)
	return srv
}

func (nb *notebook) snapshot() []note {
	nb.mu.Lock()
	defer nb.mu.Unlock()
	return slices.Clone(nb.notes)
}

func (nb *notebook) list(context.Context, *mcp.CallToolRequest, any) (*mcp.CallToolResult, listNotesOut, error) {
	return jsonResult(listNotesOut{Notes: nb.snapshot()})
}

func (nb *notebook) add(_ context.Context, _ *mcp.CallToolRequest, in addNoteIn) (*mcp.CallToolResult, note, error) {
	title := strings.TrimSpace(in.Title)
	if title == "" {
		return nil, note{}, fmt.Errorf("a note needs a title")
	}
	nb.mu.Lock()
	n := note{ID: fmt.Sprintf("n%d", len(nb.notes)+1), Title: title, Body: in.Body}
	for nb.index(n.ID) >= 0 {
		n.ID += "x"
	}
	nb.notes = append(nb.notes, n)
	nb.mu.Unlock()
	return jsonResult(n)
}

// index is the position of the note with id, or -1; nb.mu must be held.
func (nb *notebook) index(id string) int {
	return slices.IndexFunc(nb.notes, func(n note) bool { return n.ID == id })
}

func (nb *notebook) export(ctx context.Context, req *mcp.CallToolRequest, in exportIn) (*mcp.CallToolResult, any, error) {
	notes := nb.snapshot()
	token := req.Params.GetProgressToken()
	var doc strings.Builder
	for i, n := range notes {
		select {
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		case <-time.After(nb.step):
		}
		if in.Format == "text" {
			fmt.Fprintf(&doc, "%s\n%s\n\n", n.Title, n.Body)
		} else {
			fmt.Fprintf(&doc, "## %s\n\n%s\n\n", n.Title, n.Body)
		}
		if token != nil {
			// Progress is advisory; a lost notification changes nothing.
			_ = req.Session.NotifyProgress(ctx, &mcp.ProgressNotificationParams{
				ProgressToken: token, Progress: float64(i + 1), Total: float64(len(notes)),
				Message: fmt.Sprintf("exported %q", n.Title),
			})
		}
	}
	return textResult(strings.TrimSpace(doc.String())), nil, nil
}

func (nb *notebook) delete(_ context.Context, req *mcp.CallToolRequest, in noteIDIn) (*mcp.CallToolResult, any, error) {
	nb.mu.Lock()
	i := nb.index(in.ID)
	nb.mu.Unlock()
	if i < 0 {
		return nil, nil, fmt.Errorf("there is no note %q", in.ID)
	}
	// Protocol 2026-07-28 asks the client for input by returning the
	// request with the result (multi round-trip, SEP-2322); the go-sdk
	// turns this into elicitation/create for older clients.
	answer, ok := req.Params.InputResponses["confirm"].(*mcp.ElicitResult)
	if !ok {
		return &mcp.CallToolResult{InputRequests: mcp.InputRequestMap{"confirm": &mcp.ElicitParams{
			Message: fmt.Sprintf("Delete note %s? This cannot be undone.", in.ID),
			RequestedSchema: map[string]any{
				"type": "object",
				"properties": map[string]any{
					"confirm": map[string]any{"type": "boolean", "title": "Delete it", "default": false},
				},
				"required": []string{"confirm"},
			},
		}}, RequestState: in.ID}, nil, nil
	}
	if answer.Action != "accept" || answer.Content["confirm"] != true {
		action := answer.Action
		if action == "accept" {
			action = "keep it"
		}
		return textResult(fmt.Sprintf("Not deleted: the user answered %q.", action)), nil, nil
	}
	nb.mu.Lock()
	defer nb.mu.Unlock()
	if i = nb.index(in.ID); i >= 0 {
		nb.notes = slices.Delete(nb.notes, i, i+1)
	}
	return textResult(fmt.Sprintf("Deleted note %s.", in.ID)), nil, nil
}

func (nb *notebook) readNote(_ context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
	u, err := url.Parse(req.Params.URI)
	if err != nil || u.Scheme != "note" {
		return nil, mcp.ResourceNotFoundError(req.Params.URI)
	}
	nb.mu.Lock()
	defer nb.mu.Unlock()
	i := nb.index(u.Host)
	if i < 0 {
		return nil, mcp.ResourceNotFoundError(req.Params.URI)
	}
	n := nb.notes[i]
	return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{
		URI: req.Params.URI, MIMEType: "text/markdown", Text: fmt.Sprintf("# %s\n\n%s\n", n.Title, n.Body),
	}}}, nil
}

func (nb *notebook) readIndex(_ context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
	var b strings.Builder
	for _, n := range nb.snapshot() {
		fmt.Fprintf(&b, "- %s: %s\n", n.ID, n.Title)
	}
	return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{
		URI: req.Params.URI, MIMEType: "text/markdown", Text: b.String(),
	}}}, nil
}

func (nb *notebook) summarize(_ context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
	topic := strings.TrimSpace(req.Params.Arguments["topic"])
	style := strings.TrimSpace(req.Params.Arguments["style"])
	if style == "" {
		style = "bullets"
	}
	if style != "bullets" && style != "prose" {
		return nil, fmt.Errorf("style must be bullets or prose, not %q", style)
	}
	ask := "Summarize my notes"
	if topic != "" {
		ask += " about " + topic
	}
	ask += " as " + style + "."
	var notes strings.Builder
	for _, n := range nb.snapshot() {
		fmt.Fprintf(&notes, "## %s\n%s\n\n", n.Title, n.Body)
	}
	return &mcp.GetPromptResult{
		Description: "A summary request with the notes attached",
		Messages: []*mcp.PromptMessage{
			{Role: "user", Content: &mcp.TextContent{Text: ask + "\n\n" + strings.TrimSpace(notes.String())}},
		},
	}, nil
}

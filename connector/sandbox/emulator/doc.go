// Package emulator is an offline stand-in for POST /v1/messages of the
// Anthropic Messages API with the MCP connector beta. It validates requests
// the way the API does, connects to the declared MCP servers as a real MCP
// client (Streamable HTTP, falling back to legacy SSE), applies each
// toolset's rules, lets a small scripted model choose and call tools, and
// answers with the same SSE events (or JSON message) the API sends. Faults
// can be queued for tests.
//
// # Rules this emulator enforces
//
// The emulator must be at least as strict as the real API. Every rule below
// names its source: [DOC] an Anthropic documentation page, [SDK]
// anthropic-sdk-go v2.17.0 source, [ISSUE] a public issue thread, [INF] an
// inference from those (the real API may be more lenient), [OURS] a choice
// of ours where no source says anything. Messages are the API's own where a
// source quotes them, ours otherwise. Status 400 is invalid_request_error.
//
// HTTP and headers:
//   - Only POST /v1/messages exists (a query such as ?beta=true is
//     ignored); anything else is 404 not_found_error. [DOC API reference;
//     SDK betamessage.go sends v1/messages?beta=true]
//   - A key is required, as x-api-key or "authorization: Bearer KEY"
//     (what anthropic-sdk-go v2's option.WithAPIKey sends); none or a wrong
//     one is 401 authentication_error. [DOC errors page; SDK
//     option/requestoption.go]
//   - anthropic-version is required (400). [DOC versioning page]
//   - Bodies over 32 MB are 413 request_too_large. [DOC errors page]
//   - A prompt estimated (four bytes of body per token) over 1,000,000
//     tokens is 400 "prompt is too long: N tokens > 1000000 maximum". [ISSUE
//     anthropics/claude-code#12186 quotes the message with a 200000 limit;
//     1,000,000 is the largest context window of current models (DOC
//     context windows page), so the emulator is more lenient than the API
//     for models with a smaller one; the estimate is OURS]
//   - Every answer carries a request-id header, repeated in error bodies
//     as request_id. [DOC errors page; SDK reads only the header]
//
// The request:
//   - model and max_tokens are required, max_tokens at least 1. [DOC API
//     reference]
//   - A model that does not look like a Claude model id (claude-...) is
//     404 not_found_error "model: NAME", as the API answers an unknown
//     model. Every claude-... name is played. [ISSUE
//     anthropics/claude-code#5349 and #6169 quote the answer]
//   - Under anthropic-version 2026-10-21, temperature, top_p and top_k are
//     refused (400), as are document blocks in assistant messages and
//     citations on text blocks in user messages. [DOC "Migrating to API
//     version 2026-10-21"; SDK v2 has no such request fields]
//   - messages is not empty, starts with a user message, roles are user or
//     assistant; consecutive same-role messages are merged into one turn.
//     [DOC API reference; SDK betamessage.go Messages doc]
//   - A message's content is not empty (except a final assistant message,
//     subject to the prefill rule), and no text block is empty: "text
//     content blocks must be non-empty". [ISSUE third-party reports quoting
//     the message, API-NOTES §9.5]
//
// Assistant prefill. A request whose merged last turn is the assistant's
// is accepted as the continuation of a paused turn when that turn's last
// block is not a text block (an mcp_tool_use, mcp_tool_result,
// mcp_tool_listing or tool search block): the stop-reasons page tells
// clients to send pause_turn content back as the last message, and whether
// the previous response ended with pause_turn cannot be known statelessly,
// so the shape decides. [DOC stop-reasons page; INF] Otherwise:
//   - Claude 4.6 models and later, and any name whose version cannot be
//     read (claude-sandbox, a future family): 400 "This model does not
//     support assistant message prefill. The conversation must end with a
//     user message." [DOC model migration guide; SDK betamessage.go
//     Messages doc, "Prefill not supported"; message quoted in
//     strands-agents/sdk-python#1694]
//   - Older models (claude-3*, claude-2*, claude-*-4-5 and earlier): a
//     final text block ending in whitespace is 400 "final assistant content
//     cannot end with trailing whitespace". [DOC; SDK betamessage.go, the
//     fallback-credit docs strip "trailing whitespace from the final text
//     block"]
//
// The MCP connector:
//   - mcp_servers or an mcp_toolset needs an MCP beta in anthropic-beta;
//     an unknown mcp-client-* beta, or two different ones, is 400. [DOC MCP
//     connector page: send one version "instead of" the other]
//   - A server entry has type "url", a url starting with https:// (with
//     Options.AllowLoopbackHTTP also http:// on loopback, for tests) and a
//     unique name; names are 1 to 64 of [a-zA-Z0-9_-]. [DOC field table;
//     the name pattern is OURS]
//   - Under 2025-11-20 and 2026-09-15 every toolset names a declared
//     server, no server has two toolsets, and every server is referenced by
//     exactly one toolset. [DOC validation rules] Unknown tool names in
//     configs are accepted. [DOC]
//   - Under 2025-04-04 there are no toolsets (tool_configuration filters
//     instead); a pinned toolset tools list needs 2026-09-15. [DOC]
//   - defer_loading needs a tool search tool: any defer_loading:true (a
//     toolset's default_config or configs, or another tool) without a
//     tool_search_tool_regex_20251119 or tool_search_tool_bm25_20251119
//     entry in tools is 400. The search tool may not be deferred, must
//     carry its own name (tool_search_tool_regex / tool_search_tool_bm25),
//     and comes at most once. [DOC MCP connector page: defer_loading is
//     "Used with Tool search tool"; DOC tool search page; SDK
//     BetaToolSearchToolRegex20251119Param, BetaToolSearchToolBm25_20251119Param;
//     "at most once" is OURS]
//   - When every tool is deferred: 400 "All tools have defer_loading set.
//     At least one tool must be non-deferred." (the search tool does not
//     count). [DOC tool search page]
//   - A declared server that cannot be reached or initialised: 400
//     "Failed to connect to MCP server 'NAME': ..." by default; with
//     Options.UnreachableAs500, HTTP 500 api_error "Internal server error",
//     as the API has answered. A 401 or 403 from the server is always 400
//     "Invalid authorization token for MCP server 'NAME'. Please check
//     your token and try again." [ISSUE anthropics/anthropic-sdk-typescript#784
//     (500); ISSUE anthropics/anthropic-sdk-python#1029 (token);
//     elastic/mcp-server-elasticsearch#194 (connect)]
//
// The history:
//   - mcp_tool_use, mcp_tool_result, mcp_tool_listing, tool_use,
//     server_tool_use and tool_search_tool_result blocks appear only in
//     assistant messages, tool_result blocks only in user messages. [SDK
//     param unions; DOC]
//   - Every plain tool_use is answered by a tool_result in the next user
//     message, and every tool_result answers a tool_use of the previous
//     assistant message. [DOC tool use page]
//   - A request whose messages hold tool_use or tool_result blocks and that
//     has no tools (absent or empty) is 400 "Requests which include
//     `tool_use` or `tool_result` blocks must define tools." [ISSUE; the
//     message is quoted by many clients, API-NOTES §9.4]
//   - An mcp_tool_use needs id, name and server_name, and its server must
//     be declared; so must the server of an mcp_tool_listing. [INF from
//     API-NOTES §5.1: a history naming a server that is gone "probably
//     fails validation"; stricter is allowed]
//   - Every mcp_tool_use has its mcp_tool_result later in the same
//     assistant turn (consecutive assistant messages, as a paused turn and
//     its continuations, are one turn); only the very last block of a
//     request ending with the assistant may still wait, as a paused turn.
//     An mcp_tool_result or tool_search_tool_result refers to an earlier
//     use. [INF from the docs' pairing of the blocks and the tool_use /
//     tool_result rule above]
//
// # The scripted model
//
// The model is deterministic. It reads the text of the last user message
// that holds text (a content string or its text blocks) and decides, in this
// order:
//
//   - "refuse please" anywhere: a short text and stop_reason "refusal".
//   - A question about tools ("what tools", "which tools", "list tools",
//     "available tools", ...): a Markdown list of the enabled tools, per
//     server. No tool is called.
//   - Otherwise the text is cut into steps at the word "then", and each step
//     is read on its own:
//   - A step that names a tool of a declared server, by its exact name
//     (find_customer) or as its words in order with at most stopwords
//     between them ("find customer", "find the customer"), calls that tool
//     and no other. If the tool is not enabled the model says exactly
//     "I can't use `delete_customer`: it is not enabled for server `crm`."
//     and calls nothing for that step: it never substitutes another tool.
//   - Any other step calls the enabled tool whose name and description
//     share the most words with it (stopwords ignored, plural "s" dropped;
//     a word of the tool name counts 3, of the description 1; at least 2
//     points, ties go to the first tool in server and listing order). This
//     best match never picks a destructive tool: destructive tools are
//     called only when the user names them.
//   - A tool is destructive when its annotations in the server's
//     tools/list say so with the MCP spec's defaults (readOnlyHint false;
//     destructiveHint true unless readOnlyHint is set), so a tool without
//     annotations is destructive. Lists the emulator did not ask for
//     (pinned, or recorded in the history) carry no annotations: what the
//     server's last tools/list said is remembered, and a tool it never
//     described counts as destructive.
//   - On a server for which Options.RealServer reports true (one that is
//     not among the sandbox's demo servers), a named destructive tool is
//     called only when the latest user message with text confirms it with
//     "confirm TOOL" or "yes, call TOOL" (case-insensitive keywords, the
//     tool's exact name, backticks allowed). Otherwise the model calls
//     nothing for that step and says exactly: "`delete_customer` on `crm`
//     may change or delete data, and `crm` is not one of the sandbox's demo
//     servers, so I have not called it. To go ahead, reply: confirm
//     delete_customer". A message that only confirms (nothing left but
//     "yes", "ok", "please" and the like) carries out the confirmed calls
//     of the user message before it, and nothing else of it.
//   - A deferred tool (defer_loading) is invisible until a tool search
//     finds it. When the user names a deferred enabled tool, the model
//     first emits a server_tool_use block for the request's search tool
//     (input {"pattern": ..., "limit": 5} for the regex tool, the tool's
//     name as a regular expression; {"query": ..., "limit": 5} for BM25,
//     its words: the field names of recorded API streams, see
//     connector/testdata/recorded), then a tool_search_tool_result
//     whose content is a tool_search_tool_search_result with up to five
//     tool_reference entries (deferred enabled tools matching the query,
//     best first), then calls the tool. A tool a search result in the
//     history referenced stays loaded for the conversation. A reference
//     names the tool as its server lists it, without the server's name
//     [INF: the API's form for MCP tools is not documented]. The best
//     match above only considers loaded tools.
//   - Arguments come from the tool's input schema. String parameters take
//     quoted text first, then a run of Capitalised Words ("Ada Lovelace"),
//     then the words after the tool's name in the step; integer and number
//     parameters take the numbers in the text in order; everything else
//     takes the schema default. Required parameters are always filled.
//     Parameters are visited required first, each group by name.
//   - A step that refers back (her, his, their, its, them, that, this,
//     same) and offers no value of its own (no quoted text, no Name) fills
//     an id parameter ("id" or "…_id") from the conversation's earlier
//     successful MCP results, newest first: the first value of a key of
//     the parameter's name, else of a key "id". So "find customer Ada
//     Lovelace", then "and list her orders", lists cus_001's orders. [OURS:
//     a stand-in for the real model reading the conversation]
//   - Each call is a short sentence ("I'll look that up with
//     `find_customer` on `crm`."), an mcp_tool_use block and, once the MCP
//     server answered, its mcp_tool_result block. After the last call
//     comes a Markdown answer quoting every result since the user's
//     message (bold tool name, the result in a fenced block, cut at 2 KB).
//   - When no step matches any tool, the answer is a friendly Markdown
//     echo of the message.
//
// Client tools (tools entries of type "custom" or without a type, which a
// client such as patchbay's local servers runs itself) are checked as in
// clienttools.go: the name's pattern, a required input_schema of type
// "object", its property keys' pattern, and unique names, each rule with
// its source. The model treats them as tools of their own (listed under
// "Your tools (run by the client)", matched by the same rules, never
// counted destructive: the client decides what runs). A call to one is a
// sentence ("I'll use your tool `notebook__list_notes`.") and a tool_use
// block, and the response ends there with stop_reason "tool_use". [DOC
// tool use page] The client's next request carries the tool_result
// blocks; the model counts that tool_use as a done call of the turn, its
// result feeds the final answer ("**`NAME`** (your tool) returned"), and
// the remaining steps run as for a paused turn.
//
// One response makes at most Options.MaxToolCallsPerRequest calls; when more
// remain it ends with stop_reason "pause_turn". A request whose last message
// is the assistant's paused content carries on with the calls still missing:
// they are derived from the user's message and the mcp_tool_use blocks the
// history already holds after it. When that content ends with an
// mcp_tool_use still waiting for its result, the response starts by running
// that call (with the same checks as a planned one) and sending its
// mcp_tool_result. A request whose last user message answers a plain
// tool_use of a tool that is not among its client tools (a stray) with
// tool_result blocks gets a sentence acknowledging the error,
// then the model carries on the same way.
//
// Input tokens are estimated at four bytes per token: the request body,
// plus the definitions (name, description, input schema as JSON) of the
// MCP tools the model is given, which the API also counts as input. A
// deferred tool costs nothing until a tool search loads it. [DOC tool use
// pricing: tool definitions are billed as input tokens; the estimate is
// OURS]
//
// Output is estimated at four characters per token. When the text and tool
// inputs would exceed max_tokens the output is cut right there, even inside
// an input_json_delta, and the response ends with stop_reason "max_tokens".
// No block starts once the budget is spent: a block holds at least one
// token of output, so a cut never leaves an empty text block. [INF]
//
// # Noise
//
// The scripted model never errs, so a pass rate measured against it is
// always 0 or 1. Options.Noise (P, Seed) makes it err on purpose: each
// tool call planned for a new user message goes, with probability P, to
// another usable tool that is not destructive (chosen uniformly, its
// arguments filled from the message as usual); with no such tool the call
// stands. The draws come from one PCG source seeded with Seed, shared by
// all requests under a lock: a run that sends its requests one at a time
// repeats exactly; concurrent requests share the same sequence of draws
// in whatever order they arrive. A paused or continued answer keeps the
// calls its history holds and plans the rest without noise. Noise is a
// test aid of OURS; the real model has no such switch.
//
// # Continue requests
//
// A client continues an answer cut at max_tokens with a user message that
// asks for the rest, since current models refuse an assistant prefill
// (above). A user message is a continue request when it comes right after
// an assistant message and its text matches, case-insensitively and across
// lines, the word "continue" followed later by "cut off" (or "cut-off",
// "cutoff"): the regular expression (?is)\bcontinue\b.*\bcut[\s-]*off\b.
// patchbay's own request, session.ContinuePrompt, reads "Continue exactly
// where your previous answer was cut off, without repeating anything." A
// first message, or "continue" alone, is an ordinary question.
//
// The model then answers the last user message with text that is not a
// continue request (and its confirmations), as if it had been asked again,
// but sends only what the assistant messages since then do not already
// hold, with a fresh max_tokens budget:
//   - Tool calls made there, each an mcp_tool_use with its mcp_tool_result
//     (and tool searches with their results), count as done, as for a
//     paused turn: no tool is called twice, and their results feed the
//     final answer. A tool use without its result (cut inside its input;
//     a client must not send an mcp_tool_use without its result, and the
//     pairing rule above refuses one) is not done and is made again.
//   - The text blocks after the last finished tool block are the start of
//     the rest of the answer: each scripted text is sent without the part
//     they hold, and not at all when they hold all of it. A held text that
//     does not start the scripted one is passed over.
//   - So each continue request advances the answer, and the pieces joined
//     are the answer a large enough max_tokens gives in one response,
//     ending with end_turn. A tool input longer than max_tokens can never
//     be sent whole, so such an answer stays stuck there (as it would with
//     the real model).
//   - When the history holds the whole answer already, the model says
//     "There is nothing more to add: my previous answer was complete."
//
// The same skipping applies to an accepted prefill (an older model, the
// answer's cut text as the last message): the answer goes on from there.
// The real API continues a prefill inside the same text block; the
// emulator starts a new block. [INF]
//
// Under mcp-client-2026-09-15 the response starts with one mcp_tool_listing
// block per server whose tools were asked for: not for a toolset with a
// pinned tools list, and not for a server whose listing the history already
// holds (that recorded list is used instead of asking again).
//
// # The emulator's MCP client
//
// It identifies as patchbay-emulator and declares the roots capability
// ({"roots":{"listChanged":true}}, the go-sdk's default; it shares no
// roots). Which capabilities the API's own MCP client declares is
// not documented; servers may list some tools only to clients that declare
// roots (the reference server-everything does), and declaring it is the
// assumption that shows the emulator the most tools. [INF, API-NOTES §9.7]
//
// # Faults
//
// Inject queues a Fault for the next request: HTTP error statuses, an SSE
// error event, a dropped connection, a stream without message_stop, slow
// drip, a stall, a stray plain tool_use, pause_turn after the first MCP
// call, and ignore_toolset (every tool of every server enabled and loaded,
// whatever the toolsets say: an API that does not honour them).
package emulator

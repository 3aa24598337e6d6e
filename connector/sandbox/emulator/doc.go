// Package emulator is an offline stand-in for POST /v1/messages of the
// Anthropic Messages API with the MCP connector beta. It validates requests
// the way the API does, connects to the declared MCP servers as a real MCP
// client (Streamable HTTP, falling back to legacy SSE), applies each
// toolset's rules, lets a small scripted model choose and call tools, and
// answers with the same SSE events (or JSON message) the API sends. Faults
// can be queued for tests.
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
//     (find_customer) or as words ("find customer"), calls it if the
//     toolset enables it. If the tool exists but is not enabled, the model
//     says exactly "I can't use `delete_customer`: it is not enabled for
//     server `crm`." A tool with defer_loading is invisible to the model
//     (there is no tool search here); naming one gets a sentence saying so.
//   - Any other step calls the enabled tool whose name and description
//     share the most words with it (stopwords ignored, plural "s" dropped;
//     a word of the tool name counts 3, of the description 1; at least 2
//     points, ties go to the first tool in server and listing order).
//   - Arguments come from the tool's input schema. String parameters take
//     quoted text first, then a run of Capitalised Words ("Ada Lovelace"),
//     then the words after the tool's name in the step; integer and number
//     parameters take the numbers in the text in order; everything else
//     takes the schema default. Required parameters are always filled.
//     Parameters are visited required first, each group by name.
//   - Each call is a short sentence ("I'll look that up with
//     `find_customer` on `crm`."), an mcp_tool_use block and, once the MCP
//     server answered, its mcp_tool_result block. After the last call
//     comes a Markdown answer quoting every result since the user's
//     message (bold tool name, the result in a fenced block, cut at 2 KB).
//   - When no step matches any tool, the answer is a friendly Markdown
//     echo of the message.
//
// One response makes at most Options.MaxToolCallsPerRequest calls; when more
// remain it ends with stop_reason "pause_turn". A request whose last message
// is the assistant's paused content carries on with the calls still missing:
// they are derived from the user's message and the mcp_tool_use blocks the
// history already holds after it. A request whose last user message answers
// a plain tool_use with tool_result blocks gets a sentence acknowledging the
// error, then the model carries on the same way.
//
// Output is estimated at four characters per token. When the text and tool
// inputs would exceed max_tokens the output is cut right there, even inside
// an input_json_delta, and the response ends with stop_reason "max_tokens".
//
// Under mcp-client-2026-09-15 the response starts with one mcp_tool_listing
// block per server whose tools were asked for: not for a toolset with a
// pinned tools list, and not for a server whose listing the history already
// holds (that recorded list is used instead of asking again).
package emulator

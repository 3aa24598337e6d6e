#!/usr/bin/env bash
# Re-makes the README's screenshots from the running app: patchbay runs in
# the offline sandbox inside tmux, each screen is captured with its colours
# (capture-pane -e) and rendered to PNG with charmbracelet/freeze v0.2.2.
# Needs tmux and Go; nothing leaves the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
out=assets
tmp=$(mktemp -d)
sock=pb-shots-$$-0
trap 'tmux -L "$sock" kill-server 2>/dev/null || true; rm -rf "$tmp"' EXIT
go build -o "$tmp/patchbay" .
freeze() { go run github.com/charmbracelet/freeze@v0.2.2 "$@"; }

# shot NAME WIDTH HEIGHT: capture the current screen of the session.
shot() {
  tmux -L "$sock" capture-pane -t pb -e -p > "$tmp/$1.ansi"
  freeze "$tmp/$1.ansi" --language ansi --window=false --padding 16 --margin 0 \
    --font.size 14 --width "$(( $2 * 9 ))" -o "$out/$1.png" >/dev/null
  echo "wrote $out/$1.png"
}

# start WIDTH HEIGHT ARGS...: patchbay in a fresh tmux server.
start() {
  local w=$1 h=$2; shift 2
  # A tmux server of its own each time: one just told to exit may still
  # hold its socket.
  tmux -L "$sock" kill-server 2>/dev/null || true
  sock=pb-shots-$$-$RANDOM
  tmux -L "$sock" -f /dev/null new-session -d -s pb -x "$w" -y "$h" \
    env -u ANTHROPIC_API_KEY XDG_STATE_HOME="$tmp/state-$RANDOM" TERM=xterm-256color "$@"
}

# wait_for TEXT: poll the screen until TEXT shows (20 s at most).
wait_for() {
  for _ in $(seq 200); do
    tmux -L "$sock" capture-pane -t pb -p | grep -qF -- "$1" && return 0
    sleep 0.1
  done
  echo "timed out waiting for: $1" >&2; exit 1
}

# 1. A turn with a tool call, at 100x30.
start 100 30 "$tmp/patchbay"
wait_for "ready · 5 tools"
tmux -L "$sock" send-keys -t pb "Find the customer Ada Lovelace" Enter
wait_for "Analytical Engines"
shot turn-100x30 100

# 2. The checklist with a denied tool, at 120x32.
tmux -L "$sock" send-keys -t pb Tab Tab
wait_for "crm tools"
tmux -L "$sock" send-keys -t pb / "delete_cust" Enter
sleep 0.3
tmux -L "$sock" send-keys -t pb Space
wait_for "[ ] delete_customer"
shot checklist-100x30 100

# 3. A breach under mcp-client-2026-09-15, turn and audit, at 120x40.
start 120 40 env PATCHBAY_SANDBOX_FAULT=ignore_toolset "$tmp/patchbay" -deny crm:delete_customer
wait_for "ready · 5 tools"
tmux -L "$sock" send-keys -t pb "/beta mcp-client-2026-09-15" Enter
wait_for "MCP beta set to"
tmux -L "$sock" send-keys -t pb "delete customer Ada Lovelace" Enter
wait_for "BREACH"
shot breach-turn-120x40 120
tmux -L "$sock" send-keys -t pb C-x
wait_for "Filter audit"
shot breach-audit-120x40 120

# 4. The same app at 80x24 and 200x50.
start 80 24 "$tmp/patchbay"
wait_for "sandbox"
sleep 1 # at 80 columns the servers panel is folded away: give discovery a moment
tmux -L "$sock" send-keys -t pb "What tools do you have available?" Enter
wait_for "bytes in all)"
shot tools-80x24 80
start 200 50 "$tmp/patchbay"
wait_for "ready · 5 tools"
tmux -L "$sock" send-keys -t pb "Find the customer Ada Lovelace then search docs for billing" Enter
wait_for "billing"
sleep 0.5
shot chain-200x50 200

#!/usr/bin/env bash
# How long a coding agent waits for `diffward agent-hook`, process start included: a typical
# Edit of a 2,000-line Python file (harmless, and one that adds `verify=False`), a Write of a
# new file and a tool that edits nothing (a Read), each as Claude Code sends it on standard
# input; then the same harmless change as a Codex `apply_patch` and as a Gemini `replace`.
# Each edit's old text occurs once in the file, so the edit applies and is really scanned (an
# edit that cannot apply is let through unscanned, which would time nothing). The decisions are
# checked first. Prints hyperfine's table (hyperfine takes off the time of the shell it starts
# the command with). Usage: bash benches/agent-hook.sh [WORKDIR]  (default: a temporary folder)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/target/release/diffward"
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null; }
cargo build --release --quiet --manifest-path "$root/Cargo.toml"
if [ -n "${1:-}" ]; then work=$1; else work=$(mktemp -d); trap 'rm -rf "$work"' EXIT; fi

repo="$work/project"
rm -rf "$repo" && mkdir -p "$repo/app"
git -C "$repo" init -q -b main
python3 - "$repo" <<'PY'
import json, os, sys
repo = sys.argv[1]
path = os.path.join(repo, "app", "service.py")
lines = ["import requests", ""]
i = 0
while len(lines) < 2000:
    lines += [f"def handler_{i}(session, url):", f"    r = session.get(url, timeout={i % 30 + 1})",
              "    r.raise_for_status()", "    return r.json()", ""]
    i += 1
open(path, "w").write("\n".join(lines[:2000]) + "\n")

def payload(tool, tool_input):
    return {"session_id": "bench", "transcript_path": "/home/dev/.claude/projects/bench/transcript.jsonl", "cwd": repo,
            "permission_mode": "default", "hook_event_name": "PreToolUse",
            "tool_name": tool, "tool_input": tool_input, "tool_use_id": "toolu_bench"}

# handler_7's body: once in the file.
old = "def handler_7(session, url):\n    r = session.get(url, timeout=8)\n"
harmless = "def handler_7(session, url):\n    r = session.get(url, timeout=9)\n"
risky = "def handler_7(session, url):\n    r = session.get(url, timeout=8, verify=False)\n"
assert open(path).read().count(old) == 1
patch = ("*** Begin Patch\n*** Update File: app/service.py\n@@ def handler_7(session, url):\n"
         "-    r = session.get(url, timeout=8)\n+    r = session.get(url, timeout=9)\n*** End Patch\n")
cases = {
    "edit": payload("Edit", {"file_path": path, "old_string": old, "new_string": harmless}),
    "edit-risky": payload("Edit", {"file_path": path, "old_string": old, "new_string": risky}),
    "write-new": payload("Write", {"file_path": os.path.join(repo, "app", "new_module.py"),
                                   "content": "def ping():\n    return 'pong'\n"}),
    "read": payload("Read", {"file_path": path}),
    "codex-patch": dict(payload("apply_patch", {"command": patch}), model="gpt-5-codex",
                        turn_id="turn-bench"),
    "gemini-replace": {"session_id": "bench", "cwd": repo, "hook_event_name": "BeforeTool",
                       "timestamp": "2026-01-15T10:00:00.000Z", "tool_name": "replace",
                       "tool_input": {"file_path": path, "old_string": old, "new_string": harmless,
                                      "expected_replacements": 1}},
}
for name, p in cases.items():
    json.dump(p, open(os.path.join(repo, "..", f"{name}.json"), "w"))
PY
git -C "$repo" add -A
git -C "$repo" -c user.email=b@example.com -c user.name=bench commit -q -m base

# The decisions first: the risky edit is refused (a deny decision on stdout, exit 0), the others
# let through (exit 0, no decision).
for c in edit edit-risky write-new read codex-patch gemini-replace; do
  code=0; out=$("$bin" agent-hook <"$work/$c.json" 2>/dev/null) || code=$?
  case $out in *'"deny"'*) got=refused ;; *) got=allowed ;; esac
  want=allowed; [ "$c" = edit-risky ] && want=refused
  echo "$c: exit $code, $got"
  [ "$code" = 0 ] && [ "$got" = "$want" ] || { echo "$c: expected exit 0, $want" >&2; exit 1; }
done
cd "$repo"
hyperfine --warmup 3 --runs 30 -i \
  -n "Edit, 2,000-line file" "$bin agent-hook < $work/edit.json" \
  -n "Edit adding verify=False (refused)" "$bin agent-hook < $work/edit-risky.json" \
  -n "Write of a new file" "$bin agent-hook < $work/write-new.json" \
  -n "Read (no edit)" "$bin agent-hook < $work/read.json" \
  -n "Codex apply_patch, 2,000-line file" "$bin agent-hook < $work/codex-patch.json" \
  -n "Gemini replace, 2,000-line file" "$bin agent-hook < $work/gemini-replace.json"

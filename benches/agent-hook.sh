#!/usr/bin/env bash
# How long a coding agent waits for `diffward agent-hook`, process start included: a typical
# Edit of a 2,000-line Python file (harmless, and one that adds `verify=False`), a Write of a
# new file, and a tool that edits nothing (a Read), each as Claude Code sends it on standard
# input. Prints hyperfine's table (hyperfine takes off the time of the shell it starts the
# command with). Usage: bash benches/agent-hook.sh [WORKDIR]  (default: a temporary folder)
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

old = "    r = session.get(url, timeout=7)\n"
cases = {
    "edit": payload("Edit", {"file_path": path, "old_string": old,
                             "new_string": "    r = session.get(url, timeout=8)\n"}),
    "edit-risky": payload("Edit", {"file_path": path, "old_string": old,
                                   "new_string": "    r = session.get(url, timeout=7, verify=False)\n"}),
    "write-new": payload("Write", {"file_path": os.path.join(repo, "app", "new_module.py"),
                                   "content": "def ping():\n    return 'pong'\n"}),
    "read": payload("Read", {"file_path": path}),
}
for name, p in cases.items():
    json.dump(p, open(os.path.join(repo, "..", f"{name}.json"), "w"))
PY
git -C "$repo" add -A
git -C "$repo" -c user.email=b@example.com -c user.name=bench commit -q -m base

# The decisions first: the risky edit is refused (exit 2), the others allowed (exit 0).
for c in edit edit-risky write-new read; do
  code=0; "$bin" agent-hook <"$work/$c.json" >/dev/null 2>&1 || code=$?
  echo "$c: exit $code"
done
cd "$repo"
hyperfine --warmup 3 --runs 30 -i \
  -n "Edit, 2,000-line file" "$bin agent-hook < $work/edit.json" \
  -n "Edit adding verify=False (refused)" "$bin agent-hook < $work/edit-risky.json" \
  -n "Write of a new file" "$bin agent-hook < $work/write-new.json" \
  -n "Read (no edit)" "$bin agent-hook < $work/read.json"

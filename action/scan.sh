#!/usr/bin/env bash
# The scan step of the diffward action (action.yml): work out the change from the event, scan
# it, and record the result as step outputs. Every input arrives through the environment, never
# through the script's text.
#
# In:  DIFFWARD (the binary), INPUT_BASE, INPUT_HEAD, INPUT_FAIL_ON, INPUT_SARIF_FILE,
#      INPUT_CONFIG, INPUT_ARGS, and GitHub's GITHUB_EVENT_NAME, GITHUB_EVENT_PATH,
#      GITHUB_OUTPUT, GITHUB_STEP_SUMMARY.
# Out: exit-code, findings and (when written) sarif-file in GITHUB_OUTPUT. The step itself fails
#      only when the scan could not run (exit 2 and the like); findings fail the job in the
#      action's last step, after the SARIF upload.
set -euo pipefail

ZERO_SHA=0000000000000000000000000000000000000000

# One field of the event payload (a jq path), empty when it is missing or null.
event_field() {
  local path=$1
  [[ -n "${GITHUB_EVENT_PATH:-}" && -f "$GITHUB_EVENT_PATH" ]] || return 0
  if command -v jq >/dev/null 2>&1; then
    jq -r "$path // empty" "$GITHUB_EVENT_PATH"
  else
    python3 - "$GITHUB_EVENT_PATH" "$path" <<'PY'
import json, sys
value = json.load(open(sys.argv[1], encoding="utf-8"))
for key in sys.argv[2].lstrip(".").split("."):
    value = value.get(key) if isinstance(value, dict) else None
print("" if value is None else value)
PY
  fi
}

# The base of a new branch's push: where it left the default branch, or else the parent of the
# oldest commit that no remote-tracking branch has. Empty when the whole tree must be scanned.
new_branch_base() {
  local default oldest
  default=$(event_field .repository.default_branch)
  if [[ -n "$default" ]] && git rev-parse --verify --quiet "refs/remotes/origin/$default^{commit}" >/dev/null; then
    echo "origin/$default"
    return
  fi
  oldest=$(git rev-list --reverse HEAD --not --remotes | sed -n 1p) # sed reads it all: no SIGPIPE
  if [[ -z "$oldest" ]]; then
    echo HEAD # every commit is on a remote already: nothing new
  elif git rev-parse --verify --quiet "$oldest^" >/dev/null; then
    echo "$oldest^"
  fi
}

# The base the event implies; empty for events without one (the whole tree is scanned).
event_base() {
  case "${GITHUB_EVENT_NAME:-}" in
    pull_request | pull_request_target)
      event_field .pull_request.base.sha
      ;;
    push)
      local before
      before=$(event_field .before)
      if [[ -z "$before" || "$before" == "$ZERO_SHA" ]]; then
        new_branch_base
      else
        echo "$before"
      fi
      ;;
  esac
}

# Say why the base is missing and how to fix it, then stop.
require_commit() {
  local rev=$1
  if ! git rev-parse --verify --quiet "$rev^{commit}" >/dev/null; then
    echo "::error title=diffward::the base commit $rev is not in this clone. Set 'fetch-depth: 0' on actions/checkout, so that the base and every commit of the change are fetched."
    echo "exit-code=2" >>"$GITHUB_OUTPUT"
    exit 2
  fi
}

# The number of results in a SARIF file: each has one `"ruleId":` key, which cannot occur inside
# a JSON string (its quotes would be escaped there).
count_results() {
  [[ -f "$1" ]] || { echo 0; return; }
  grep -o '"ruleId":' "$1" | wc -l | tr -d ' '
}

main() {
  local base head sarif code
  base=${INPUT_BASE:-}
  [[ -n "$base" ]] || base=$(event_base)
  head=${INPUT_HEAD:-HEAD}
  sarif=${INPUT_SARIF_FILE:-diffward.sarif}

  local -a scan=(scan)
  if [[ -n "$base" ]]; then
    require_commit "$base"
    require_commit "$head"
    echo "diffward: scanning the change from $base to $head"
    scan+=(--base "$base" --head "$head")
  else
    echo "diffward: no base for a ${GITHUB_EVENT_NAME:-local} event: scanning the whole tree"
    scan+=(.)
  fi
  mkdir -p -- "$(dirname -- "$sarif")"
  scan+=(--format github --sarif-output "$sarif" --fail-on "${INPUT_FAIL_ON:-high}")
  if [[ -n "${GITHUB_STEP_SUMMARY:-}" ]]; then
    scan+=(--summary-output "$GITHUB_STEP_SUMMARY")
  fi
  if [[ -n "${INPUT_CONFIG:-}" ]]; then
    scan+=(--config "$INPUT_CONFIG")
  fi
  # Extra arguments split on blanks, never glob-expanded or evaluated.
  local -a extra=()
  read -r -a extra <<<"${INPUT_ARGS:-}"
  scan+=("${extra[@]}")

  code=0
  "$DIFFWARD" "${scan[@]}" || code=$?
  {
    echo "exit-code=$code"
    echo "findings=$(count_results "$sarif")"
    if [[ -f "$sarif" ]]; then echo "sarif-file=$sarif"; fi
  } >>"$GITHUB_OUTPUT"
  if [[ "$code" != 0 && "$code" != 1 ]]; then
    echo "::error title=diffward::the scan could not run (exit code $code); its message is above"
    exit "$code"
  fi
}

main "$@"

#!/usr/bin/env bash
# Speed comparison of diffward against peer tools on one git repository.
# Usage: bash run.sh CORPUS_DIR OUT_DIR [ROUNDS]
#   CORPUS_DIR  a git work tree (clean; semgrep's baseline mode needs that)
#   OUT_DIR     where runs.tsv and the tools' stderr logs go
#   ROUNDS      timed rounds (default 5); each round runs every job once, in the
#               same order (A B C ... A B C ...), after one untimed warm-up round
# Environment:
#   PR_COMMITS  the "pull request" is HEAD~PR_COMMITS..HEAD (default 10)
#   DIFFWARD    the diffward binary (default: diffward on PATH, else this
#               checkout's target/release/diffward)
# Peers are looked up on PATH (put the venv from install.sh first on PATH);
# a peer that is missing is skipped with a message.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
corpus=$(cd "${1:?usage: run.sh CORPUS_DIR OUT_DIR [ROUNDS]}" && pwd)
out=${2:?usage: run.sh CORPUS_DIR OUT_DIR [ROUNDS]}
rounds=${3:-5}
n=${PR_COMMITS:-10}
mkdir -p "$out"
out=$(cd "$out" && pwd)

[ -x /usr/bin/time ] || { echo "run.sh: needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
git -C "$corpus" rev-parse --verify -q "HEAD~$n" >/dev/null \
  || { echo "run.sh: $corpus has no HEAD~$n" >&2; exit 1; }

# --- tools ---------------------------------------------------------------
dw=${DIFFWARD:-}
if [ -z "$dw" ]; then
  if command -v diffward >/dev/null 2>&1; then dw=$(command -v diffward)
  else dw="$here/../../target/release/diffward"; fi
fi
[ -x "$dw" ] || { echo "run.sh: diffward binary not found ($dw)" >&2; exit 1; }

# `sg` is also the name of shadow-utils' switch-group command: accept it only if it
# says it is ast-grep.
astgrep=""
if command -v ast-grep >/dev/null 2>&1; then astgrep=$(command -v ast-grep)
elif command -v sg >/dev/null 2>&1 && sg --version 2>&1 | grep -qi 'ast-grep'; then astgrep=$(command -v sg)
fi
have() { command -v "$1" >/dev/null 2>&1; }

export SEMGREP_SEND_METRICS=off SEMGREP_ENABLE_VERSION_CHECK=0
ag_rules="$here/ast-grep-rules/rules.yml"
sg_rules="$here/semgrep-rules.yml"

# The pull request's files that still exist at HEAD (for ast-grep, which has no
# git mode; it gets the list for free, outside the timing).
mapfile -t pr_files < <(cd "$corpus" && git diff --name-only --diff-filter=d "HEAD~$n" HEAD)
echo "corpus: $corpus  HEAD=$(git -C "$corpus" rev-parse --short HEAD)  files=$(git -C "$corpus" ls-files | wc -l)  PR=HEAD~$n (${#pr_files[@]} files)"

# --- jobs: "tool<TAB>scenario<TAB>command" ------------------------------------
jobs=()
add() { jobs+=("$1"$'\t'"$2"$'\t'"$3"); }
q() { printf '%q' "$1"; }
add diffward full "$(q "$dw") scan . --format json -o /dev/null --fail-on never"
add diffward pr   "$(q "$dw") scan --base HEAD~$n --format json -o /dev/null --fail-on never"
add diffward empty "$(q "$dw") scan --base HEAD --format json -o /dev/null --fail-on never"
# GitHub workflows alone: diffward's ci pack beside zizmor (offline: no GitHub API calls).
if [ -d "$corpus/.github/workflows" ]; then
  add diffward workflows "$(q "$dw") scan .github/workflows --only ci --format json -o /dev/null --fail-on never"
  if have zizmor; then
    add zizmor workflows "zizmor --offline --no-progress --format json .github/workflows >/dev/null"
  else echo "skipping zizmor: not found" >&2; fi
fi
if [ -n "$astgrep" ]; then
  add ast-grep full "$(q "$astgrep") scan --rule $(q "$ag_rules") . >/dev/null"
  if [ ${#pr_files[@]} -gt 0 ]; then
    add ast-grep pr "$(q "$astgrep") scan --rule $(q "$ag_rules") $(printf '%q ' "${pr_files[@]}") >/dev/null"
  fi
else echo "skipping ast-grep: not found (ast-grep, or sg from ast-grep-cli)" >&2; fi
if have semgrep; then
  add semgrep full "semgrep scan --config $(q "$sg_rules") --metrics=off --disable-version-check --json -o /dev/null ."
  add semgrep pr   "semgrep scan --baseline-commit HEAD~$n --config $(q "$sg_rules") --metrics=off --disable-version-check --json -o /dev/null ."
else echo "skipping semgrep: not found" >&2; fi
if have detect-secrets; then
  add detect-secrets full "detect-secrets scan --all-files . >/dev/null"
else echo "skipping detect-secrets: not found" >&2; fi
if have rg; then
  add ripgrep full "rg -c --no-messages 'password|secret|token' . >/dev/null"
else echo "skipping ripgrep: rg not found" >&2; fi

# --- runs ------------------------------------------------------------------
tsv="$out/runs.tsv"
printf 'tool\tscenario\tround\twall\tcpu\tpeak_kib\trc\n' > "$tsv"
printf '%s\n' "${jobs[@]}" > "$out/jobs.tsv"
git -C "$corpus" rev-parse HEAD > "$out/corpus-head.txt"

run_one() { # tool scenario round command
  local tool=$1 sc=$2 r=$3 cmd=$4 tf rc
  tf=$(mktemp)
  set +e
  t0=$(date +%s%N)
  (cd "$corpus" && /usr/bin/time -o "$tf" -f '%e %U %S %M' bash -c "$cmd" 2>>"$out/$tool.$sc.stderr")
  rc=$?
  t1=$(date +%s%N)
  set -e
  # With -o, /usr/bin/time may prepend "Command exited with non-zero status N".
  read -r wall usr sys peak < <(tail -n 1 "$tf")
  rm -f "$tf"
  [ "$r" = warmup ] && return 0
  # %e has a 10 ms resolution, too coarse for the fast tools: wall is taken from the
  # clock around the run instead (it includes a few ms of time + bash start-up,
  # the same for every tool). %U/%S (cpu) keep their 10 ms resolution.
  wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
  cpu=$(awk -v u="$usr" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "$sc" "$r" "$wall" "$cpu" "$peak" "$rc" >> "$tsv"
  printf '  %-15s %-5s round %s: %7ss wall %6ss cpu %7s KiB rc=%s\n' "$tool" "$sc" "$r" "$wall" "$cpu" "$peak" "$rc"
}

for r in warmup $(seq 1 "$rounds"); do
  echo "round $r"
  for j in "${jobs[@]}"; do
    IFS=$'\t' read -r tool sc cmd <<<"$j"
    run_one "$tool" "$sc" "$r" "$cmd"
  done
done
echo "wrote $tsv"

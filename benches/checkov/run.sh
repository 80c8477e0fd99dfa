#!/usr/bin/env bash
# diffward's credentials pack side by side with checkov on the corpus of corpus.tsv: both tools
# over each repository's subfolder, raw outputs and times in OUT_DIR, then the agreement table.
#
# Usage: bash benches/checkov/run.sh REPOS_DIR OUT_DIR
#   REPOS_DIR/NAME is a work tree of each corpus.tsv repository (NAME = the part after the slash),
#   at the listed commit (see corpus.sh). Repositories that are absent are skipped.
# Environment:
#   DIFFWARD  the diffward binary (default: diffward)
#   CHECKOV   the checkov command (default: checkov; `pip install checkov` in a venv)
#   ONLY      checkov or diffward to run one tool only (default: both)
#   CORPUS    another corpus.tsv
# checkov runs only the in-scope checks (compare.py --check-ids), JSON, quiet, no platform
# download. Its helm framework renders charts with the `helm` binary and is added only when helm
# is on PATH; without it the kubernetes framework reads the chart folders as they are, and
# templated YAML that does not parse is skipped (checkov logs it).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repos=$(cd "${1:?usage: run.sh REPOS_DIR OUT_DIR}" && pwd)
mkdir -p "${2:?usage: run.sh REPOS_DIR OUT_DIR}"
out=$(cd "$2" && pwd)
corpus=${CORPUS:-$here/corpus.tsv}
dw=${DIFFWARD:-diffward}
ck=${CHECKOV:-checkov}
only=${ONLY:-both}
mkdir -p "$out/checkov" "$out/diffward"
ids=$(python3 "$here/compare.py" --check-ids)
frameworks=(terraform cloudformation kubernetes dockerfile)
if command -v helm >/dev/null; then
  frameworks+=(helm)
else
  echo "helm not on PATH: checkov's helm framework is off; charts are read as plain YAML" >&2
fi
timer() { # timer FILE CMD...: wall seconds and peak RSS of CMD into FILE
  local f=$1; shift
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f '%e s wall, %U s user, %M KiB peak' -o "$f" "$@"
  else
    local t0; t0=$(date +%s.%N); "$@"; echo "$(echo "$(date +%s.%N) - $t0" | bc) s wall" > "$f"
  fi
}
: > "$out/roots.tsv"
tail -n +2 "$corpus" | while IFS=$'\t' read -r repo commit kind sub; do
  case "$repo" in ''|'#'*) continue ;; esac
  name=${repo##*/}
  dir="$repos/$name"
  [ -d "$dir" ] || { echo "skip $repo: no $dir" >&2; continue; }
  have=$(git -C "$dir" rev-parse HEAD 2>/dev/null || echo "?")
  [ "$have" = "?" ] || [ "$have" = "$commit" ] || echo "warning: $name is at $have, corpus says $commit" >&2
  printf '%s\t%s\n' "$name" "$dir" >> "$out/roots.tsv"
  # checkov skips every path with a component starting with "." (hidden folders), "dir/." too
  target=$dir; [ "$sub" = . ] || target="$dir/$sub"
  if [ "$only" != diffward ]; then
    # checkov exits 1 on failed checks unless --soft-fail
    timer "$out/checkov/$name.time" "$ck" -d "$target" --framework "${frameworks[@]}" \
      --check "$ids" -o json --quiet --compact --skip-download --soft-fail \
      > "$out/checkov/$name.json" 2> "$out/checkov/$name.log" || echo "checkov failed on $name (see $name.log)" >&2
    echo "checkov  $name: $(cat "$out/checkov/$name.time")"
  fi
  if [ "$only" != checkov ]; then
    (cd "$dir" && timer "$out/diffward/$name.time" "$dw" scan "$sub" --only credentials --format json \
      -o "$out/diffward/$name.json" --fail-on never 2> "$out/diffward/$name.log") \
      || echo "diffward failed on $name (see $name.log)" >&2
    echo "diffward $name: $(cat "$out/diffward/$name.time")"
  fi
done
if [ "$only" = both ]; then
  python3 "$here/compare.py" "$out" --corpus "$corpus" | tee "$out/compare.md"
fi

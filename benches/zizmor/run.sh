#!/usr/bin/env bash
# diffward's ci pack side by side with zizmor on the same workflow corpus: agreement on the
# audits both cover (compare.py) and whole-process time (hyperfine), on this machine.
# Usage: bash benches/zizmor/run.sh CORPUS_DIR     (see corpus.sh)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
corpus=$(cd "${1:?usage: run.sh CORPUS_DIR}" && pwd)
work=$(mktemp -d)
venv="$root/target/zizmor-venv"
[ -x "$venv/bin/zizmor" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q zizmor==1.32.0; }
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null; }
cargo build --release --quiet --manifest-path "$root/Cargo.toml"
dw="$root/target/release/diffward"
zz="$venv/bin/zizmor"
cd "$corpus"
# zizmor exits 10+ when it finds something; diffward 1
"$zz" --offline --no-config --format=json --no-progress . > "$work/zizmor.json" || true
"$dw" scan --only ci --format json --fail-on never -o "$work/diffward.json" .
python3 "$here/compare.py" "$work/zizmor.json" "$work/diffward.json"
hyperfine -N --warmup 2 --runs 10 -i \
  "$dw scan --only ci --format json --fail-on never -o /dev/null ." \
  "$zz --offline --no-config --format=json --no-progress ."

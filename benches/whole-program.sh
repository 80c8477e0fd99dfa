#!/usr/bin/env bash
# Whole-program benchmark: real scans over a corpus of real projects downloaded at pinned
# versions from package registries (never committed). Reports, on this machine:
#   - an empty change in a real repository        (target <= 20 ms)
#   - a 50-file change                            (target <= 50 ms)
#   - a full scan of the corpus: MB/s and peak RSS (peak target <= 200 MB)
# Usage: bash benches/whole-program.sh [SCAN OPTIONS]
#   e.g. --only secrets                  (the secrets pack)
#        --only secrets --skip generic   (its provider rules alone)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
corpus="$root/benches/corpus"
bin="$root/target/release/diffward"
extra=("$@")

need() { command -v "$1" >/dev/null || { apt-get update -qq && apt-get install -y -qq "$2" >/dev/null; }; }
need hyperfine hyperfine
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }

cargo build --release --quiet --manifest-path "$root/Cargo.toml"

if [ ! -f "$corpus/.complete" ]; then
  rm -rf "$corpus" && mkdir -p "$corpus/src" "$corpus/dl"
  echo "downloading the corpus into $corpus ..."
  # Python: wheels from PyPI (they hold the packages' sources), unpacked with zipfile.
  python3 -m pip download --quiet --no-deps --only-binary :all: -d "$corpus/dl" \
    django==5.1.4 requests==2.32.3 flask==3.1.0 >/dev/null
  for w in "$corpus"/dl/*.whl; do
    python3 -c "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])" \
      "$w" "$corpus/src/$(basename "$w" .whl)"
  done
  # JavaScript/TypeScript: tarballs from the npm registry.
  (cd "$corpus/dl" && npm pack --silent express@4.21.2 typescript@5.7.2 >/dev/null)
  for t in "$corpus"/dl/*.tgz; do
    d="$corpus/src/$(basename "$t" | sed -E 's/\.(tar\.gz|tgz)$//')"
    mkdir -p "$d" && tar -xzf "$t" -C "$d"
  done
  # Rust: crate sources through cargo vendor.
  mkdir -p "$corpus/dl/vendor-project/src" && echo 'fn main() {}' > "$corpus/dl/vendor-project/src/main.rs"
  cat > "$corpus/dl/vendor-project/Cargo.toml" <<'TOML'
[package]
name = "corpus"
version = "0.0.0"
edition = "2021"
[dependencies]
regex = "=1.11.1"
serde_json = "=1.0.133"
clap = "=4.5.23"
TOML
  (cd "$corpus/dl/vendor-project" && cargo vendor --quiet "$corpus/src/crates" >/dev/null)
  rm -rf "$corpus/dl"
  # A git repository of the corpus, for the change scans.
  git -C "$corpus/src" init -q -b main
  git -C "$corpus/src" -c user.email=b@example.com -c user.name=bench add -A >/dev/null
  git -C "$corpus/src" -c user.email=b@example.com -c user.name=bench commit -q -m corpus
  touch "$corpus/.complete"
fi

src="$corpus/src"
bytes=$(git -C "$src" ls-files -z | (cd "$src" && xargs -0 cat) | wc -c)
files=$(git -C "$src" ls-files | wc -l)
echo "corpus: $files files, $((bytes / 1024 / 1024)) MiB on disk"

# A 50-file change on a branch: one added line in each of 50 tracked source files.
git -C "$src" checkout -q -B bench-change main
git -C "$src" ls-files '*.py' '*.js' '*.ts' '*.rs' > "$corpus/files.txt"
head -n 50 "$corpus/files.txt" | while read -r f; do
  printf '\n// diffward benchmark line\n' >> "$src/$f"
done
git -C "$src" -c user.email=b@example.com -c user.name=bench commit -q -am "50-file change"

cd "$src"
hyperfine --warmup 3 --runs 20 -N --export-json "$corpus/changes.json" \
  -n "empty change (range)" "$bin scan --base HEAD --fail-on never ${extra[*]:-}" \
  -n "empty change (work tree)" "$bin scan --fail-on never ${extra[*]:-}" \
  -n "50-file change" "$bin scan --base HEAD~1 --fail-on never ${extra[*]:-}"
hyperfine --warmup 1 --runs 5 -N --export-json "$corpus/full.json" \
  -n "full scan" "$bin scan . --fail-on never --format json --output /dev/null ${extra[*]:-}"
full=$(python3 -c "import json;print(json.load(open('$corpus/full.json'))['results'][0]['mean'])")
# Throughput counts the bytes diffward read as text (binary and oversized files are skipped).
"$bin" scan . --fail-on never --format json --output "$corpus/full-report.json" "${extra[@]}" 2>/dev/null
bytes=$(python3 -c "import json;print(json.load(open('$corpus/full-report.json'))['summary']['bytes_scanned'])")
/usr/bin/time -v "$bin" scan . --fail-on never --format json --output /dev/null "${extra[@]}" 2> "$corpus/time.txt" || true
rss=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$corpus/time.txt")
python3 - "$bytes" "$full" "$rss" <<'PY'
import sys
b, t, rss = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
print(f"full scan: {b/1e6:.1f} MB of text in {t*1000:.0f} ms = {b/1e6/t:.1f} MB/s; peak RSS {rss/1024:.1f} MiB")
PY
git -C "$src" checkout -q main

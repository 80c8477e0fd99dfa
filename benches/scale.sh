#!/usr/bin/env bash
# Does a scan's cost follow the change or the repository? One file changed by one commit, in a
# repository of 100 files and in one of 100,000 (generated: small Python modules in nested
# folders), scanned with `diffward scan --base HEAD~1`, then the same for the work tree
# (`diffward scan`, which also lists untracked files). Prints hyperfine's table.
# Usage: bash benches/scale.sh [WORKDIR]   (default: a temporary folder, removed afterwards)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/target/release/diffward"
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null; }
cargo build --release --quiet --manifest-path "$root/Cargo.toml"
if [ -n "${1:-}" ]; then work=$1; else work=$(mktemp -d); trap 'rm -rf "$work"' EXIT; fi

make_repo() { # DIR FILES
  local dir=$1 n=$2
  rm -rf "$dir" && mkdir -p "$dir"
  python3 - "$dir" "$n" <<'PY'
import os, sys
d, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    sub = os.path.join(d, f"pkg{i // 1000}", f"mod{(i // 50) % 20}")
    os.makedirs(sub, exist_ok=True)
    with open(os.path.join(sub, f"m{i}.py"), "w") as f:
        f.write(f"def f{i}(x):\n    return x + {i}\n" * 20)
PY
  git -C "$dir" init -q -b main
  git -C "$dir" add -A
  git -C "$dir" -c user.email=b@example.com -c user.name=bench commit -q -m base
  # The change: one line added to one file.
  printf 'r = requests.get(url, verify=False)\n' >> "$dir/pkg0/mod0/m0.py"
  git -C "$dir" -c user.email=b@example.com -c user.name=bench commit -q -am change
}

make_repo "$work/small" 100
make_repo "$work/large" 100000
for size in small large; do
  printf '# edited\n' >> "$work/$size/pkg0/mod0/m0.py"   # an uncommitted edit for the work tree
done
for size in small large; do
  n=$([ $size = small ] && echo 100 || echo 100,000)
  (cd "$work/$size" && hyperfine --warmup 2 --runs 10 -N \
    -n "1-file commit, $n files" "$bin scan --base HEAD~1 --fail-on never" \
    -n "work tree, $n files" "$bin scan --fail-on never")
done

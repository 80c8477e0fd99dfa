#!/usr/bin/env bash
# Rebuild the comparison corpus: the GitHub Actions workflows and action metadata files of the
# public repositories in corpus.tsv (repository, commit), one folder per repository
# (owner__name/), files at their own paths. Nothing of it is committed.
# Usage: bash benches/zizmor/corpus.sh OUT_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: corpus.sh OUT_DIR}
mkdir -p "$out"
while read -r repo commit _; do
  dir="$out/${repo/\//__}"
  [ -d "$dir" ] && continue
  tmp=$(mktemp -d)
  git -C "$tmp" init -q
  git -C "$tmp" fetch -q --depth 1 --filter=blob:none "https://github.com/$repo" "$commit"
  git -C "$tmp" ls-tree -r --name-only FETCH_HEAD |
    grep -E '^\.github/workflows/[^/]+\.ya?ml$|(^|/)action\.ya?ml$' |
    # zizmor's own deliberately vulnerable test inputs are not real workflows
    grep -v '^crates/zizmor/tests/' |
    while read -r f; do
      mkdir -p "$dir/$(dirname "$f")"
      git -C "$tmp" show "FETCH_HEAD:$f" > "$dir/$f"
    done
  rm -rf "$tmp"
done < "$here/corpus.tsv"
find "$out" -type f | wc -l

#!/usr/bin/env bash
# Lays out the corpus of corpus.tsv: one work tree per repository, at the listed commit, in
# OUT_DIR/NAME (NAME = the part after the slash). Nothing from it is committed here.
# Usage: bash benches/checkov/corpus.sh OUT_DIR
# Needs network access to the code host; a partial clone (no blobs until checkout) keeps the
# large repositories (argo-cd, helm-charts) small.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: corpus.sh OUT_DIR}
host=${GIT_HOST:-https://github.com}
mkdir -p "$out"
tail -n +2 "$here/corpus.tsv" | while IFS=$'\t' read -r repo commit kind sub; do
  case "$repo" in ''|'#'*) continue ;; esac
  dir="$out/${repo##*/}"
  if [ ! -d "$dir/.git" ]; then
    git clone -q --filter=blob:none --no-checkout "$host/$repo.git" "$dir"
  fi
  git -C "$dir" checkout -q "$commit"
  echo "$repo $(git -C "$dir" rev-parse --short HEAD) ($kind, scan: $sub)"
done

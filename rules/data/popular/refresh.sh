#!/usr/bin/env bash
# Refresh the bundled list of popular npm packages (the lookalike check's reference) from the
# npm package `npm-high-impact` (MIT): `bash rules/data/popular/refresh.sh [VERSION]`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
version=${1:-latest}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "npm-high-impact@$version" >/dev/null && tar xzf npm-high-impact-*.tgz)
got=$(node -p "require('$work/package/package.json').version")
{
  echo "# The high-impact npm packages (most depended-on and most downloaded), in the order the"
  echo "# source lists them: npm-high-impact $got, lib/top.js, by Titus Wormer, MIT license."
  echo "# Refresh with rules/data/popular/refresh.sh. One name a line."
  sed -n "s/^  '\([^']*\)',\{0,1\}\$/\1/p" "$work/package/lib/top.js"
} > "$here/npm.txt"
echo "npm.txt: $(grep -vc '^#' "$here/npm.txt") names from npm-high-impact $got"

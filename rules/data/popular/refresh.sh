#!/usr/bin/env bash
# Refresh the bundled lists of popular packages (the lookalike check's reference), each from a
# maintained source taken through its own package manager; SOURCES.md says what each one is.
#
#   bash rules/data/popular/refresh.sh                   npm, pypi and go; crates too if CRATES_API is set
#   bash rules/data/popular/refresh.sh npm pypi=3.2.0    only the lists named, a version pinned
#
#   npm[=VERSION]   npm.txt     the npm package npm-high-impact (MIT), by `npm pack`
#   pypi[=VERSION]  pypi.txt    the PyPI package guarddog (Apache-2.0), by `pip download`
#   go[=VERSION]    go.txt      the same guarddog wheel
#   crates[=COUNT]  crates.txt  the Rust crate registry's web API, the COUNT (10000) crates with the
#                               most downloads in the last 90 days; it needs CRATES_API, the base URL
#                               of that API (the registry's own web site, no path), and
#                               CRATES_USER_AGENT, naming you and a contact, as its crawler policy asks
#
# A bare VERSION is npm-high-impact's, as before. VERSION defaults to the newest. A list is
# replaced only when the new one parses, is long enough and holds its ecosystem's obvious names.
set -euo pipefail
shopt -s inherit_errexit
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

usage() { awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0" >&2; exit 2; }

declare -A want=()
if [ $# -eq 0 ]; then
  want=([npm]=latest [pypi]=latest [go]=latest)
  [ -n "${CRATES_API:-}" ] && want[crates]=10000
fi
for arg in "$@"; do
  case "$arg" in
    npm|pypi|go) want[$arg]=latest ;;
    crates) want[crates]=10000 ;;
    npm=?*|pypi=?*|go=?*|crates=?*) want[${arg%%=*}]=${arg#*=} ;;
    latest|[0-9]*) want[npm]=$arg ;;
    -h|--help|*) usage ;;
  esac
done

# Keep a new list only if it is at least $2 names long and holds every one of the names after it.
install_list() {
  local name=$1 min=$2 tmp="$work/$1.new"
  shift 2
  local n
  n=$(grep -vc '^#' "$tmp" || true)
  if [ "$n" -lt "$min" ]; then
    echo "$name: only $n names, expected at least $min; kept the old list" >&2
    return 1
  fi
  for must in "$@"; do
    if ! grep -qxF -- "$must" "$tmp"; then
      echo "$name: '$must' is missing; kept the old list" >&2
      return 1
    fi
  done
  mv "$tmp" "$here/$name"
}

refresh_npm() {
  local version=$1
  mkdir -p "$work/npm"
  (cd "$work/npm" && npm pack --silent "npm-high-impact@$version" >/dev/null && tar xzf npm-high-impact-*.tgz)
  local got
  got=$(node -p "require('$work/npm/package/package.json').version")
  {
    echo "# The high-impact npm packages (most depended-on and most downloaded), in the order the"
    echo "# source lists them: npm-high-impact $got, lib/top.js, by Titus Wormer, MIT license."
    echo "# Refresh with rules/data/popular/refresh.sh. One name a line."
    sed -n "s/^  '\([^']*\)',\{0,1\}\$/\1/p" "$work/npm/package/lib/top.js"
  } > "$work/npm.txt.new"
  install_list npm.txt 5000 react lodash express typescript
  echo "npm.txt: $(grep -vc '^#' "$here/npm.txt") names from npm-high-impact $got"
}

# Download the guarddog wheel once per version; print its path.
guarddog_wheel() {
  local version=$1 dir="$work/guarddog-$1" spec=guarddog
  [ "$version" = latest ] || spec="guarddog==$version"
  if [ ! -d "$dir" ]; then
    mkdir -p "$dir"
    python3 -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
      --dest "$dir" "$spec" >&2
  fi
  ls "$dir"/guarddog-*.whl
}

# guarddog's resource file RESOURCE (a JSON object with "downloaded_timestamp" and "packages")
# out of WHEEL as a list file: the header (with {version} and {date} filled in), then one name a
# line, in the source's order; KIND pypi normalises names per PEP 503.
guarddog_list() {
  local wheel=$1 resource=$2 kind=$3 header=$4 out=$5
  python3 - "$wheel" "$resource" "$kind" "$header" "$out" <<'PY'
import datetime, email.parser, json, re, sys, zipfile

wheel, resource, kind, header, out = sys.argv[1:]
with zipfile.ZipFile(wheel) as z:
    meta_name = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))
    version = email.parser.Parser().parsestr(z.read(meta_name).decode())["Version"]
    data = json.loads(z.read("guarddog/analyzer/metadata/resources/" + resource))
date = datetime.datetime.fromtimestamp(data["downloaded_timestamp"], datetime.timezone.utc)
if kind == "pypi":
    valid = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?")
    clean = lambda n: re.sub(r"[-_.]+", "-", n.strip()).lower()
else:
    # A Go module path: a host with a dot, then path elements of the allowed characters.
    valid = re.compile(r"[a-z0-9-]+(\.[a-z0-9-]+)+(/[A-Za-z0-9._~+-]+)*")
    clean = lambda n: n.strip()
names, seen, dropped = [], set(), 0
for raw in data["packages"]:
    name = clean(raw) if isinstance(raw, str) else ""
    if not valid.fullmatch(name):
        dropped += 1
    elif name not in seen:
        seen.add(name)
        names.append(name)
with open(out, "w") as f:
    f.write(header.format(version=version, date=date.strftime("%Y-%m-%d")))
    f.writelines(n + "\n" for n in names)
print(version, dropped)
PY
}

refresh_pypi() {
  local wheel got version dropped
  wheel=$(guarddog_wheel "$1")
  got=$(guarddog_list "$wheel" top_pypi_packages.json pypi \
"# The most downloaded PyPI projects (by downloads over 30 days), most first, names normalised
# per PEP 503: guarddog {version} by DataDog, Apache-2.0 license, its resource
# top_pypi_packages.json (taken on {date} from Hugo van Kemenade's top-pypi-packages dataset).
# Refresh with rules/data/popular/refresh.sh. One name a line.
" "$work/pypi.txt.new")
  read -r version dropped <<<"$got"
  install_list pypi.txt 5000 requests numpy django flask boto3 pydantic urllib3 setuptools
  echo "pypi.txt: $(grep -vc '^#' "$here/pypi.txt") names from guarddog $version ($dropped malformed dropped)"
}

refresh_go() {
  local wheel got version dropped
  wheel=$(guarddog_wheel "$1")
  got=$(guarddog_list "$wheel" top_go_packages.json go \
"# Go modules most often referenced by the most starred Go repositories, most first, as
# guarddog {version} by DataDog (Apache-2.0 license) ranks them in its resource
# top_go_packages.json, stamped {date}; see SOURCES.md for its age.
# Refresh with rules/data/popular/refresh.sh. One module path a line.
" "$work/go.txt.new")
  read -r version dropped <<<"$got"
  install_list go.txt 1000 golang.org/x/sys github.com/stretchr/testify github.com/spf13/cobra google.golang.org/grpc
  echo "go.txt: $(grep -vc '^#' "$here/go.txt") module paths from guarddog $version ($dropped malformed dropped)"
}

refresh_crates() {
  local count=$1
  if [ -z "${CRATES_API:-}" ] || [ -z "${CRATES_USER_AGENT:-}" ]; then
    echo "crates: set CRATES_API (the base URL of the Rust crate registry's web API) and" >&2
    echo "CRATES_USER_AGENT (naming you and a contact, as its crawler policy asks); see SOURCES.md" >&2
    return 1
  fi
  python3 - "$CRATES_API" "$CRATES_USER_AGENT" "$count" "$work/crates.txt.new" <<'PY'
import datetime, json, re, sys, time, urllib.request

base, agent, count, out = sys.argv[1].rstrip("/"), sys.argv[2], int(sys.argv[3]), sys.argv[4]
endpoint = base + "/api/v1/crates"
query = "?sort=recent-downloads&per_page=100"
valid = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")
names, seen, requests = [], set(), 0
while query and len(names) < count:
    if requests:
        time.sleep(1.0)  # the crawler policy's one request a second
    req = urllib.request.Request(endpoint + query, headers={"User-Agent": agent, "Accept": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        page = json.load(resp)
    requests += 1
    crates = page.get("crates") or []
    if not crates:
        break
    for c in crates:
        name = c.get("name") or c.get("id") or ""
        if valid.fullmatch(name) and name.lower().replace("_", "-") not in seen:
            seen.add(name.lower().replace("_", "-"))
            names.append(name)
    # Follow the API's own next page (page numbers or a seek key, whichever it gives).
    query = (page.get("meta") or {}).get("next_page")
today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
with open(out, "w") as f:
    f.write(
        "# The crates with the most downloads in the 90 days before %s, most first, names as\n"
        "# published: the Rust crate registry's web API, crates sorted by recent downloads (for\n"
        "# its terms see SOURCES.md).\n"
        "# Refresh with rules/data/popular/refresh.sh. One name a line.\n" % today
    )
    f.writelines(n + "\n" for n in names[:count])
print("%d requests" % requests, file=sys.stderr)
PY
  install_list crates.txt 1000 serde tokio rand regex clap syn anyhow
  echo "crates.txt: $(grep -vc '^#' "$here/crates.txt") names from the registry's API by recent downloads"
}

for eco in npm pypi go crates; do
  [ -z "${want[$eco]:-}" ] || "refresh_$eco" "${want[$eco]}"
done
if [ $# -eq 0 ] && [ -z "${CRATES_API:-}" ]; then
  echo "crates.txt: not refreshed (it needs CRATES_API and CRATES_USER_AGENT; see SOURCES.md)" >&2
fi

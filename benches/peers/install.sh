#!/usr/bin/env bash
# Installs the peer tools into a Python virtual environment.
# Usage: bash install.sh VENV_DIR
# A peer that fails to install is skipped with a message; the others still install.
set -uo pipefail
venv=${1:?usage: install.sh VENV_DIR}

python3 -m venv "$venv" || { echo "install.sh: cannot create venv $venv" >&2; exit 1; }
"$venv/bin/python" -m pip install --quiet --upgrade pip >/dev/null 2>&1 || true

for pkg in semgrep ast-grep-cli detect-secrets zizmor; do
  if "$venv/bin/python" -m pip install --quiet "$pkg"; then
    echo "installed $pkg"
  else
    echo "SKIPPED $pkg: pip install failed" >&2
  fi
done

if ! command -v rg >/dev/null 2>&1; then
  if (apt-get update -qq && apt-get install -y -qq ripgrep) >/dev/null 2>&1; then
    echo "installed ripgrep (apt)"
  else
    echo "SKIPPED ripgrep: apt-get install failed" >&2
  fi
else
  echo "ripgrep already present: $(command -v rg)"
fi

if ! [ -x /usr/bin/time ]; then
  (apt-get update -qq && apt-get install -y -qq time) >/dev/null 2>&1 \
    || echo "WARNING: /usr/bin/time missing and could not be installed; run.sh needs it" >&2
fi

export SEMGREP_ENABLE_VERSION_CHECK=0 SEMGREP_SEND_METRICS=off
echo "versions:"
for t in semgrep ast-grep detect-secrets zizmor; do
  [ -x "$venv/bin/$t" ] && printf '  %s %s\n' "$t" "$("$venv/bin/$t" --version 2>&1 | head -1)"
done
command -v rg >/dev/null 2>&1 && printf '  %s\n' "$(rg --version | head -1)"
exit 0

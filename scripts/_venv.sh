# Shared by scripts/serve and scripts/test: make .venv (Python 3.11+) and install the project
# with the given extras when pyproject.toml changed since the last install.
set -euo pipefail

ensure_venv() {
  local extras="$1"
  if [ ! -x .venv/bin/python ]; then
    local python=""
    for candidate in "${PYTHON:-}" python3.13 python3.12 python3.11 python3; do
      if [ -n "$candidate" ] && command -v "$candidate" >/dev/null 2>&1 &&
         "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
        python="$candidate"; break
      fi
    done
    [ -n "$python" ] || { echo "Caregraph needs Python 3.11 or newer." >&2; exit 1; }
    echo "Creating .venv with $python" >&2
    "$python" -m venv .venv
  fi
  local stamp=".venv/.installed-${extras//,/-}"
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    echo "Installing caregraph[$extras] into .venv" >&2
    .venv/bin/python -m pip install --quiet --upgrade pip >/dev/null
    .venv/bin/python -m pip install --quiet -e ".[$extras]"
    touch "$stamp"
  fi
  scripts/fetch-graphiql-assets .venv/bin/python || echo "GraphiQL assets not fetched; the API works without them." >&2
}

# Shared by scripts/serve and scripts/test: build the web app (web/ into web/dist) when its
# sources, the schema or the lockfile changed since the last build. Without npm, say so and go
# on: the API serves without the app, and `/` says how to build it.
set -euo pipefail

_web_hash() {  # the inputs of a build, hashed: sources, configuration, the schema, the lockfile
  { find web/src web/public -type f -not -path '*/__generated__/*' 2>/dev/null
    ls web/index.html web/package.json web/package-lock.json web/relay.config.json \
       web/tsconfig.json web/vite.config.ts schema.graphql
  } | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -d' ' -f1
}

# ensure_web_app: 0 when web/dist is current or npm is missing; 1 when a build failed.
ensure_web_app() {
  if ! command -v npm >/dev/null 2>&1; then
    echo "npm not found: the web app is not built; the API runs without it (see README)." >&2
    return 0
  fi
  local lock_hash build_hash
  lock_hash="$(sha256sum web/package-lock.json | cut -d' ' -f1)"
  if [ "$(cat web/node_modules/.caregraph-lock 2>/dev/null)" != "$lock_hash" ]; then
    echo "Installing the web app's packages (npm ci)" >&2
    (cd web && npm ci --no-audit --no-fund --loglevel=error) || return 1
    echo "$lock_hash" > web/node_modules/.caregraph-lock
  fi
  build_hash="$(_web_hash)"
  if [ "$(cat web/dist/.caregraph-build 2>/dev/null)" != "$build_hash" ]; then
    echo "Building the web app (npm run build)" >&2
    local out
    out="$(cd web && npm run --silent build 2>&1)" || { echo "$out" >&2; return 1; }
    echo "$build_hash" > web/dist/.caregraph-build
  fi
}

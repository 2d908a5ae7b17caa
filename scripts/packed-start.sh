#!/usr/bin/env bash
# CI: the package as a user gets it. Packs it (npm pack builds dist/), installs the tarball into a fresh
# folder of mode 700 (as mktemp makes it: what a root user's home looks like to the postgres OS user),
# then runs the installed `clawbot start` twice there: on REDIS_URL/DATABASE_URL, then on its own
# redis-server and embedded Postgres; each time polls /ready and stops the server by its pid.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

tarball=$(npm pack --silent --pack-destination "$work" | tail -n 1)
cd "$work"
# The install scripts the project allows (the Postgres binaries' symlinks), as in its own package.json.
node -e '
  const allow = require(process.argv[1]).allowScripts
  require("fs").writeFileSync("package.json", JSON.stringify({ name: "packed-start", private: true, allowScripts: allow }))
' "$repo/package.json"
npm install --no-audit --no-fund "./$tarball"
# It runs compiled: no TypeScript loader or compiler comes with it.
test ! -e node_modules/tsx && test ! -e node_modules/typescript

free_port() { node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close() })'; }

# Starts the installed clawbot with the given environment, waits for /ready, stops it by its pid.
serve() {
  local port
  port=$(free_port)
  env "$@" ./node_modules/.bin/clawbot start --port "$port" >"$work/clawbot.log" 2>&1 &
  local pid=$!
  local ready=""
  for _ in $(seq 1 120); do
    if curl -fsS "http://127.0.0.1:$port/ready" >/dev/null 2>&1; then ready=yes; break; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 1
  done
  if [ -z "$ready" ]; then
    cat "$work/clawbot.log"
    kill "$pid" 2>/dev/null || true
    echo "packed clawbot start ($*) never became ready" >&2
    return 1
  fi
  # The dashboard ships built (web/dist/) and is served at /.
  if ! curl -fsS "http://127.0.0.1:$port/" | grep -q '<div id="app">'; then
    kill "$pid" 2>/dev/null || true
    echo "packed clawbot start ($*) does not serve the dashboard at /" >&2
    return 1
  fi
  kill -TERM "$pid"
  wait "$pid"
  echo "packed clawbot start ($*): ready on port $port, stopped cleanly"
}

prefix="ci_packed_$$"
serve REDIS_URL="$REDIS_URL" DATABASE_URL="$DATABASE_URL" CLAWBOT_PREFIX="$prefix"
PGOPTIONS="-c client_min_messages=warning" psql "$DATABASE_URL" -qc "drop schema $prefix cascade"
serve -u REDIS_URL -u DATABASE_URL
# As root the cluster went where the postgres OS user can reach it (the folder is 700): remove it too.
if [ -f .clawbot/postgres/pgdata-location ]; then rm -rf "$(dirname "$(cat .clawbot/postgres/pgdata-location)")"; fi

#!/usr/bin/env bash
# The one command that starts the example: a virtualenv (.venv/, with the SDK and the app), the
# two PostgreSQL databases (engine: tasker, app: example_fastapi) when they are missing, the
# orchestration server (tasker-ctl serve on :8080) unless one already answers at
# ORCHESTRATION_URL, then the app on :3000 with its worker. Ctrl-C stops both.
#
#   examples/fastapi-app/run.sh
#
# Settings come from the environment or examples/fastapi-app/.env (see .env.example).
set -euo pipefail
APP_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$APP_DIR/../.." && pwd)
if [ -f "$APP_DIR/.env" ]; then set -a; . "$APP_DIR/.env"; set +a; fi

PG_URL=${PG_URL:-postgres://postgres:postgres@127.0.0.1:5432}
export DATABASE_URL=${DATABASE_URL:-$PG_URL/tasker}
export APP_DATABASE_URL=${APP_DATABASE_URL:-$PG_URL/example_fastapi}
export ORCHESTRATION_URL=${ORCHESTRATION_URL:-http://127.0.0.1:8080}
export TASKER_API_KEY=${TASKER_API_KEY:-dev-api-key-change-me}
export PORT=${PORT:-3000}
VENV=${VENV:-$APP_DIR/.venv}
PY=$VENV/bin/python

# 1. Python packages (again only when a pyproject changed).
stamp=$(cat "$ROOT/sdks/python/pyproject.toml" "$APP_DIR/pyproject.toml" | sha256sum | cut -c1-16)
if [ ! -x "$PY" ] || [ "$(cat "$VENV/.deps" 2>/dev/null)" != "$stamp" ]; then
  echo "installing the SDK and the app into $VENV"
  [ -x "$PY" ] || python3 -m venv "$VENV"
  "$PY" -m pip install -q --disable-pip-version-check -e "$ROOT/sdks/python" -e "$APP_DIR"
  echo "$stamp" >"$VENV/.deps"
fi

# 2. The databases.
"$PY" - <<'PYEOF'
import os
from urllib.parse import urlsplit, urlunsplit
import psycopg

for url in (os.environ["DATABASE_URL"], os.environ["APP_DATABASE_URL"]):
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")
PYEOF

# 3. The orchestration server, unless one answers.
live() { "$PY" -c "import httpx,sys; sys.exit(0 if httpx.get(sys.argv[1] + '/health/live', timeout=1).status_code == 200 else 1)" "$ORCHESTRATION_URL" 2>/dev/null; }
server_pid=""
if ! live; then
  [ -d "$ROOT/node_modules" ] || (cd "$ROOT" && npm install --no-audit --no-fund)
  port=$("$PY" -c "from urllib.parse import urlsplit; import sys; print(urlsplit(sys.argv[1]).port or 8080)" "$ORCHESTRATION_URL")
  echo "starting tasker-ctl serve on :$port (engine database $DATABASE_URL)"
  # In its own session: Ctrl-C stops the app first (it drains and deregisters its worker), then
  # the trap stops the server.
  (cd "$ROOT" && exec setsid node packages/tasker/bin/tasker-ctl.js serve --database-url "$DATABASE_URL" \
    --port "$port" --host 127.0.0.1) &
  server_pid=$!
  trap '[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; wait 2>/dev/null' EXIT
  for _ in $(seq 1 120); do live && break; sleep 0.5; done
  live || { echo "tasker-ctl serve did not start" >&2; exit 1; }
fi

# 4. The app (migrates its database, registers its templates, starts its worker).
cat <<MSG

fastapi-app: http://localhost:$PORT   (GET /health, GET /products, POST /orders ...)
orchestration: $ORCHESTRATION_URL/v1/tasks   (X-API-Key: $TASKER_API_KEY)

MSG
cd "$APP_DIR"
"$PY" -m app || true

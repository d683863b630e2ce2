#!/usr/bin/env bash
# The Python part of CI: a virtualenv (cached in .venv-ci/, git-ignored), then per suite ruff,
# mypy and pytest, each writing .test-results/<suite>.json as {"passed", "failed", "seconds"}
# (a lint or type check counts as one test; pytest's tests are counted from its JUnit XML).
#
#   sdks/python/ci.sh                 venv + every suite below
#   sdks/python/ci.sh venv            only make the virtualenv ready
#   sdks/python/ci.sh python-sdk      the SDK: ruff, mypy, pytest against a real tasker-ctl serve
#   sdks/python/ci.sh fastapi-app     the example app: ruff, mypy, pytest through HTTP
#   sdks/python/ci.sh conformance-python   the worker protocol's conformance suite, Python worker
#
# Needs PostgreSQL (TASKER_TEST_PG_URL, default postgres://postgres:postgres@127.0.0.1:5432/postgres)
# and Node.js with the repository's npm dependencies installed (tasker-ctl serve, the runner).
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
VENV=${PYTHON_VENV:-$ROOT/.venv-ci}
PY=$VENV/bin/python
RESULTS=$ROOT/.test-results
mkdir -p "$RESULTS"

ensure_venv() {
  # Reinstall only when the packages' declarations changed since the venv was made.
  local stamp="$VENV/.tasker-deps"
  local want
  want=$(cat sdks/python/pyproject.toml examples/fastapi-app/pyproject.toml | sha256sum | cut -c1-16)
  if [ -x "$PY" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return 0; fi
  echo "python: preparing $VENV"
  [ -x "$PY" ] || python3 -m venv "$VENV" || return 1
  "$PY" -m pip install -q --disable-pip-version-check --upgrade pip || return 1
  "$PY" -m pip install -q --disable-pip-version-check \
    -e "sdks/python[test]" -e "examples/fastapi-app[test]" || return 1
  echo "$want" >"$stamp"
}

# run_checks SUITE DIR PATHS...: ruff (lint + format), mypy, pytest in DIR; writes the suite's result.
run_checks() {
  local suite=$1 dir=$2
  shift 2
  local started=$SECONDS passed=0 failed=0 junit="$RESULTS/$suite.junit.xml"
  echo "=== $suite: ruff ==="
  if (cd "$dir" && "$VENV/bin/ruff" check "$@" && "$VENV/bin/ruff" format --check "$@"); then
    passed=$((passed + 1))
  else failed=$((failed + 1)); fi
  echo "=== $suite: mypy ==="
  if (cd "$dir" && "$VENV/bin/mypy" "$@"); then passed=$((passed + 1)); else failed=$((failed + 1)); fi
  echo "=== $suite: pytest ==="
  rm -f "$junit"
  (cd "$dir" && "$PY" -m pytest -q -p no:cacheprovider --junitxml="$junit")
  local counts
  counts=$("$PY" - "$junit" <<'EOF'
import sys, xml.etree.ElementTree as ET
try:
    root = ET.parse(sys.argv[1]).getroot()
except (OSError, ET.ParseError):
    print("0 1")  # pytest did not run (or crashed before writing its report)
    raise SystemExit
suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
total = sum(int(s.get("tests", 0)) for s in suites)
bad = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
skipped = sum(int(s.get("skipped", 0)) for s in suites)
print(total - bad - skipped, bad if total else max(bad, 1))
EOF
)
  passed=$((passed + ${counts% *}))
  failed=$((failed + ${counts#* }))
  write_result "$suite" "$passed" "$failed" $((SECONDS - started))
}

write_result() {
  printf '{"passed": %d, "failed": %d, "seconds": %d}\n' "$2" "$3" "$4" >"$RESULTS/$1.json"
  echo "=== $1: $2 passed, $3 failed ($4 s) ==="
}

conformance_python() {
  local started=$SECONDS out="$RESULTS/conformance-python.run.json"
  rm -f "$out"
  npx tsx conformance/run.ts --name python --worker "$PY -m tasker_sdk.conformance" --results "$out"
  if [ -f "$out" ]; then
    local passed failed
    passed=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["passed"])' "$out")
    failed=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["failed"])' "$out")
    write_result conformance-python "$passed" "$failed" $((SECONDS - started))
  else
    write_result conformance-python 0 1 $((SECONDS - started))
  fi
}

suite() {
  case "$1" in
  venv) ensure_venv ;;
  python-sdk) ensure_venv && run_checks python-sdk sdks/python src tests ;;
  fastapi-app) ensure_venv && run_checks fastapi-app examples/fastapi-app app tests migrations ;;
  conformance-python) ensure_venv && conformance_python ;;
  *)
    echo "unknown suite $1; choose from: venv python-sdk fastapi-app conformance-python" >&2
    return 2
    ;;
  esac
}

status=0
if [ $# -eq 0 ]; then set -- python-sdk fastapi-app conformance-python; fi
for name in "$@"; do
  if ! suite "$name"; then
    status=1
    [ "$name" = venv ] || [ -f "$RESULTS/$name.json" ] || write_result "$name" 0 1 0
  fi
  if [ -f "$RESULTS/$name.json" ] && ! grep -q '"failed": 0' "$RESULTS/$name.json"; then status=1; fi
done
exit $status

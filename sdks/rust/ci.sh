#!/usr/bin/env bash
# The Rust part of CI (one cargo workspace at the repository root: sdks/rust and
# examples/axum-app; target/ inside the clone). Each suite writes .test-results/<suite>.json as
# {"passed", "failed", "seconds"}: clippy and rustdoc count as one test each, cargo's tests are
# counted from the test harness's "test result: ..." lines.
#
#   sdks/rust/ci.sh rust-lint          cargo clippy -D warnings, cargo doc (warnings are errors)
#   sdks/rust/ci.sh rust-sdk           the SDK's tests (unit, doc, against a real tasker-ctl serve)
#   sdks/rust/ci.sh axum-app           the example app's tests (unit, through HTTP)
#   sdks/rust/ci.sh conformance-rust   the worker protocol's conformance suite, Rust worker (release
#                                      build, which the bench's remote part runs too)
#
# rust-sdk and axum-app come from one `cargo test --workspace` (one build, one feature set);
# whichever runs first runs it, the other reads its log (.test-results/rust-tests.log).
# Needs PostgreSQL (TASKER_TEST_PG_URL) and the repository's npm dependencies (tasker-ctl serve).
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
RESULTS=$ROOT/.test-results
LOG=$RESULTS/rust-tests.log
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
# Crates downloaded from crates.io stay inside the clone too (CI caches nothing outside it);
# TASKER_CARGO_HOME=~/.cargo reuses a developer's registry instead.
export CARGO_HOME=${TASKER_CARGO_HOME:-$ROOT/.cargo-ci}
[ -d "$HOME/.cargo/bin" ] && export PATH="$PATH:$HOME/.cargo/bin"
export CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-2}
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}
mkdir -p "$RESULTS"

write() { # write SUITE PASSED FAILED STARTED
  printf '{"passed": %d, "failed": %d, "seconds": %d}\n' "$2" "$3" "$((SECONDS - $4))" >"$RESULTS/$1.json"
  echo "=== $1: $2 passed, $3 failed ==="
}

if ! command -v cargo >/dev/null; then
  echo "cargo is not installed (the polyglot machine has it through rustup)"
  for s in "${@:-rust-lint}"; do write "$s" 0 1 "$SECONDS"; done
  exit 1
fi

lint() {
  local started=$SECONDS passed=0 failed=0
  echo "=== rust-lint: cargo clippy ==="
  if cargo clippy --workspace --all-targets --locked -- -D warnings; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
  echo "=== rust-lint: cargo doc ==="
  if RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked --features tasker-worker/testing; then
    passed=$((passed + 1))
  else failed=$((failed + 1)); fi
  write rust-lint "$passed" "$failed" "$started"
}

# Runs the workspace's tests once per CI run (their log is the cache).
workspace_tests() {
  if [ -s "$LOG" ] && grep -q '^cargo-test-exit ' "$LOG" &&
    [ -z "$(find Cargo.toml Cargo.lock sdks/rust examples/axum-app -type f -newer "$LOG" 2>/dev/null | head -1)" ]; then
    return 0
  fi
  echo "=== cargo test --workspace ==="
  local started=$SECONDS rc=0
  cargo test --workspace --locked --no-fail-fast 2>&1 | tee "$LOG.partial" || rc=$?
  rc=${PIPESTATUS[0]}
  { cat "$LOG.partial"; echo "cargo-test-exit $rc"; echo "cargo-test-seconds $((SECONDS - started))"; } >"$LOG"
  rm -f "$LOG.partial"
}

# counts CRATES...: sums "test result" lines of the test binaries whose name is one of CRATES.
counts() {
  awk -v crates=" $* " '
    /^ *Running / { match($0, /deps\/[A-Za-z0-9_]+-/); name = substr($0, RSTART + 5, RLENGTH - 6); mine = index(crates, " " name " ") > 0 }
    /^ *Doc-tests / { mine = index(crates, " " $2 " ") > 0 }
    /^test result:/ && mine { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
    END { print p + 0, f + 0 }
  ' "$LOG"
}

tests() { # tests SUITE CRATES...
  local suite=$1 started=$SECONDS
  shift
  workspace_tests
  local passed failed
  read -r passed failed < <(counts "$@")
  # A build that failed runs no test: count it as a failure.
  if [ "$passed" -eq 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
  write "$suite" "$passed" "$failed" "$started"
}

conformance() {
  local started=$SECONDS out=$RESULTS/conformance-rust.run.json
  rm -f "$out"
  # The release build: what the bench's remote part runs (bench/remote-workers.ts), built here
  # so that .ci/run's bench finds it.
  echo "=== conformance-rust: cargo build --release --bin conformance-worker ==="
  cargo build --release --locked -p tasker-worker --bin conformance-worker
  npx tsx conformance/run.ts --name rust --worker "$CARGO_TARGET_DIR/release/conformance-worker" --results "$out" \
    --backend "$([[ ${TASKER_TEST_BACKENDS:-pglite,postgres} == *postgres* ]] && echo postgres || echo pglite)"
  local passed=0 failed=1
  if [ -s "$out" ]; then
    passed=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).passed)' "$out")
    failed=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).failed)' "$out")
  fi
  write conformance-rust "$passed" "$failed" "$started"
}

status=0
for suite in "${@:-rust-lint rust-sdk axum-app conformance-rust}"; do
  for s in $suite; do
    case $s in
      rust-lint) lint ;;
      rust-sdk) rm -f "$LOG"; tests rust-sdk tasker_worker integration ;;
      axum-app) tests axum-app axum_app app ;;
      conformance-rust) conformance ;;
      *) echo "unknown suite $s (rust-lint, rust-sdk, axum-app, conformance-rust)"; exit 2 ;;
    esac
    grep -q '"failed": 0' "$RESULTS/$s.json" || status=1
  done
done
exit $status

#!/usr/bin/env bash
# The Ruby part of CI (sdks/ruby and examples/rails-app; Ruby, Rails and RuboCop from Debian's
# packages: scripts/services.sh ruby). Each suite writes .test-results/<suite>.json as
# {"passed", "failed", "seconds"}: RuboCop counts as one test, RSpec's examples are counted from
# its JSON formatter, the conformance suite's scenarios from the runner's results file.
#
#   sdks/ruby/ci.sh ruby-lint          rubocop on the gem and the app (one test)
#   sdks/ruby/ci.sh ruby-sdk           the gem's specs, against a real tasker-ctl serve
#   sdks/ruby/ci.sh rails-app          the example app's specs (bundle install --local first)
#   sdks/ruby/ci.sh conformance-ruby   the worker protocol's conformance suite, Ruby worker
#
# Needs PostgreSQL (TASKER_TEST_PG_URL) and the repository's npm dependencies (tasker-ctl serve).
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
RESULTS=$ROOT/.test-results
SUITES=(ruby-lint ruby-sdk rails-app conformance-ruby)
mkdir -p "$RESULTS"

write() { # write SUITE PASSED FAILED STARTED
  printf '{"passed": %d, "failed": %d, "seconds": %d}\n' "$2" "$3" "$((SECONDS - $4))" >"$RESULTS/$1.json"
  echo "=== $1: $2 passed, $3 failed ==="
}

if ! command -v ruby >/dev/null || ! command -v rubocop >/dev/null; then
  echo "ruby or rubocop is not installed: scripts/services.sh ruby (Debian's packages)"
  for s in "${@:-${SUITES[@]}}"; do write "$s" 0 1 "$SECONDS"; done
  exit 1
fi

lint() {
  local started=$SECONDS
  echo "=== ruby-lint: rubocop ==="
  if rubocop --format progress sdks/ruby examples/rails-app; then write ruby-lint 1 0 "$started"; else write ruby-lint 0 1 "$started"; fi
}

# rspec SUITE DIR COMMAND...: runs RSpec in DIR with its JSON formatter and counts the examples
# (errors outside examples, e.g. a spec file that does not load, count as failures).
rspec_suite() {
  local suite=$1 dir=$2 started=$SECONDS out=$RESULTS/$1.rspec.json
  shift 2
  rm -f "$out"
  echo "=== $suite: rspec ==="
  (cd "$dir" && "$@" --format progress --format json --out "$out")
  local counts
  counts=$(ruby -rjson -e '
    s = JSON.parse(File.read(ARGV[0]))["summary"]
    failed = s["failure_count"] + s.fetch("errors_outside_of_examples_count", 0)
    passed = s["example_count"] - s["failure_count"] - s["pending_count"]
    puts "#{passed} #{passed + failed > 0 ? failed : 1}"
  ' "$out" 2>/dev/null || echo "0 1")
  write "$suite" "${counts% *}" "${counts#* }" "$started"
}

rails_app() {
  local started=$SECONDS
  # Gemfile.lock is not committed: resolve against this machine's (Debian's) gems.
  if ! (cd examples/rails-app && bundle install --local --quiet); then
    write rails-app 0 1 "$started"
    return
  fi
  rspec_suite rails-app examples/rails-app bundle exec rspec
}

conformance() {
  local started=$SECONDS out=$RESULTS/conformance-ruby.run.json
  rm -f "$out"
  npx tsx conformance/run.ts --name ruby --worker "ruby sdks/ruby/bin/conformance-worker" --results "$out" \
    --backend "$([[ ${TASKER_TEST_BACKENDS:-pglite,postgres} == *postgres* ]] && echo postgres || echo pglite)"
  local counts
  counts=$(ruby -rjson -e 'r = JSON.parse(File.read(ARGV[0])); puts "#{r["passed"]} #{r["failed"]}"' "$out" 2>/dev/null ||
    echo "0 1")
  write conformance-ruby "${counts% *}" "${counts#* }" "$started"
}

status=0
for s in "${@:-${SUITES[@]}}"; do
  case $s in
    ruby-lint) lint ;;
    ruby-sdk) rspec_suite ruby-sdk sdks/ruby rspec ;;
    rails-app) rails_app ;;
    conformance-ruby) conformance ;;
    *) echo "unknown suite $s (${SUITES[*]})"; exit 2 ;;
  esac
  grep -q '"failed": 0' "$RESULTS/$s.json" || status=1
done
exit $status

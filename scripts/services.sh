#!/usr/bin/env bash
# Makes a machine ready for the test suites and the benchmark, and is safe to run again:
#   - PostgreSQL on 127.0.0.1:5432, user postgres, password postgres (scram-sha-256 on loopback)
#   - RabbitMQ on 127.0.0.1:5672 (user guest, loopback only), from Debian's packages
#   - Chromium at /usr/bin/chromium for the dashboard's end-to-end tests, from Debian's packages
#   - Ruby 3.1 with Rails 6.1, pg, rspec-rails, Puma and RuboCop for sdks/ruby and
#     examples/rails-app, from Debian's packages (there is no gem server)
# Needs root (or sudo) for apt-get and for the PostgreSQL cluster's files. Prints each thing it
# did; exits non-zero with a message naming what is missing when a service cannot be made ready.
#   scripts/services.sh            everything
#   scripts/services.sh postgres   only the named parts (postgres, rabbitmq, chromium, ruby)
set -euo pipefail

PG_PORT=5432
PG_PASSWORD=postgres
PARTS=("$@")
[ ${#PARTS[@]} -gt 0 ] || PARTS=(postgres rabbitmq chromium ruby)

say() { printf 'services: %s\n' "$*"; }
fail() {
  printf 'services: FAILED: %s\n' "$*" >&2
  exit 1
}

if [ "$(id -u)" -eq 0 ]; then
  as_root() { "$@"; }
elif command -v sudo >/dev/null 2>&1; then
  as_root() { sudo "$@"; }
else
  fail "this script installs Debian packages and configures PostgreSQL; run it as root or install sudo"
fi

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_for() { # tries command...: runs the command once a second until it succeeds
  local tries=$1
  shift
  for _ in $(seq "$tries"); do "$@" && return 0; sleep 1; done
  return 1
}
wait_port() { wait_for "$2" port_open "$1"; } # port seconds
# Whether RabbitMQ answers the AMQP 0-9-1 protocol header with a method frame (Connection.Start):
# a broker that listens but is still booting, or too busy to talk, does not count as ready.
amqp_answers() {
  timeout 5 bash -c 'exec 3<>/dev/tcp/127.0.0.1/5672 && printf "AMQP\x00\x00\x09\x01" >&3 && head -c 1 <&3' 2>/dev/null |
    od -An -tx1 | grep -q 01
}

APT_UPDATED=0
apt_install() { # package...
  local missing=()
  for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null 2>&1 || fail "apt-get not found; install ${missing[*]} yourself"
  export DEBIAN_FRONTEND=noninteractive
  if [ "$APT_UPDATED" -eq 0 ]; then
    say "apt-get update"
    as_root apt-get update -qq || fail "apt-get update failed (is Debian's package mirror reachable?)"
    APT_UPDATED=1
  fi
  say "installing ${missing[*]} (Debian packages)"
  local started=$SECONDS
  as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
    fail "apt-get install ${missing[*]} failed"
  say "installed ${missing[*]} in $((SECONDS - started)) s"
}

deb_version() { # package -> its upstream version (no epoch, no Debian revision)
  dpkg-query -W -f='${Version}' "$1" | sed 's/^[0-9]*://; s/[-+~].*//'
}

postgres() {
  command -v pg_lsclusters >/dev/null 2>&1 || apt_install postgresql
  local version
  version=$(pg_lsclusters -h 2>/dev/null | awk '{print $1}' | sort -n | tail -n1)
  if [ -z "$version" ]; then
    version=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -n1)
    [ -n "$version" ] || fail "no PostgreSQL server under /usr/lib/postgresql; apt-get install postgresql"
    say "creating cluster $version/main"
    as_root pg_createcluster "$version" main >/dev/null
  fi
  local conf="/etc/postgresql/$version/main"
  # Written whole every time, so the result never depends on what the machine had before:
  # peer for the local socket (how this script sets the password), passwords on loopback TCP.
  local hba
  hba=$(
    cat <<'EOF'
# Written by tasker-ts scripts/services.sh; rewritten on every run.
local   all             all                                     peer
host    all             all             127.0.0.1/32            scram-sha-256
host    all             all             ::1/128                 scram-sha-256
EOF
  )
  local settings
  settings=$(
    cat <<EOF
# Written by tasker-ts scripts/services.sh; rewritten on every run.
listen_addresses = '127.0.0.1'
port = $PG_PORT
password_encryption = 'scram-sha-256'
max_connections = 300
# What PostgreSQL picks itself once shared_buffers is 512 MB or more. Debian's 128 MB gives 4 MB,
# which a batch of 1,000 new tasks (~6 MB of WAL) overflows (docs/deployment.md, Sizing).
wal_buffers = 16MB
# Under many small concurrent commits (the example apps' load) a WAL flush takes ~0.5 ms here: a
# committing backend waits ~0.2 ms, while 5 others are in a transaction, so that one flush covers
# more commits. Single commits never wait (docs/deployment.md, Sizing).
commit_delay = 200
EOF
  )
  local changed=0
  if [ "$(cat "$conf/pg_hba.conf" 2>/dev/null)" != "$hba" ]; then
    printf '%s\n' "$hba" | as_root tee "$conf/pg_hba.conf" >/dev/null
    changed=1
  fi
  as_root mkdir -p "$conf/conf.d"
  if [ "$(cat "$conf/conf.d/tasker.conf" 2>/dev/null)" != "$settings" ]; then
    printf '%s\n' "$settings" | as_root tee "$conf/conf.d/tasker.conf" >/dev/null
    changed=1
  fi
  local status
  status=$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {print $4}')
  if [ "$status" = online ] && [ "$changed" -eq 1 ]; then
    say "restarting PostgreSQL $version (configuration changed)"
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main restart
  elif [ "$status" != online ]; then
    say "starting PostgreSQL $version"
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start ||
      fail "PostgreSQL $version did not start; see /var/log/postgresql/postgresql-$version-main.log"
  fi
  wait_port "$PG_PORT" 30 || fail "PostgreSQL does not answer on 127.0.0.1:$PG_PORT"
  as_root su postgres -c "psql -q -X -p $PG_PORT -c \"ALTER ROLE postgres PASSWORD '$PG_PASSWORD'\"" ||
    fail "could not set the postgres role's password through the local socket"
  PGPASSWORD=$PG_PASSWORD psql -q -X -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -tAc 'select 1' >/dev/null ||
    fail "PostgreSQL does not accept postgres:$PG_PASSWORD on 127.0.0.1:$PG_PORT"
  say "PostgreSQL $version ready: postgres://postgres:$PG_PASSWORD@127.0.0.1:$PG_PORT/postgres"
}

rabbitmq() {
  command -v rabbitmq-server >/dev/null 2>&1 || apt_install rabbitmq-server
  if ! port_open 5672; then
    say "starting RabbitMQ"
    # No systemd here: the server runs detached, as root, with Debian's default config (guest on loopback).
    as_root rabbitmq-server -detached >/dev/null 2>&1 || true
    wait_port 5672 90 || fail "RabbitMQ does not answer on 127.0.0.1:5672; see /var/log/rabbitmq/"
  fi
  wait_for 30 amqp_answers ||
    fail "RabbitMQ listens on 127.0.0.1:5672 but does not answer the AMQP header; see /var/log/rabbitmq/"
  say "RabbitMQ ready: amqp://guest:guest@127.0.0.1:5672"
}

chromium() {
  [ -x /usr/bin/chromium ] || apt_install chromium
  /usr/bin/chromium --version >/dev/null 2>&1 || fail "/usr/bin/chromium does not run"
  say "Chromium ready: $(/usr/bin/chromium --version 2>/dev/null)"
}

ruby_toolchain() {
  # Gems come from Debian only; examples/rails-app resolves them with `bundle install --local`.
  apt_install ruby ruby-rails ruby-pg ruby-rspec-rails puma rubocop
  ruby -e 'exit(RUBY_VERSION >= "3.1" ? 0 : 1)' || fail "ruby $(ruby -e 'print RUBY_VERSION') is older than 3.1"
  say "Ruby ready: ruby $(ruby -e 'print RUBY_VERSION'), rails $(deb_version ruby-rails), pg $(deb_version ruby-pg)," \
    "rspec-rails $(deb_version ruby-rspec-rails), puma $(deb_version puma), rubocop $(deb_version rubocop)"
}

for part in "${PARTS[@]}"; do
  case "$part" in
  postgres | rabbitmq | chromium) "$part" ;;
  ruby) ruby_toolchain ;;
  *) fail "unknown part '$part' (choose from postgres, rabbitmq, chromium, ruby)" ;;
  esac
done

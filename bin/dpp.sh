#!/usr/bin/env bash
# Set-up and run helpers for ckanext-datapusherplusapi development and tests.
#
#   bin/dpp.sh install      Debian packages + virtualenvs (CKAN, DataPusher service) + axe-core
#   bin/dpp.sh services     start project-local PostgreSQL and Redis (idempotent)
#   bin/dpp.sh test [args]  install + services + databases, then the whole pytest suite
#   bin/dpp.sh test-fast    the same without browser, real loaders and service, soak and load
#   bin/dpp.sh test-prepare the same without running pytest
#   bin/dpp.sh test-matrix  what CI runs: every tested CKAN version (see cmd_test_matrix)
#   bin/dpp.sh venv         the virtualenv of $CKAN_VERSION only
#   bin/dpp.sh lint         ruff, mypy, import layers, catalogues, docs (all in bin/lint/)
#   bin/dpp.sh docs         docs/configuration.md from config_declaration.yaml
#   bin/dpp.sh i18n[-check] the translation catalogues (bin/i18n/build.py)
#   bin/dpp.sh bench [polls|dashboard|jobs|submit|load|records]  benchmarks (bench/), markdown tables
#   bin/dpp.sh dev          install + services + a demo portal on $DPP_CKAN_PORT
#   bin/dpp.sh dev-config INI SITE   the demo's config for a site's databases
#   bin/dpp.sh stop         stop everything this script started
#   bin/dpp.sh clean        stop, then delete .dev/ (virtualenvs, databases, logs)
#   bin/dpp.sh env          print the environment the other commands use
#   bin/dpp.sh ckan ARGS    the ckan CLI against test.ini and the test databases
#
# Everything lives under $DPP_HOME (default: <repo>/.dev, git-ignored).  Every
# setting below can be overridden from the environment.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export DPP_HOME="${DPP_HOME:-$REPO/.dev}"
DEFAULT_CKAN_VERSION=2.11.6
export CKAN_VERSION="${CKAN_VERSION:-$DEFAULT_CKAN_VERSION}"
# The default version's test databases are ckan_dpp_test/datastore_dpp_test;
# another version gets its own (each CKAN migrates its databases its own way).
if [ "$CKAN_VERSION" = "$DEFAULT_CKAN_VERSION" ]; then TEST_SITE=test; else TEST_SITE="test_${CKAN_VERSION//./_}"; fi
export DPP_PG_PORT="${DPP_PG_PORT:-54329}"
export DPP_REDIS_PORT="${DPP_REDIS_PORT:-63799}"
export DPP_CKAN_PORT="${DPP_CKAN_PORT:-5000}"
export DPP_SERVICE_PORT="${DPP_SERVICE_PORT:-8800}"
export DPP_FILES_PORT="${DPP_FILES_PORT:-8801}"
export DPP_DB_USER="${DPP_DB_USER:-ckan_dpp}"
export DPP_DB_PASSWORD="${DPP_DB_PASSWORD:-ckan_dpp_pass}"
export DPP_DS_RO_USER="${DPP_DS_RO_USER:-datastore_dpp_ro}"
export DPP_DS_RO_PASSWORD="${DPP_DS_RO_PASSWORD:-datastore_dpp_ro_pass}"
export DPP_ADMIN_USER="${DPP_ADMIN_USER:-admin}"
export DPP_ADMIN_PASSWORD="${DPP_ADMIN_PASSWORD:-dpp-admin-2026}"
export DPP_ADMIN_EMAIL="${DPP_ADMIN_EMAIL:-admin@example.org}"
# The demo's loader: xloader (ckanext-xloader, in CKAN's workers) or service
# (the PyPI DataPusher service, over HTTP).
export DPP_BACKEND="${DPP_BACKEND:-xloader}"

# The virtualenvs and axe-core live in $DPP_VENVS: .dev/ by default; CI keeps
# them outside its fresh clone (.ci/run), checked against the requirement
# files as here, and pointed at the clone in use (install_python).
export DPP_VENVS="${DPP_VENVS:-$DPP_HOME}"
VENV="$DPP_VENVS/venv-ckan-$CKAN_VERSION"
DP_VENV="$DPP_VENVS/venv-datapusher"
PGDATA="$DPP_HOME/pg/data"
PGSOCK="$DPP_HOME/pg/run"
PGLOG="$DPP_HOME/logs/postgresql.log"
REDIS_DIR="$DPP_HOME/redis"
LOGS="$DPP_HOME/logs"
RUN="$DPP_HOME/run"
DEV_INI="$DPP_HOME/dev.ini"
PG_BIN=""

export DPP_DATAPUSHER_PYTHON="$DP_VENV/bin/python"
export DPP_HARNESS_DIR="$REPO/bin/harness"

log() { printf '\033[1;34m[dpp]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[dpp] %s\033[0m\n' "$*" >&2; exit 1; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
# PostgreSQL refuses to run as root: when we are root, run its tools as `postgres`.
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

find_pg_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && PG_BIN="$d"
  done
  [ -n "$PG_BIN" ]
}

# ---------------------------------------------------------------- install ---
install_debian() {
  local missing=()
  find_pg_bin || missing+=(postgresql)
  command -v psql >/dev/null || missing+=(postgresql-client)
  command -v redis-server >/dev/null || missing+=(redis-server)
  [ -e /usr/include/postgresql/libpq-fe.h ] || missing+=(libpq-dev)
  command -v runuser >/dev/null || missing+=(util-linux)
  [ -x /usr/bin/chromium ] || missing+=(chromium)  # browser tests: Debian's, never a download
  command -v curl >/dev/null || missing+=(curl)
  command -v npm >/dev/null || missing+=(npm)  # axe-core, from the npm registry
  if [ ${#missing[@]} -gt 0 ]; then
    log "apt-get install ${missing[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
    # Debian's postinst may start a cluster on the default port: we do not use it.
  fi
  find_pg_bin || die "PostgreSQL server binaries not found after install"
}

# pip, quiet, without the noise of this machine's extra local indexes; fails as pip fails.
pipq() {
  local py="$1"; shift
  local out
  if ! out="$("$py" -m pip install -q --disable-pip-version-check "$@" 2>&1)"; then
    printf '%s\n' "$out" | grep -v '^WARNING: Location' >&2
    die "pip install $* failed"
  fi
}

stamp_ok() { [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]; }

# The loaders' requirements past CKAN's pins, by CKAN version (installed after
# bin/requirements-loaders.txt, without constraints): on CKAN 2.12,
# ckanext-xloader 2.6.0 and what pip upgrades for it.  The other versions keep
# xloader 2.5.2 under CKAN's pins.
case "$CKAN_VERSION" in
  2.12.*) LOADERS_PAST_PINS="$REPO/bin/requirements-loaders-2.12.txt" ;;
  *) LOADERS_PAST_PINS="" ;;
esac

# pip check: every installed distribution's requirements met, or its output and die.
pip_check() {
  local py="$1" out
  if ! out="$("$py" -m pip check --disable-pip-version-check 2>&1)"; then
    printf '%s\n' "$out" >&2
    die "pip check failed in $(dirname "$(dirname "$py")")"
  fi
}

install_python() {
  local want
  want="$(cat "$REPO/setup.py" "$REPO/bin/requirements-dev.txt" "$REPO/bin/requirements-loaders.txt" \
    ${LOADERS_PAST_PINS:+"$LOADERS_PAST_PINS"} | sha1sum | cut -c1-12)-$CKAN_VERSION"
  if ! stamp_ok "$VENV/.dpp-stamp" "$want"; then
    log "virtualenv for CKAN $CKAN_VERSION in $VENV"
    [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
    pipq "$VENV/bin/python" -U pip setuptools wheel
    pipq "$VENV/bin/python" "ckan[requirements]==$CKAN_VERSION"
    # The loaders (xloader, DataPusher+ 2.x) under CKAN's pins (its "requirements"
    # extra, as constraints): nothing of CKAN moves.
    "$VENV/bin/python" -c 'import importlib.metadata as m, re
for r in m.requires("ckan") or []:
    if "extra ==" in r and "requirements" in r:
        print(re.sub(r"\[.*?\]", "", r.split(";")[0]).strip())  # constraints have no extras' \
      > "$VENV/ckan-pins.txt"
    pipq "$VENV/bin/python" -c "$VENV/ckan-pins.txt" -r "$REPO/bin/requirements-loaders.txt"
    # Then, on a version that has one, what goes past CKAN's pins, as an
    # operator's pip install does: pip upgrades only what it must.
    if [ -n "$LOADERS_PAST_PINS" ]; then
      pipq "$VENV/bin/python" -r "$LOADERS_PAST_PINS"
    fi
    # In a second step: CKAN 2.10 pins greenlet 2.0.2, Playwright needs greenlet 3
    # (SQLAlchemy 1.4 runs on it); one resolution of both would refuse.
    pipq "$VENV/bin/python" -r "$REPO/bin/requirements-dev.txt"
    pipq "$VENV/bin/python" --no-deps --no-build-isolation -e "$REPO"
    # This package's own requirement beyond CKAN's (setup.py: requests and flask
    # come with CKAN, pinned); it requires nothing itself.
    pipq "$VENV/bin/python" "prometheus_client>=0.16,<1"
    (cd / && "$VENV/bin/python" -c "import ckan, ckanext.datapusherplusapi.plugin, ckanext.xloader.plugin") \
      || die "CKAN virtualenv is broken"
    pip_check "$VENV/bin/python"
    echo "$want" > "$VENV/.dpp-stamp"
    echo "$REPO" > "$VENV/.dpp-repo"
  elif ! stamp_ok "$VENV/.dpp-repo" "$REPO"; then
    # A virtualenv kept from another checkout (CI's cache): this checkout's code.
    log "virtualenv $VENV: this package from $REPO"
    pipq "$VENV/bin/python" --no-deps --no-build-isolation -e "$REPO"
    echo "$REPO" > "$VENV/.dpp-repo"
  fi
  want="$(sha1sum < "$REPO/bin/harness/datapusher-requirements.txt" | cut -c1-12)"
  if ! stamp_ok "$DP_VENV/.dpp-stamp" "$want"; then
    log "virtualenv for the DataPusher service in $DP_VENV"
    [ -x "$DP_VENV/bin/python" ] || python3 -m venv "$DP_VENV"
    pipq "$DP_VENV/bin/python" -r "$REPO/bin/harness/datapusher-requirements.txt"
    (cd / && PYTHONPATH="$DPP_HARNESS_DIR" LANG=C LC_ALL=C "$DP_VENV/bin/python" -c "import datapusher.jobs") \
      || die "DataPusher virtualenv is broken"
    pip_check "$DP_VENV/bin/python"
    echo "$want" > "$DP_VENV/.dpp-stamp"
  fi
}

# axe-core (accessibility rules the browser tests inject into each page), from
# the npm registry into $DPP_VENVS/node; pinned, installed once per version.
AXE_VERSION=4.14.1
export DPP_AXE="$DPP_VENVS/node/node_modules/axe-core/axe.min.js"
install_node() {
  if ! stamp_ok "$DPP_VENVS/node/.dpp-stamp" "$AXE_VERSION" || [ ! -f "$DPP_AXE" ]; then
    log "axe-core $AXE_VERSION (npm) in $DPP_VENVS/node"
    mkdir -p "$DPP_VENVS/node"
    npm install --prefix "$DPP_VENVS/node" --no-save --no-audit --no-fund --loglevel=error \
      "axe-core@$AXE_VERSION" >/dev/null || die "npm install axe-core@$AXE_VERSION failed"
    echo "$AXE_VERSION" > "$DPP_VENVS/node/.dpp-stamp"
  fi
}

# --------------------------------------------------------------- services ---
# PostgreSQL runs as `postgres` when we are root: it must be able to reach
# $DPP_HOME, so give the folders on the way there the traverse bit if needed.
pg_reachable_path() {
  [ "$(id -u)" = 0 ] || return 0
  local d="$DPP_HOME"
  while [ "$d" != "/" ]; do
    if ! runuser -u postgres -- test -x "$d" 2>/dev/null; then
      log "chmod o+x $d (so the postgres user can reach $DPP_HOME)"
      chmod o+x "$d"
    fi
    d="$(dirname "$d")"
  done
}

pg_up() {
  find_pg_bin || die "no PostgreSQL server binaries (run: bin/dpp.sh install)"
  mkdir -p "$DPP_HOME/pg" "$LOGS" "$PGSOCK"
  pg_reachable_path
  if [ "$(id -u)" = 0 ]; then chown postgres: "$DPP_HOME/pg" "$PGSOCK"; touch "$PGLOG"; chown postgres: "$PGLOG"; fi
  if [ ! -f "$PGDATA/PG_VERSION" ]; then
    log "initdb $PGDATA"
    as_pg mkdir -p "$PGDATA"
    as_pg "$PG_BIN/initdb" -D "$PGDATA" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
      -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  if ! as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
    log "starting PostgreSQL on 127.0.0.1:$DPP_PG_PORT"
    as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$PGLOG" -w -t 60 \
      -o "-p $DPP_PG_PORT -k $PGSOCK -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" \
      start >/dev/null || { tail -n 5 "$PGLOG" >&2
        die "PostgreSQL did not start on port $DPP_PG_PORT (see $PGLOG; another checkout's? set DPP_PG_PORT)"; }
  fi
}

psql_su() { as_pg psql -v ON_ERROR_STOP=1 -q -h "$PGSOCK" -p "$DPP_PG_PORT" -U postgres "$@"; }

pg_role() { # name password
  psql_su -d postgres -c "DO \$\$BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$1') THEN
      CREATE ROLE \"$1\" LOGIN PASSWORD '$2';
    ELSE ALTER ROLE \"$1\" LOGIN PASSWORD '$2'; END IF; END\$\$;"
}

pg_db() { # name owner
  if [ -z "$(psql_su -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$1'")" ]; then
    psql_su -d postgres -c "CREATE DATABASE \"$1\" OWNER \"$2\" ENCODING 'UTF8'"
  fi
}

redis_up() {
  mkdir -p "$REDIS_DIR" "$LOGS" "$RUN"
  if ! redis-cli -h 127.0.0.1 -p "$DPP_REDIS_PORT" ping >/dev/null 2>&1; then
    log "starting Redis on 127.0.0.1:$DPP_REDIS_PORT"
    redis-server --port "$DPP_REDIS_PORT" --bind 127.0.0.1 --dir "$REDIS_DIR" \
      --daemonize yes --pidfile "$RUN/redis.pid" --logfile "$LOGS/redis.log" \
      --save "" --appendonly no
    for _ in $(seq 50); do
      redis-cli -h 127.0.0.1 -p "$DPP_REDIS_PORT" ping >/dev/null 2>&1 && return 0
      sleep 0.1
    done
    die "Redis did not start (see $LOGS/redis.log)"
  fi
}

services_up() {
  pg_up
  redis_up
  pg_role "$DPP_DB_USER" "$DPP_DB_PASSWORD"
  pg_role "$DPP_DS_RO_USER" "$DPP_DS_RO_PASSWORD"
}

# Create (if missing) a CKAN database and its DataStore database, with the
# DataStore permissions CKAN generates for that config.
databases_for() { # ini ckan_db datastore_db
  local ini="$1"
  pg_db "$2" "$DPP_DB_USER"
  pg_db "$3" "$DPP_DB_USER"
  pg_db "${2}_xloader" "$DPP_DB_USER"  # ckanext-xloader's job and log tables
  "$VENV/bin/ckan" -c "$ini" datastore set-permissions 2>/dev/null | psql_su -d "$3" >/dev/null
}

# ---------------------------------------------------------------- configs ---
# The databases, Redis and storage of one site ("test", "dev", ...):
# SITE_DB, SITE_DS_WRITE, SITE_DS_READ, SITE_STORAGE.
site_urls() { # site
  local db="postgresql://$DPP_DB_USER:$DPP_DB_PASSWORD@127.0.0.1:$DPP_PG_PORT"
  SITE_DB="$db/ckan_dpp_$1"
  SITE_DS_WRITE="$db/datastore_dpp_$1"
  SITE_DS_READ="postgresql://$DPP_DS_RO_USER:$DPP_DS_RO_PASSWORD@127.0.0.1:$DPP_PG_PORT/datastore_dpp_$1"
  SITE_STORAGE="$DPP_HOME/storage-$1"
  mkdir -p "$SITE_STORAGE"
}

# The tests: CKAN reads these over test.ini (whose URLs are the default
# ports'). Each tested version has its own Redis database (their test runs
# may go side by side).
test_env() {
  local db=1
  case "$CKAN_VERSION" in "$DEFAULT_CKAN_VERSION") db=1 ;; 2.12.*) db=2 ;; 2.10.*) db=3 ;; *) db=4 ;; esac
  site_urls "$TEST_SITE"
  export CKAN_SQLALCHEMY_URL="$SITE_DB" CKAN_DATASTORE_WRITE_URL="$SITE_DS_WRITE" \
    CKAN_DATASTORE_READ_URL="$SITE_DS_READ" CKAN_STORAGE_PATH="$SITE_STORAGE" \
    CKAN_REDIS_URL="redis://127.0.0.1:$DPP_REDIS_PORT/$db"
}

test_prepare() {
  install_debian
  install_python
  install_node
  services_up
  test_env
  databases_for "$REPO/test.ini" "ckan_dpp_$TEST_SITE" "datastore_dpp_$TEST_SITE"
  "$VENV/bin/ckan" -c "$REPO/test.ini" db init >/dev/null 2>&1 || "$VENV/bin/ckan" -c "$REPO/test.ini" db init
}

cmd_lint() {
  cd "$REPO"
  log "ruff"
  "$VENV/bin/ruff" check --config bin/lint/ruff.toml ckanext bench bin
  log "mypy"
  "$VENV/bin/mypy" --config-file bin/lint/mypy.ini
  log "import layers (bin/lint/importlinter.ini)"
  "$VENV/bin/python" -S bin/lint/layers.py "$DPP_HOME/lint-imports" \
    "$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
  log "translations"
  "$VENV/bin/python" bin/i18n/build.py --check
  log "docs/configuration.md, references to documents"
  "$VENV/bin/python" bin/docs/configuration.py --check
  "$VENV/bin/python" bin/lint/references.py
}

cmd_test() {
  test_prepare
  run_pytest "$@"
}

# pytest on the prepared test databases of $CKAN_VERSION.
run_pytest() {
  log "pytest (CKAN $CKAN_VERSION)"
  cd "$REPO"
  # The whole suite, unless the arguments name tests (a file, a folder, file::test).
  local where=ckanext/datapusherplusapi/tests arg
  for arg in "$@"; do case "$arg" in ckanext/*|*.py|*::*) where="" ;; esac; done
  # (--durations: the slowest tests, at the end of every run: what a slow suite costs)
  "$VENV/bin/python" -m pytest --ckan-ini=test.ini --basetemp="$DPP_HOME/pytest-$TEST_SITE" \
    --durations=40 $where "$@"
}

# The quick loop: no browser, no real loader or service, no soak or load run
# (the markers are set in tests/conftest.py).
FAST='not browser and not e2e and not loader and not soak and not load'
cmd_test_fast() {
  cmd_test -m "$FAST" "$@"
}

# What CI runs: every tested CKAN version at once, each in its own virtualenv,
# databases, Redis database and pytest folder; the default version whole, the
# others without the tests marked "once" (nothing in them depends on CKAN's
# version: the soak and load runs, the outages, the hostile-input sweep). The
# tests marked "exclusive" (they restart the PostgreSQL server all three runs
# share) run after the others have ended, on the default version alone. Each
# log is printed when its run has ended.
OTHER_VERSIONS="2.12.0 2.10.11"
cmd_test_matrix() {
  local status=0 version pids=() i=0
  test_prepare  # Debian packages, axe-core, PostgreSQL, Redis, the default version
  for version in $OTHER_VERSIONS; do  # their virtualenvs, side by side
    ( CKAN_VERSION=$version "$0" venv > "$LOGS/venv-$version.log" 2>&1 ) &
    pids+=("$!")
  done
  for version in $OTHER_VERSIONS; do
    wait "${pids[$i]}" || { cat "$LOGS/venv-$version.log"; die "virtualenv of CKAN $version failed"; }
    i=$((i + 1))
  done
  for version in $OTHER_VERSIONS; do CKAN_VERSION=$version "$0" test-prepare; done
  pids=()
  for version in $DEFAULT_CKAN_VERSION $OTHER_VERSIONS; do
    log "pytest (CKAN $version): $LOGS/test-$version.log"
    if [ "$version" = "$DEFAULT_CKAN_VERSION" ]; then
      CKAN_VERSION=$version "$0" pytest -m "not exclusive" "$@" > "$LOGS/test-$version.log" 2>&1 &
    else
      CKAN_VERSION=$version "$0" pytest -m "not once" "$@" > "$LOGS/test-$version.log" 2>&1 &
    fi
    pids+=("$!")
  done
  i=0
  for version in $DEFAULT_CKAN_VERSION $OTHER_VERSIONS; do
    if ! wait "${pids[$i]}"; then status=1; fi
    log "CKAN $version:"
    cat "$LOGS/test-$version.log"
    i=$((i + 1))
  done
  log "pytest (CKAN $DEFAULT_CKAN_VERSION), alone: the tests marked exclusive"
  CKAN_VERSION=$DEFAULT_CKAN_VERSION "$0" pytest -m exclusive "$@" || status=1
  return $status
}

# ------------------------------------------------------------------- dev ---
start_bg() { # name logfile command...
  local name="$1" logf="$2"; shift 2
  if [ -f "$RUN/$name.pid" ] && kill -0 "$(cat "$RUN/$name.pid")" 2>/dev/null; then
    return 0
  fi
  nohup setsid "$@" >>"$logf" 2>&1 < /dev/null &
  echo $! > "$RUN/$name.pid"
}

wait_http() { # url seconds
  local i
  for i in $(seq $(( $2 * 5 ))); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.2
  done
  return 1
}

# The demo's config: everything CKAN needs is in the file itself (databases,
# Redis, storage, plugins), so `ckan -c <it> ...` works as printed, with no
# environment variable. A test writes one for the test databases.
dev_config() { # ini site
  local ini="$1" ckan="$VENV/bin/ckan"
  site_urls "$2"
  if [ ! -f "$ini" ]; then
    log "generating $ini"
    "$ckan" generate config "$ini" >/dev/null
  fi
  local plugins="datapusherplusapi datastore datatables_view"
  case "$DPP_BACKEND" in
    xloader) plugins="datapusherplusapi xloader datastore datatables_view" ;;
    service) ;;
    *) die "DPP_BACKEND must be xloader or service, not $DPP_BACKEND" ;;
  esac
  # DEV/TEST ONLY: datapusherplusapi_nosolr stands in for Solr, which these
  # machines cannot run.  A production config lists no such plugin.
  "$ckan" config-tool "$ini" \
    "ckan.plugins = $plugins datapusherplusapi_nosolr" \
    "sqlalchemy.url = $SITE_DB" \
    "ckan.datastore.write_url = $SITE_DS_WRITE" \
    "ckan.datastore.read_url = $SITE_DS_READ" \
    "ckan.storage_path = $SITE_STORAGE" \
    "ckan.uploads_enabled = true" \
    "ckan.redis.url = redis://127.0.0.1:$DPP_REDIS_PORT/0" \
    "ckan.site_url = http://127.0.0.1:$DPP_CKAN_PORT" \
    "ckan.site_title = DataPusher+ API demo" \
    "ckanext.datapusher_plus.backend = $DPP_BACKEND" \
    "ckanext.datapusher_plus.url = http://127.0.0.1:$DPP_SERVICE_PORT" \
    "ckanext.xloader.jobs_db.uri = postgresql://$DPP_DB_USER:$DPP_DB_PASSWORD@127.0.0.1:$DPP_PG_PORT/ckan_dpp_${2}_xloader" \
    "ckan.datastore.sqlalchemy.executemany_mode = values_plus_batch" \
    "ckan.locale_default = ${DPP_LOCALE:-en}" \
    "ckan.locales_offered = en fr ar" \
    "ckan.devserver.host = 127.0.0.1" \
    "ckan.devserver.port = $DPP_CKAN_PORT" \
    "ckan.devserver.threaded = true" >/dev/null
  local key
  for key in ckanext.datapusher_plus.api_token ckanext.xloader.api_token; do
    if ! grep -q "^$key" "$ini"; then
      # A placeholder lets CKAN start so that the service user's token can be made.
      "$ckan" config-tool "$ini" "$key = bootstrap-placeholder" >/dev/null
    fi
  done
}

cmd_dev() {
  install_debian
  install_python
  services_up
  mkdir -p "$RUN" "$LOGS" "$DPP_HOME/demo-files" "$DPP_HOME/datapusher"
  local ckan="$VENV/bin/ckan"
  dev_config "$DEV_INI" dev
  databases_for "$DEV_INI" ckan_dpp_dev datastore_dpp_dev
  "$ckan" -c "$DEV_INI" db init >/dev/null 2>&1 || "$ckan" -c "$DEV_INI" db init
  "$ckan" -c "$DEV_INI" db upgrade -p datapusherplusapi >/dev/null

  # Users: a sysadmin for people, and one for the DataPusher service.
  local u
  for u in "$DPP_ADMIN_USER" datapusher; do
    if ! "$ckan" -c "$DEV_INI" user show "$u" 2>/dev/null | grep -q "name=$u"; then
      "$ckan" -c "$DEV_INI" user add "$u" "email=$u@example.org" \
        "password=$DPP_ADMIN_PASSWORD" >/dev/null
    fi
    "$ckan" -c "$DEV_INI" sysadmin add "$u" >/dev/null 2>&1 || true
  done
  # An editor of the demo organization (made a member by demo_files.py seed).
  if ! "$ckan" -c "$DEV_INI" user show editor 2>/dev/null | grep -q "name=editor"; then
    "$ckan" -c "$DEV_INI" user add editor email=editor@example.org \
      "password=$DPP_ADMIN_PASSWORD" fullname="Demo Editor" >/dev/null
  fi
  if [ ! -s "$DPP_HOME/service-token" ]; then
    "$ckan" -c "$DEV_INI" user token add datapusher dpp-service 2>/dev/null | tail -n 1 | tr -d '\t ' > "$DPP_HOME/service-token"
  fi
  if [ ! -s "$DPP_HOME/admin-token" ]; then
    "$ckan" -c "$DEV_INI" user token add "$DPP_ADMIN_USER" dpp-demo 2>/dev/null | tail -n 1 | tr -d '\t ' > "$DPP_HOME/admin-token"
  fi
  # The DataPusher service and xloader's jobs act as the same service user.
  "$ckan" config-tool "$DEV_INI" \
    "ckanext.datapusher_plus.api_token = $(cat "$DPP_HOME/service-token")" \
    "ckanext.xloader.api_token = $(cat "$DPP_HOME/service-token")" >/dev/null

  # Demo files served over http on loopback, the loader (the real DataPusher
  # service, or xloader in the worker), a background-job worker and CKAN itself.
  "$VENV/bin/python" "$REPO/bin/harness/demo_files.py" write "$DPP_HOME/demo-files"
  start_bg files "$LOGS/files.log" "$VENV/bin/python" -m http.server "$DPP_FILES_PORT" \
    --bind 127.0.0.1 --directory "$DPP_HOME/demo-files"
  local running
  running="$(cat "$RUN/backend" 2>/dev/null || true)"
  if [ -n "$running" ] && [ "$running" != "$DPP_BACKEND" ]; then
    log "switching the demo from $running to $DPP_BACKEND: restarting CKAN and its worker"
    stop_processes ckan worker datapusher
  fi
  echo "$DPP_BACKEND" > "$RUN/backend"
  if [ "$DPP_BACKEND" = service ]; then
    "$VENV/bin/python" "$REPO/bin/harness/datapusher_service.py" write-config \
      "$DPP_HOME/datapusher/settings.py" "$DPP_SERVICE_PORT" "$DPP_HOME/datapusher"
    start_bg datapusher "$LOGS/datapusher.log" env LANG=C LC_ALL=C PYTHONPATH="$DPP_HARNESS_DIR" \
      JOB_CONFIG="$DPP_HOME/datapusher/settings.py" \
      "$DP_VENV/bin/python" -c "from datapusher.main import serve; serve()"
  fi
  start_bg worker "$LOGS/worker.log" "$ckan" -c "$DEV_INI" jobs worker
  # No Werkzeug debugger (CKAN 2.11+ starts it by default): it would show any
  # visitor a traceback, the source and a console.
  local run_flags=()
  if grep -q -- --disable-debugger "$("$VENV/bin/python" -c 'import ckan.cli.server as s; print(s.__file__)')"; then
    run_flags+=(--disable-debugger)
  fi
  start_bg ckan "$LOGS/ckan.log" "$ckan" -c "$DEV_INI" run "${run_flags[@]}"
  if [ "$DPP_BACKEND" = service ]; then
    wait_http "http://127.0.0.1:$DPP_SERVICE_PORT/status" 60 || die "DataPusher did not start (see $LOGS/datapusher.log)"
  fi
  wait_http "http://127.0.0.1:$DPP_CKAN_PORT/api/3/action/status_show" 120 || die "CKAN did not start (see $LOGS/ckan.log)"

  "$VENV/bin/python" "$REPO/bin/harness/demo_files.py" seed "http://127.0.0.1:$DPP_CKAN_PORT" \
    "$(cat "$DPP_HOME/admin-token")" "http://127.0.0.1:$DPP_FILES_PORT"

  local other=service
  [ "$DPP_BACKEND" = service ] && other=xloader
  cat <<EOF

  DataPusher+ API demo portal is running.
    loader      $(backend_line)
    CKAN        http://127.0.0.1:$DPP_CKAN_PORT   (log: $LOGS/ckan.log)
    login       $DPP_ADMIN_USER / $DPP_ADMIN_PASSWORD   (sysadmin)
                editor / $DPP_ADMIN_PASSWORD   (editor of the demo organization)
    API token   $(cat "$DPP_HOME/admin-token")
    demo files  http://127.0.0.1:$DPP_FILES_PORT/
    config      $DEV_INI

  Try:
    curl -X POST http://127.0.0.1:$DPP_CKAN_PORT/api/3/action/datapusher_plus_submit \\
      -H "Content-Type: application/json" -H "Authorization: \$(cat $DPP_HOME/admin-token)" \\
      -d '{"resource_id": "<a resource id printed above>", "force": false}'
  Stop everything with: make stop.  The other loader: DPP_BACKEND=$other make dev
EOF
}

backend_line() {
  if [ "$DPP_BACKEND" = service ]; then
    echo "service: the PyPI DataPusher service, http://127.0.0.1:$DPP_SERVICE_PORT/status (log: $LOGS/datapusher.log)"
  else
    echo "xloader: ckanext-xloader, run by the background worker (log: $LOGS/worker.log)"
  fi
}

stop_processes() { # names...
  local name
  for name in "$@"; do
    if [ -f "$RUN/$name.pid" ]; then
      kill -- "-$(cat "$RUN/$name.pid")" 2>/dev/null || kill "$(cat "$RUN/$name.pid")" 2>/dev/null || true
      rm -f "$RUN/$name.pid"
    fi
  done
}

cmd_stop() {
  stop_processes ckan worker datapusher files
  rm -f "$RUN/backend"
  # Our Redis only (its pid file): another checkout's on the same port is left alone.
  if [ -f "$RUN/redis.pid" ] && kill -0 "$(cat "$RUN/redis.pid")" 2>/dev/null; then
    redis-cli -h 127.0.0.1 -p "$DPP_REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  fi
  rm -f "$RUN/redis.pid"
  if find_pg_bin && [ -f "$PGDATA/PG_VERSION" ]; then
    as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -m fast stop >/dev/null 2>&1 || true
  fi
  log "stopped"
}

cmd_env() {
  test_env
  env | grep -E '^(DPP_|CKAN_)' | sort
  echo "VENV=$VENV"
}

case "${1:-}" in
  install) install_debian; install_python; install_node ;;
  services) install_debian; services_up ;;
  test) shift; cmd_test "$@" ;;
  test-matrix) shift; mkdir -p "$LOGS"; cmd_test_matrix "$@" ;;
  venv) install_python ;;
  test-prepare) test_prepare ;;
  lint) install_debian; install_python; cmd_lint ;;
  test-fast) shift; cmd_test_fast "$@" ;;
  pytest) shift; test_env; run_pytest "$@" ;;  # without the set-up: the matrix prepared it
  docs) install_python; "$VENV/bin/python" "$REPO/bin/docs/configuration.py" ;;
  i18n) install_python; "$VENV/bin/python" "$REPO/bin/i18n/build.py" ;;
  i18n-check) install_python; "$VENV/bin/python" "$REPO/bin/i18n/build.py" --check ;;
  bench) shift; test_prepare; cd "$REPO"
    # the jobs benchmark checkpoints the server between its seeding and its measures
    # (pg_checkpoint: PostgreSQL 15 and later; before, the benchmark goes without)
    psql_su -d postgres -c "DO \$\$BEGIN
      IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'pg_checkpoint') THEN
        GRANT pg_checkpoint TO \"$DPP_DB_USER\"; END IF; END\$\$;" >/dev/null
    "$VENV/bin/python" bench/run.py --ckan-ini "$REPO/test.ini" "${@:-all}" ;;
  dev) cmd_dev ;;
  dev-config) shift; dev_config "$@" ;;  # INI SITE: the demo's config for a site's databases (a test's)
  stop) cmd_stop ;;
  clean) cmd_stop; rm -rf "$DPP_HOME"; log "removed $DPP_HOME" ;;
  env) cmd_env ;;
  pg-restart)  # used by a test: PostgreSQL restarted between a submit and its callback
    find_pg_bin; as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null; pg_up ;;
  ckan) shift; test_env; exec "$VENV/bin/ckan" -c "$REPO/test.ini" "$@" ;;  # ckan CLI on the test config
  *) sed -n '2,20p' "$0"; exit 2 ;;
esac

#!/usr/bin/env bash
# What `make test` needs from the machine, installed from Debian's packages when missing:
# chromium and a CJK font (browser tests, and the printable disclosures WeasyPrint makes, which also
# need Pango), gettext (message catalogs), python3-venv, and a reachable
# PostgreSQL on 127.0.0.1:5432 where user postgres may connect, with the database sanzhi_test_base.
# Every failure says why and exits non-zero; nothing is skipped silently.
set -euo pipefail

PG_HOST=127.0.0.1
PG_PORT=5432
TEST_DB=${SANZHI_TEST_DB:-sanzhi_test_base}

say() { printf '[ensure-system] %s\n' "$*"; }
die() { printf '[ensure-system] FAILED: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo -n "$@" || die "needs root for: $* (sudo -n failed; run 'make test' as root or allow sudo)"
  else
    die "needs root for: $* (not root and no sudo)"
  fi
}

apt_updated=0
apt_install() {
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found: install $* by hand (Debian/Ubuntu expected)"
  if [ "$apt_updated" -eq 0 ]; then
    say "apt-get update"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq || die "apt-get update failed"
    apt_updated=1
  fi
  say "apt-get install $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" \
    || die "apt-get install $* failed"
}

have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

# --- `make demo`: only what the printable disclosures (WeasyPrint) need; never fatal --------------
pdf_packages=(fonts-wqy-microhei libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig)
if [ "${1:-}" = "--demo" ]; then
  missing=()
  for pkg in "${pdf_packages[@]}"; do have_pkg "$pkg" || missing+=("$pkg"); done
  if [ "${#missing[@]}" -eq 0 ]; then
    exit 0
  fi
  if [ "$(id -u)" -eq 0 ] || sudo -n true >/dev/null 2>&1; then
    apt_install "${missing[@]}"
  else
    say "warning: ${missing[*]} missing and no root: the demo runs, its PDF downloads answer 503"
  fi
  exit 0
fi

# --- packages -----------------------------------------------------------------------------------
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
have_pkg fonts-wqy-microhei || missing+=(fonts-wqy-microhei)
# WeasyPrint (disclosure PDFs) loads Pango through cffi at import time; fontconfig finds the font.
have_pkg libpango-1.0-0 || missing+=(libpango-1.0-0)
have_pkg libpangoft2-1.0-0 || missing+=(libpangoft2-1.0-0)
# Font subsetting with HarfBuzz: WeasyPrint otherwise falls back to fontTools, seconds per page with a CJK font.
have_pkg libharfbuzz-subset0 || missing+=(libharfbuzz-subset0)
have_pkg fontconfig || missing+=(fontconfig)
command -v msgfmt >/dev/null 2>&1 || missing+=(gettext)
if [ ! -x .venv/bin/python ] && ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
  missing+=(python3-venv)
fi
command -v psql >/dev/null 2>&1 || missing+=(postgresql-client)
if [ "${#missing[@]}" -gt 0 ]; then
  apt_install "${missing[@]}"
fi
command -v chromium >/dev/null 2>&1 || die "chromium is still not on PATH after installing it"

# --- PostgreSQL server ----------------------------------------------------------------------------
pg_ready() { pg_isready -q -h "$PG_HOST" -p "$PG_PORT" >/dev/null 2>&1; }

if ! pg_ready; then
  if ! command -v pg_lsclusters >/dev/null 2>&1 || [ -z "$(pg_lsclusters -h 2>/dev/null)" ]; then
    say "no PostgreSQL server reachable on $PG_HOST:$PG_PORT and none installed: installing postgresql"
    apt_install postgresql
  fi
  # Start every installed cluster on our port that is down (containers have no systemd).
  while read -r ver cluster port status _rest; do
    [ "$port" = "$PG_PORT" ] || continue
    if [ "$status" != "online" ]; then
      say "starting PostgreSQL cluster $ver/$cluster"
      as_root pg_ctlcluster --skip-systemctl-redirect "$ver" "$cluster" start \
        || die "pg_ctlcluster $ver $cluster start failed (see /var/log/postgresql/postgresql-$ver-$cluster.log)"
    fi
  done < <(pg_lsclusters -h 2>/dev/null)
  for _ in $(seq 1 60); do
    pg_ready && break
    sleep 0.5
  done
  pg_ready || die "PostgreSQL does not answer on $PG_HOST:$PG_PORT (pg_lsclusters: $(pg_lsclusters -h 2>&1 | tr '\n' ';'))"
fi

psql_ok() { psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -Atqc 'select 1' >/dev/null 2>&1; }

if ! psql_ok; then
  # A fresh Debian cluster asks for a password over TCP; the test user connects locally without one.
  hba=""
  while read -r ver cluster port _status _owner _data _log; do
    if [ "$port" = "$PG_PORT" ]; then hba="/etc/postgresql/$ver/$cluster/pg_hba.conf"; pgver=$ver; pgcl=$cluster; fi
  done < <(pg_lsclusters -h 2>/dev/null)
  [ -n "$hba" ] && [ -f "$hba" ] || die "cannot connect as postgres@$PG_HOST:$PG_PORT and the server is not a local Debian cluster: $(psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -c 'select 1' 2>&1 | head -1)"
  say "allowing user postgres from localhost without password in $hba (test machine)"
  as_root sed -i '1i host all postgres 127.0.0.1/32 trust\nhost all postgres ::1/128 trust' "$hba"
  as_root pg_ctlcluster --skip-systemctl-redirect "$pgver" "$pgcl" reload || die "reloading PostgreSQL failed"
  sleep 1
  psql_ok || die "still cannot connect as postgres@$PG_HOST:$PG_PORT: $(psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -c 'select 1' 2>&1 | head -1)"
fi

if [ "$(psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -Atqc "select 1 from pg_database where datname = '$TEST_DB'")" != "1" ]; then
  say "creating database $TEST_DB"
  psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -qc "create database $TEST_DB" \
    || die "could not create database $TEST_DB"
fi
say "ok: chromium, fonts-wqy-microhei, Pango, gettext, PostgreSQL on $PG_HOST:$PG_PORT (database $TEST_DB)"

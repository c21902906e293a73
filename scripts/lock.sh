#!/usr/bin/env bash
# Makes requirements/*.lock, the exact versions (with the hashes of their files) that
# scripts/bootstrap.sh installs, from pyproject.toml and requirements/build.in; then builds
# .venv anew from them and runs the tests. A new release reaches the kiosk only this way.
#
#   scripts/lock.sh                       after editing the dependencies in pyproject.toml:
#                                         keeps every locked version that still fits
#   scripts/lock.sh --upgrade             every package to its newest release that
#                                         pyproject.toml allows
#   scripts/lock.sh --upgrade-package P   only P (and what it needs); may be repeated
#   --no-test                             compile and install, skip the tests
#
# The locks are made by uv (`uv pip compile`), not pip-tools: uv resolves for every
# platform at once (--universal), so one lock serves Linux x86_64 and aarch64 on CPython
# 3.11 and newer, with environment markers where they differ; pip-tools resolves only for
# the interpreter and machine it runs on. uv is one self-contained wheel, pinned and
# hash-checked in dev.lock like everything else, and does not depend on the venv's pip.
#
#   dev.lock    what .venv gets: the kiosk, the platform extra, the dev tools, build.in
#   kiosk.lock  a kiosk in the field: the kiosk and the platform extra, and build.in
#   build.lock  build.in alone: bootstrap installs it first (see there)
# kiosk.lock and build.lock are held to dev.lock's versions, so the three agree.
set -euo pipefail
cd "$(dirname "$0")/.."

upgrade=() test=1
while (($#)); do
  case "$1" in
    --upgrade) upgrade+=(--upgrade) ;;
    --upgrade-package) upgrade+=(--upgrade-package "$2"); shift ;;
    --no-test) test=0 ;;
    *) echo "usage: scripts/lock.sh [--upgrade | --upgrade-package NAME]... [--no-test]" >&2
       exit 2 ;;
  esac
  shift
done

uv=.venv/bin/uv
if [ ! -x "$uv" ]; then  # the uv of dev.lock, hash-checked (a stale .venv may lack it)
  [ -x .venv/bin/python ] || "${PYTHON:-python3}" -m venv .venv
  entry=$(mktemp)
  trap 'rm -f "$entry"' EXIT
  awk '/^uv==/ { p = 1 } p { print } p && !/\\$/ { exit }' requirements/dev.lock >"$entry"
  .venv/bin/python -m pip install -q --require-hashes --no-deps -r "$entry"
fi

pins() { grep -ho '^[A-Za-z0-9._-]*==[^ ;]*' requirements/dev.lock | sort -u; }
before=$(pins)
sum_before=$(cat requirements/*.lock | sha256sum)

compile=("$uv" pip compile -q --universal --python-version 3.11 --generate-hashes
         --custom-compile-command scripts/lock.sh)
"${compile[@]}" "${upgrade[@]}" pyproject.toml --extra dev requirements/build.in \
  -o requirements/dev.lock
"${compile[@]}" pyproject.toml --extra platform requirements/build.in \
  -c requirements/dev.lock -o requirements/kiosk.lock
"${compile[@]}" requirements/build.in -c requirements/dev.lock -o requirements/build.lock

if [ "$(cat requirements/*.lock | sha256sum)" = "$sum_before" ]; then
  echo "lock: no change"
else
  echo "lock: changed versions (- before, + now):"
  diff <(echo "$before") <(pins) | grep '^[<>]' | sed 's/^</  -/; s/^>/  +/' || true
  echo "lock: building .venv anew from requirements/dev.lock"
  rm -rf .venv
fi
bash scripts/bootstrap.sh
if ((test)); then
  bash scripts/test.sh -q
  echo "lock: tests pass; commit requirements/*.lock to make this the kiosk's set"
fi

#!/usr/bin/env bash
# Set up what is missing (system packages, .venv) and run the whole test suite offscreen,
# then the linter. Extra arguments go to pytest, e.g. -k ticket, -x.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export QT_QPA_PLATFORM=offscreen
.venv/bin/python -m pytest "$@"
.venv/bin/ruff check .

#!/usr/bin/env bash
# Set up what is missing (system packages, .venv) and start the kiosk.
# --dev: every device simulated and the embedded platform (unless a kiosk.toml says
# otherwise), so it runs on any machine. Extra arguments go to
# `kiosk run`, e.g. --windowed, --sim-panel, --elder, --screenshot home.png.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ -z "${QT_QPA_PLATFORM:-}" ]; then
  echo "kiosk: no display found; running offscreen (use --screenshot FILE.png to see it)" >&2
  export QT_QPA_PLATFORM=offscreen
fi
exec .venv/bin/kiosk --dev run "$@"

#!/usr/bin/env bash
# Installs what a fresh Debian machine lacks for the kiosk: system packages (Qt runtime
# libraries, CJK fonts, PC/SC stack) and a Python venv in .venv with the project in it.
# Safe to run again: it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  fonts-noto-cjk            # Noto Sans CJK SC for the UI and the rendered tickets
  libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3
  libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0
  python3-venv
  pcscd vsmartcard-vpcd libpcsclite-dev swig   # PC/SC stack; swig+headers build pyscard
  poppler-utils             # pdftoppm: certificate PDFs to PNG in tests
  gcc util-linux            # a stand-in WLT decoder library in tests; unshare for the private pcscd
  python3-dev               # headers for the native SM4-GCM (offline_cache/_sm4gcm.c)
  fonts-wqy-zenhei cups-client   # TrueType CJK font embedded in certificate PDFs; lp/lpstat for A4
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "bootstrap: installing system packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "bootstrap: creating .venv"
  "$PY" -m venv .venv
fi
# The C extension is built at install time: a change to it reinstalls too.
stamp=.venv/.installed-$(cat pyproject.toml setup.py offline_cache/_sm4gcm.c | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ]; then
  echo "bootstrap: installing Python packages"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[dev]"
  rm -f .venv/.installed-*; touch "$stamp"
fi

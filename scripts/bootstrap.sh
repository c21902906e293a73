#!/usr/bin/env bash
# Installs what a fresh Debian machine lacks for the kiosk: system packages (Qt runtime
# libraries, CJK fonts, PC/SC stack) and a Python venv in .venv with the project in it,
# its Python packages exactly those of requirements/dev.lock (scripts/lock.sh makes it).
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
  libpulse0                 # Qt Virtual Keyboard's QML (PySide6-Addons) links against it
  espeak-ng                 # spoken prompts (kiosk/voice.py), rendered once and cached
  chromium chromium-driver  # the 远程咨询 staff page in a headless browser (tests)
  postgresql                # the platform's tests on PostgreSQL too (a throwaway cluster)
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
# A change to a lock, to the project's metadata or to the C extension (built at install
# time) installs again. requirements/*.lock are made by scripts/lock.sh.
stamp=.venv/.installed-$(cat pyproject.toml setup.py offline_cache/_sm4gcm.c requirements/*.lock \
  | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ]; then
  echo "bootstrap: installing Python packages from requirements/dev.lock"
  pip=(env PATH="$PWD/.venv/bin:$PATH" .venv/bin/python -m pip install -q)  # the locked swig
  # Exactly the locked versions, each file checked against its hash. First the build tools
  # (wheels), then everything else: a package that comes as source (pyscard) is built with
  # those tools, not in an isolated environment that would fetch unpinned, unchecked ones.
  "${pip[@]}" --require-hashes --only-binary :all: -r requirements/build.lock
  "${pip[@]}" --require-hashes --no-build-isolation -r requirements/dev.lock
  # The project itself, built by the locked setuptools; its dependencies are the above.
  PYTHONWARNINGS="ignore:Editable installation" "${pip[@]}" --no-deps --no-build-isolation -e .
  if ! .venv/bin/python -m pip check >/dev/null; then
    .venv/bin/python -m pip check || true
    echo "bootstrap: requirements/dev.lock does not satisfy pyproject.toml:" \
      "run scripts/lock.sh" >&2
    exit 1
  fi
  rm -f .venv/.installed-*; touch "$stamp"
fi
# The development tree (sim/: simulated devices, central/: the reference platform) is not
# part of the installed kiosk (pyproject.toml packages it without them); this venv sees it
# through a .pth file naming the source tree, so `kiosk run --dev` finds it.
site=$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
echo "$PWD" > "$site/kiosk-source-tree.pth"

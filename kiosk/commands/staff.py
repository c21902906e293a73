"""``kiosk staff set-pin`` / ``add-card``: what opens staff mode, written to the config file
as scrypt hashes only; ``kiosk install-service``: the kiosk as a supervised systemd service.

A PIN or ID number is read from the terminal without echo (or from stdin with
``--stdin``, for provisioning scripts) and never printed or logged.
"""

from __future__ import annotations

import argparse
import getpass
import os
import pwd
import re
import shutil
import subprocess
import sys
from pathlib import Path

from kiosk.config import ConfigError, KioskConfig, default_config_path, parse_config
from kiosk.staff import PIN_LENGTHS, StaffCards, hash_secret, normalise_id
from offline_cache.durable import atomic_write

SERVICE_TEMPLATE = Path(__file__).resolve().parents[1] / "kiosk.service"
UNIT_DIR = Path("/etc/systemd/system")
_ID_RE = re.compile(r"^[0-9A-Z]{6,20}$")


def register(sub: argparse._SubParsersAction) -> None:
    staff = sub.add_parser("staff", help="staff mode: the PIN and the staff cards")
    staff_sub = staff.add_subparsers(dest="staff_command")
    pin = staff_sub.add_parser("set-pin", help="set the staff PIN (6–12 digits)")
    pin.add_argument("--stdin", action="store_true", help="read the PIN from stdin")
    pin.set_defaults(handler=cmd_set_pin)
    card = staff_sub.add_parser("add-card", help="let a staff member's ID card or 社保卡 in")
    card.add_argument("--stdin", action="store_true", help="read the ID number from stdin")
    card.set_defaults(handler=cmd_add_card)
    svc = sub.add_parser("install-service", help="install the kiosk as a systemd service "
                         "(as root): unit, user, data folder, enabled")
    svc.add_argument("--user", default="kiosk", help="the service's own user (made if absent)")
    svc.add_argument("--qpa", default="eglfs",
                     help="Qt platform: eglfs (straight to the display), wayland, xcb")
    svc.add_argument("--print", action="store_true", help="print the unit; change nothing")
    svc.add_argument("--unit-dir", type=Path, default=UNIT_DIR, help=argparse.SUPPRESS)
    svc.set_defaults(handler=cmd_install_service)


def config_file(args: argparse.Namespace) -> Path:
    return Path(args.config or os.environ.get("KIOSK_CONFIG") or default_config_path())


def _read_secret(args: argparse.Namespace, prompt: str, again: bool) -> str:
    if args.stdin:
        return sys.stdin.readline().strip()
    first = getpass.getpass(prompt)
    if again and getpass.getpass("again: ") != first:
        raise ConfigError("the two entries differ; nothing changed")
    return first.strip()


def cmd_set_pin(args: argparse.Namespace, config: KioskConfig) -> int:
    pin = _read_secret(args, "new staff PIN (6–12 digits): ", again=True)
    if not pin.isdigit() or len(pin) not in PIN_LENGTHS:
        raise ConfigError("the PIN must be 6 to 12 digits; nothing changed")
    path = config_file(args)
    set_staff_key(path, "pin_hash", f'"{hash_secret(pin)}"')
    print(f"staff PIN set in {path} (its scrypt hash only); restart the kiosk to use it")
    return 0


def cmd_add_card(args: argparse.Namespace, config: KioskConfig) -> int:
    number = normalise_id(_read_secret(args, "staff member's ID number: ", again=False))
    if not _ID_RE.match(number):
        raise ConfigError("not an ID number (6–20 digits or capital letters); nothing changed")
    cards = StaffCards(config.staff.card_hashes)
    if cards.match(number):
        print("that card is on the list already")
        return 0
    hashes = [*config.staff.card_hashes, hash_secret(number, cards.salt)]
    path = config_file(args)
    set_staff_key(path, "card_hashes", "[" + ", ".join(f'"{h}"' for h in hashes) + "]")
    print(f"staff card {len(hashes)} added in {path} (its scrypt hash only); restart the "
          "kiosk to use it")
    return 0


def set_staff_key(path: Path, key: str, toml_value: str) -> None:
    """Set ``[staff] key = value`` in the config file, keeping every other line as it is;
    the result is validated before it replaces the file."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    lines = text.splitlines()
    new_line = f"{key} = {toml_value}"
    start = next((i for i, line in enumerate(lines)
                  if re.match(r"^\s*\[staff\]\s*(#.*)?$", line)), None)
    if start is None:
        lines += ["", "[staff]", new_line]
    else:
        end = next((i for i in range(start + 1, len(lines))
                    if re.match(r"^\s*\[", lines[i])), len(lines))
        at = next((i for i in range(start + 1, end)
                   if re.match(rf"^\s*{key}\s*=", lines[i])), None)
        if at is None:
            lines.insert(start + 1, new_line)
        else:
            lines[at] = new_line
    new_text = "\n".join(lines) + "\n"
    parse_config(new_text, str(path))  # raises ConfigError: the file stays as it was
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o640
    atomic_write(path, new_text.encode(), mode=mode)


def render_unit(config: KioskConfig, config_path: Path, user: str, qpa: str) -> str:
    kiosk = shutil.which("kiosk") or str(Path(sys.executable).with_name("kiosk"))
    values = {"@KIOSK@": kiosk, "@CONFIG@": str(config_path), "@DATA@": str(config.data_dir),
              "@USER@": user, "@QPA@": qpa}
    text = SERVICE_TEMPLATE.read_text(encoding="utf-8")
    for placeholder, value in values.items():
        if any(c.isspace() for c in value):
            raise ConfigError(f"{value!r} has white space: not usable in a unit file")
        text = text.replace(placeholder, value)
    return text


def cmd_install_service(args: argparse.Namespace, config: KioskConfig) -> int:
    if not config.data.dir:
        raise ConfigError("set [data] dir in the configuration (e.g. /var/lib/kiosk): the "
                          "service's user has no per-user folder of yours")
    config_path = config_file(args).resolve()
    unit = render_unit(config, config_path, args.user, args.qpa)
    if args.print:
        print(unit, end="")
        return 0
    if os.geteuid() != 0:
        print("kiosk install-service must run as root (or use --print)", file=sys.stderr)
        return 1
    _ensure_user(args.user, config.data_dir)
    config.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    account = pwd.getpwnam(args.user)
    os.chown(config.data_dir, account.pw_uid, account.pw_gid)
    target = args.unit_dir / "kiosk.service"
    atomic_write(target, unit.encode(), mode=0o644)
    subprocess.run(["systemctl", "daemon-reload"], check=True)
    subprocess.run(["systemctl", "enable", "kiosk.service"], check=True)
    print(f"installed {target}; start it with: systemctl start kiosk")
    return 0


def _ensure_user(user: str, home: Path) -> None:
    try:
        pwd.getpwnam(user)
    except KeyError:
        subprocess.run(["useradd", "--system", "--home-dir", str(home), "--no-create-home",
                        "--shell", "/usr/sbin/nologin", user], check=True)

"""The ``kiosk`` command: start the kiosk, check devices, inspect the configuration.

Other parts of the product add their own subcommands: a module listed in
``COMMAND_MODULES`` has ``register(subparsers)``, which adds its parsers and sets
``handler=fn`` on them, ``fn(args, config) -> exit code``. Modules in
``DEVICE_COMMAND_MODULES`` do the same under ``kiosk device`` (one per device kind).
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import logging.handlers
import os
import sys
import time
from pathlib import Path
from typing import Any

from kiosk.config import (
    DEV_ENV,
    EXAMPLE_PATH,
    ConfigError,
    KioskConfig,
    default_config_path,
    load_config,
)
from kiosk.privacy import MaskingFormatter, install_log_masking

log = logging.getLogger("kiosk")

COMMAND_MODULES: tuple[str, ...] = (
    "kiosk.commands.printing",
    "kiosk.commands.doc",
    "kiosk.commands.sync",
    "kiosk.commands.platform",
    "kiosk.commands.guide",
    "kiosk.commands.enroll",
    "kiosk.commands.staff",
)
DEVICE_COMMAND_MODULES: tuple[str, ...] = (
    "kiosk.commands.device_cards",
    "kiosk.commands.device_printer",
)


class PrivateLogFile(logging.handlers.RotatingFileHandler):
    """The log file and each rotated one readable by the kiosk's user and group only."""

    def _open(self):  # noqa: ANN202 - logging API
        stream = super()._open()
        os.chmod(self.baseFilename, 0o640)
        return stream


def setup_logging(config: KioskConfig, verbose: bool = False) -> Path:
    """Log to a rotating file under the data folder and to stderr; personal data masked."""
    log_dir = config.data_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    fmt = MaskingFormatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s")
    file_h = PrivateLogFile(log_dir / "kiosk.log", maxBytes=5_000_000, backupCount=5,
                            encoding="utf-8")
    err_h = logging.StreamHandler()
    err_h.setLevel(logging.WARNING if not verbose else logging.DEBUG)
    for h in (file_h, err_h):
        h.setFormatter(fmt)
        root.addHandler(h)
    install_log_masking(root)
    return log_dir / "kiosk.log"


def cmd_run(args: argparse.Namespace, config: KioskConfig) -> int:
    from kiosk.qt_main import run_kiosk  # Qt is loaded only for the GUI
    from kiosk.watchdog import after_exit

    setup_logging(config, args.verbose)
    return after_exit(run_kiosk(config, sim_panel=args.sim_panel, windowed=args.windowed,
                                screenshot=args.screenshot, elder=args.elder))


def cmd_doctor(args: argparse.Namespace, config: KioskConfig) -> int:
    from kiosk.context import KioskContext

    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.ERROR)
    install_log_masking()
    ctx = KioskContext.build(config)
    ctx.start(sync=False)  # looking must not send the outbox
    try:
        ctx.devices.wait_first_status(timeout=args.wait)
        report = doctor_report(config, ctx)
    finally:
        ctx.stop()
    ok, rows, outbox, warnings = (report["ok"], report["devices"], report["outbox"],
                                  report["warnings"])
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(f"terminal {config.terminal.id} ({config.terminal.mode})")
        for r in rows:
            extra = f" [{r['code']}] {r['reason']}" if r["code"] else ""
            print(f"  {r['device']:<10} {r['state']:<7} {r['configured']}{extra}")
        if outbox is not None:
            print(f"  outbox     pending {outbox['pending']}, failed {outbox['failed']}, "
                  f"rejected {outbox['rejected']}, oldest unsent "
                  f"{outbox['oldest_unsent_age_s'] or 0:.0f} s")
        for w in warnings:
            print(f"  WARNING    {w}")
        for d in ctx.damaged:
            print(f"  DAMAGED    {d.line()}")
        if ctx.damaged:
            print("  OUT OF SERVICE until every file above is taken out of the data folder "
                  "(examine or restore it first: nothing in it was deleted)")
    return 0 if ok else 1


def doctor_report(config: KioskConfig, ctx: Any) -> dict[str, Any]:
    """What ``kiosk doctor --json`` prints, from a started ``KioskContext`` (also the
    running kiosk's, for remote diagnostics): devices, outbox, damaged files, warnings."""
    outbox = ctx.outbox.status().as_dict(time.time()) if ctx.outbox else None
    rows = []
    for name, w in ctx.devices.workers.items():
        s = w.status
        rows.append({
            "device": name,
            "kind": w.kind,
            "configured": getattr(config.devices, name).port,
            "port": w.port,
            "state": str(s.state),
            "code": s.code,
            "reason": s.reason,
            "details": {k: v for k, v in s.details.items() if k != "port"},
        })
    ok = all(r["state"] == "ready" for r in rows) and not ctx.damaged
    warnings = [w for w in [key_warning(config)] if w]
    if config.platform.insecure:
        warnings.append(f"platform {config.platform.url} is plain http:// to another machine "
                        "(allow_insecure = true): cases and ID numbers cross the network "
                        "unencrypted; use https://")
    return {"terminal": config.terminal.id, "ok": ok, "devices": rows, "outbox": outbox,
            "damaged": [d.as_dict() for d in ctx.damaged], "warnings": warnings}


def key_warning(config: KioskConfig) -> str:
    """Doctor's word on keys kept as plain files ("" when the OS seals them)."""
    from kiosk.link import secret_path, store_key_path
    from offline_cache import keystore

    plain = [p for p in (store_key_path(config), secret_path(config))
             if p.exists() and not keystore.cred_path(p).exists()]
    if not plain:
        return ""
    why = keystore.why_not() or f'store.key_protection = "{config.store.key_protection}"'
    return (f"{' and '.join(str(p) for p in plain)}: plain file(s) beside the data "
            f"(fallback: {why}): a copy of the data folder decrypts every case or speaks "
            "for this terminal; seal them with systemd-creds")


def cmd_config(args: argparse.Namespace, config: KioskConfig) -> int:
    if args.action == "path":
        print(default_config_path())
    elif args.action == "example":
        print(EXAMPLE_PATH.read_text(encoding="utf-8"), end="")
    else:  # check: loading already validated it
        print(f"configuration OK; data folder: {config.data_dir}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kiosk", description="政务服务自助终端 self-service kiosk")
    p.add_argument("--config", help="configuration file (default: $KIOSK_CONFIG or "
                   "the per-user config folder)")
    p.add_argument("--dev", action="store_true",
                   help="development: what the config leaves out is simulated (every device "
                   "'sim', the embedded platform), from the source tree")
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = p.add_subparsers(dest="command")
    run = sub.add_parser("run", help="start the kiosk (the default)")
    run.set_defaults(handler=cmd_run)
    run.add_argument("--sim-panel", action="store_true",
                     help="with --dev: open the simulator panel (F12)")
    run.add_argument("--windowed", action="store_true", help="a normal window, not full screen")
    run.add_argument("--elder", action="store_true", help="start in elder (大字) mode")
    run.add_argument("--screenshot", metavar="PNG",
                     help="start, save a picture of the home screen to PNG, and exit")
    doc = sub.add_parser("doctor", help="check every configured device")
    doc.set_defaults(handler=cmd_doctor)
    doc.add_argument("--json", action="store_true", help="machine-readable output")
    doc.add_argument("--wait", type=float, default=5.0, help="seconds to wait for each device")
    cfg = sub.add_parser("config", help="configuration helpers")
    cfg.add_argument("action", choices=["check", "path", "example"])
    cfg.set_defaults(handler=cmd_config)
    device = sub.add_parser("device", help="talk to one device directly (technicians)")
    device_sub = device.add_subparsers(dest="device")
    for name in DEVICE_COMMAND_MODULES:
        importlib.import_module(name).register(device_sub)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.dev:  # for this process and what it starts (kiosk.config.dev_mode)
            os.environ[DEV_ENV] = "1"
        config = load_config(args.config)
    except ConfigError as e:
        print(e, file=sys.stderr)
        return 2
    if args.command is None:
        args = parser.parse_args([*(argv or sys.argv[1:]), "run"])
    handler = getattr(args, "handler", None)
    if handler is None:  # a command group without its sub-command, e.g. `kiosk device`
        parser.parse_args([*(argv or sys.argv[1:]), "--help"])
        return 2
    try:
        return int(handler(args, config))
    except ConfigError as e:  # found once in use, e.g. the embedded platform not installed
        print(e, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

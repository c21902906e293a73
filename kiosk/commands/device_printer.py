"""``kiosk device printer status`` and ``kiosk device a4printer status``: ask one printer.

The answer is what the printer itself says (DLE EOT replies, or CUPS's view of the queue),
never a guess: a silent printer is "absent", not "ready". Exit 0 when ready, 1 otherwise,
2 for an address that names no printer.
"""

from __future__ import annotations

import argparse
import json
import sys

from drivers.base import DeviceError, DeviceState, DeviceStatus
from drivers.escpos.profiles import get_profile
from kiosk.commands.printing import a4_printer, receipt_printer
from kiosk.config import KioskConfig
from kiosk.privacy import install_log_masking


def register(device_sub: argparse._SubParsersAction) -> None:
    for name, helptext, handler, address in (
        ("printer", "the receipt printer (ESC/POS)", cmd_receipt_status,
         "host:9100, /dev/ttyS1, usb://VID:PID or sim; default: [devices.printer] port"),
        ("a4printer", "the A4 certificate printer (CUPS)", cmd_a4_status,
         "CUPS queue, QUEUE@host:port or sim; default: [devices.a4printer] port"),
    ):
        p = device_sub.add_parser(name, help=helptext)
        sub = p.add_subparsers(dest="action", required=True)
        status = sub.add_parser("status", help="what the printer says about itself")
        status.add_argument("--printer", help=address)
        status.add_argument("--json", action="store_true", help="machine-readable output")
        status.set_defaults(handler=handler)


def _report(device: str, address: str, status: DeviceStatus, as_json: bool) -> int:
    ready = status.state is DeviceState.READY
    if as_json:
        print(json.dumps({"device": device, "printer": address, "ok": ready,
                          "state": str(status.state), "code": status.code,
                          "reason": status.reason, "details": status.details},
                         ensure_ascii=False, indent=2))
    else:
        code = f" [{status.code}]" if status.code else ""
        paper = status.details.get("paper", "unknown")
        print(f"{device} {address}: {status.state}{code} paper={paper}\n  {status.reason}")
    return 0 if ready else 1


def cmd_receipt_status(args: argparse.Namespace, config: KioskConfig) -> int:
    install_log_masking()
    address = args.printer or config.devices.printer.port
    width = get_profile(paper_mm=config.devices.printer.paper_width).width_dots
    try:
        with receipt_printer(address, config, width) as (printer, _):
            status = printer.status().to_device_status()
    except DeviceError as exc:  # the transport could not even be opened
        status = DeviceStatus(DeviceState.ABSENT, exc.code, exc.tech)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return _report("printer", address, status, args.json)


def cmd_a4_status(args: argparse.Namespace, config: KioskConfig) -> int:
    install_log_masking()
    address = args.printer or config.devices.a4printer.port
    if address == "none":
        print("no A4 printer configured ([devices.a4printer] port, or --printer)",
              file=sys.stderr)
        return 2
    try:
        with a4_printer(address, config) as (printer, _):
            status = printer.status()
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return _report("a4printer", address, status, args.json)

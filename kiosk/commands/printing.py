"""``kiosk print receipt|cert``: print a template from a JSON file, as a technician tests it.

``sim`` (the default configuration) starts the virtual printer in this process, so the
command shows exactly what the kiosk would print: the receipt as a PNG under
``<data>/printer/``, the certificate as a PDF under ``<data>/a4printer/``. Exit codes: 0
printed (or written), 1 the printer refused or failed (the code says why), 2 bad input.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import secrets
import sys
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from drivers.a4printer.cups import CupsPrinter
from drivers.base import DeviceError
from drivers.escpos.printer import ReceiptPrinter
from drivers.escpos.profiles import ReceiptProfile, get_profile, profiles
from drivers.escpos.transport import open_transport
from kiosk.config import KioskConfig
from kiosk.devtree import dev_import
from kiosk.privacy import install_log_masking
from printer_templates.certificate import template_names
from printer_templates.data import TemplateDataError
from printer_templates.receipts import RECEIPT_TEMPLATES, render_receipt

TIMEOUT = 5.0  # seconds for the receipt printer's transport


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("print", help="print a template from a JSON data file")
    sub = p.add_subparsers(dest="print_what", required=True)
    r = sub.add_parser("receipt", help="on the receipt printer (ESC/POS)")
    r.add_argument("--template", required=True, choices=sorted(RECEIPT_TEMPLATES))
    r.add_argument("--data", required=True, type=Path, help="JSON file with the fields")
    r.add_argument("--printer", help="address (host:9100, /dev/ttyS1, usb://VID:PID, sim); "
                   "default: [devices.printer] port")
    r.add_argument("--profile", choices=sorted(profiles()), help="default: from the config")
    r.add_argument("--paper-width", type=int, choices=(58, 80), help="default: from the config")
    r.set_defaults(handler=cmd_receipt)
    c = sub.add_parser("cert", help="an A4 certificate as PDF, optionally sent to the printer")
    c.add_argument("--template", required=True, choices=template_names())
    c.add_argument("--data", required=True, type=Path, help="JSON file with the fields")
    c.add_argument("-o", "--output", required=True, type=Path, help="the PDF to write")
    c.add_argument("--send", action="store_true", help="also print it on the A4 printer")
    c.add_argument("--printer", help="CUPS queue, QUEUE@host:port or sim; "
                   "default: [devices.a4printer] port")
    c.set_defaults(handler=cmd_cert)


def _quiet_logging() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    install_log_masking()


def load_data(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise TemplateDataError(f"{path}: cannot read JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise TemplateDataError(f"{path}: expected a JSON object")
    return data


def job_id() -> str:
    """Unique per run and short enough for a receipt's footer line."""
    return f"cli-{datetime.now():%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"


@contextlib.contextmanager
def receipt_printer(address: str, config: KioskConfig,
                    width_dots: int) -> Iterator[tuple[ReceiptPrinter, Any]]:
    """The receipt printer at ``address``; ``sim`` starts a virtual one for the duration."""
    virtual = None
    if address == "sim":
        sim = dev_import("sim.receipt_printer", "the virtual receipt printer (sim)")
        virtual = sim.VirtualPrinter(config.data_dir / "printer", width_dots=width_dots)
        address = f"127.0.0.1:{virtual.start()}"
    try:
        printer = ReceiptPrinter(open_transport(address, TIMEOUT))
        try:
            yield printer, virtual
        finally:
            printer.close()
    finally:
        if virtual is not None:
            virtual.stop()


@contextlib.contextmanager
def a4_printer(address: str, config: KioskConfig) -> Iterator[tuple[CupsPrinter, Any]]:
    """The CUPS queue at ``address``; ``sim`` starts a virtual A4 printer for the duration."""
    virtual = None
    if address == "sim":
        sim = dev_import("sim.a4_printer", "the virtual A4 printer (sim)")
        virtual = sim.VirtualA4Printer(config.data_dir / "a4printer")
        virtual.start()
        address = virtual.address
    try:
        yield CupsPrinter.from_address(address), virtual
    finally:
        if virtual is not None:
            virtual.stop()


def _profile(args: argparse.Namespace, config: KioskConfig) -> ReceiptProfile:
    p = config.devices.printer
    return get_profile(args.profile or p.profile, args.paper_width or p.paper_width)


def cmd_receipt(args: argparse.Namespace, config: KioskConfig) -> int:
    _quiet_logging()
    profile = _profile(args, config)
    job = job_id()
    try:
        data = render_receipt(args.template, load_data(args.data), job, profile)
    except TemplateDataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    address = args.printer or config.devices.printer.port

    def send() -> str:
        with receipt_printer(address, config, profile.width_dots) as (printer, virtual):
            printer.print_job(job, data)
            where = f"; picture: {virtual.pages[-1]}" if virtual and virtual.pages else ""
        return (f"printed {args.template} as job {job} ({len(data)} bytes, "
                f"profile {profile.name}, {profile.paper_mm} mm){where}")

    return _send(send)


def cmd_cert(args: argparse.Namespace, config: KioskConfig) -> int:
    _quiet_logging()
    # reportlab loads only for this command, not for every `kiosk` start.
    from printer_templates.certificate_pdf import render_certificate

    try:
        cert = render_certificate(args.template, load_data(args.data),
                                  terminal_id=config.terminal.id)
    except TemplateDataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    args.output.write_bytes(cert.pdf)
    f = cert.filled
    print(f"wrote {args.output}: {cert.pages} page(s), {len(cert.pdf)} bytes, "
          f"code {f.code}, valid until {f.expires_on}, SM3 {f.digest}")
    if not args.send:
        return 0
    address = args.printer or config.devices.a4printer.port
    if address == "none":
        print("not sent: no A4 printer configured ([devices.a4printer] port, or --printer)",
              file=sys.stderr)
        return 2
    job = job_id()

    def send() -> str:
        with a4_printer(address, config) as (printer, virtual):
            request = printer.print_pdf(job, cert.pdf)
            where = f"; stored: {virtual.documents[-1]}" if virtual and virtual.documents else ""
        return f"printed as {request} (job {job}){where}"

    return _send(send)


def _send(action: Callable[[], str]) -> int:
    """Run a print ``action`` and report it: exit 0 printed (``action`` says what to tell),
    1 the printer failed, 2 the address names no printer."""
    try:
        message = action()
    except DeviceError as exc:
        print(f"not printed: [{exc.code}] {exc.tech}", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(message)
    return 0

"""``kiosk device idcard read`` and ``kiosk device sscard read``: read one card, print it.

For technicians checking a reader: the card's data goes to stdout (never to the logs).
Exit 0 with a card read, 1 when there is no reader, no card or the card cannot be read,
2 when the command line or the configuration names no usable reader.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

from drivers.base import DeviceError
from drivers.idcard.card import IdentityCard
from drivers.idcard.errors import IdCardError
from drivers.idcard.photo import PHOTO_HEIGHT, PHOTO_WIDTH, WltDecoder, portrait
from drivers.idcard.probe import baud_order, find_reader
from drivers.idcard.protocol import BAUD_RATES
from drivers.idcard.reader import IdCardReader
from drivers.sscard.card import SocialSecurityCard
from drivers.sscard.reader import SocialSecurityCardReader
from kiosk.config import KioskConfig
from kiosk.context import serial_ports_in_use
from kiosk.privacy import install_log_masking

NO_CARD = 1
USAGE = 2


def register(device_sub: argparse._SubParsersAction) -> None:
    idcard = device_sub.add_parser("idcard", help="the ID-card reader (GA/T 467 SAM module)")
    read = idcard.add_subparsers(dest="action", required=True).add_parser(
        "read", help="read the card on the reader and print it")
    read.add_argument("--port", help="serial port or 'auto' (probe every port and speed); "
                      "default: [devices.idcard] port")
    read.add_argument("--baud", type=int, choices=BAUD_RATES,
                      help="default: [devices.idcard] baud ('auto' tries it first)")
    read.add_argument("--json", action="store_true", help="machine-readable output")
    read.set_defaults(handler=cmd_idcard_read)

    sscard = device_sub.add_parser("sscard", help="the social-security-card reader (PC/SC)")
    read = sscard.add_subparsers(dest="action", required=True).add_parser(
        "read", help="read the card in the reader and print it")
    read.add_argument("--reader", help="part of the PC/SC reader's name; default: "
                      "[devices.sscard] port, or the first reader when that is sim/none")
    read.add_argument("--json", action="store_true", help="machine-readable output")
    read.set_defaults(handler=cmd_sscard_read)


def _print_card(card: IdentityCard | SocialSecurityCard, as_json: bool) -> None:
    data = card.to_json_dict()
    if as_json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        for key, value in data.items():
            print(f"{key:<17} {value}")


def _photo_note(card: IdentityCard, library: str) -> str:
    """Whether the configured WLT decoder decodes this card's photo."""
    if not library:
        return f"{len(card.photo)} bytes WLT, not decoded ([devices.idcard] photo_decoder unset)"
    try:
        decoder = WltDecoder(library)
    except IdCardError as exc:
        return f"not decoded: {exc.tech}"
    _, decoded = portrait(card.photo, decoder)
    if not decoded:
        return f"{library} could not decode it; the kiosk shows a placeholder"
    return f"decoded by {library} ({PHOTO_WIDTH}x{PHOTO_HEIGHT})"


def _run(read: Callable[[], int]) -> int:
    install_log_masking()
    try:
        return read()
    except DeviceError as exc:
        print(f"error [{exc.code}]: {exc.tech}", file=sys.stderr)
        return NO_CARD


def cmd_idcard_read(args: argparse.Namespace, config: KioskConfig) -> int:
    port = args.port or config.devices.idcard.port
    baud = args.baud or config.devices.idcard.baud
    if port == "sim":
        print("error: [devices.idcard] port is 'sim'; pass --port PORT or --port auto",
              file=sys.stderr)
        return USAGE

    def read() -> int:
        nonlocal port, baud
        if port == "auto":
            port, baud = find_reader(bauds=baud_order(baud), exclude=serial_ports_in_use(config))
        with IdCardReader(port, baud) as reader:
            reader.sam_status()
            # A card found before (by the kiosk, say) is not "new" to find, but select sees it.
            card = reader.poll() or (reader.read_card() if reader.card_still_present() else None)
        if card is None:
            print(f"no card on the reader at {port}: place a card and try again",
                  file=sys.stderr)
            return NO_CARD
        _print_card(card, args.json)
        if not args.json:
            print(f"{'photo':<17} {_photo_note(card, config.devices.idcard.photo_decoder)}")
        return 0

    return _run(read)


def cmd_sscard_read(args: argparse.Namespace, config: KioskConfig) -> int:
    configured = config.devices.sscard.port
    name = args.reader or ("" if configured in ("sim", "none") else configured)

    def read() -> int:
        with SocialSecurityCardReader(name) as reader:
            if not reader.card_present():
                print(f"no card in the reader {reader.reader_name!r}: insert a card and try "
                      "again", file=sys.stderr)
                return NO_CARD
            _print_card(reader.read_card(), args.json)
            return 0

    return _run(read)

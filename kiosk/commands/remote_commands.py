"""``kiosk platform command``: a technician's remote commands to a kiosk, on the reference
platform (works while it runs; the kiosk carries a command out after its next heartbeat).

    kiosk platform command send TERMINAL NAME [--arg KEY=VALUE]... [--db FILE|URL]
    kiosk platform command list [--terminal ID] [--limit N] [--json] [--db FILE]
    kiosk platform command diagnostics SHA256 [-o FILE] [--db FILE]

NAME is one of ``kiosk.remote.COMMANDS``: e.g. ``lock --arg message=设备维护中，请到3号窗口``,
``set_config --arg voice.volume=40``. ``list`` shows each command's acknowledgement
(received, done, refused, failed) and its detail; a diagnostics command's detail names the
sha256 of its blob, which ``diagnostics`` writes out as JSON.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path
from typing import Any

from kiosk.config import KioskConfig
from kiosk.remote import COMMANDS
from offline_cache.crypto import SealError


def register(platform_sub: argparse._SubParsersAction) -> None:
    cmd = platform_sub.add_parser("command", help="remote commands to a kiosk: send, list")
    sub = cmd.add_subparsers(dest="remote_action")
    send = sub.add_parser("send", help="issue a command to a terminal")
    send.add_argument("terminal", help="the terminal id")
    send.add_argument("name", choices=COMMANDS)
    send.add_argument("--arg", action="append", default=[], metavar="KEY=VALUE",
                      help="an argument (lock: message=…; set_config: voice.volume=40); "
                      "may be repeated")
    listing = sub.add_parser("list", help="the commands issued, newest first, with results")
    listing.add_argument("--terminal", help="only this terminal's")
    listing.add_argument("--limit", type=int, default=50)
    listing.add_argument("--json", action="store_true", help="one JSON document")
    diag = sub.add_parser("diagnostics", help="write out a diagnostics blob as JSON")
    diag.add_argument("sha256", help="from the diagnostics command's detail")
    diag.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")
    for p in (send, listing, diag):
        p.add_argument("--db", help="the platform's SQLite file or postgresql:// URL "
                       "(default: the embedded platform's)")
        p.add_argument("--data", type=Path, help="with a postgresql:// --db: the platform's "
                       "folder (key, attachments)")
        p.set_defaults(handler=cmd_remote)


def _store(args: argparse.Namespace, config: KioskConfig) -> Any:
    from kiosk.commands.platform import database_of
    from kiosk.devtree import dev_import

    store_mod = dev_import("central.store", "the reference platform's commands")
    db, url = database_of(args, config)
    return store_mod.PlatformStore(db, url=url)


def _parse_args(pairs: list[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ValueError(f"--arg {pair!r}: KEY=VALUE expected")
        out[key] = value
    return out


def cmd_remote(args: argparse.Namespace, config: KioskConfig) -> int:
    try:
        arguments = _parse_args(getattr(args, "arg", []))
    except ValueError as e:
        print(f"kiosk platform command: {e}", file=sys.stderr)
        return 2
    store = _store(args, config)
    try:
        if args.remote_action == "send":
            if store.secret(args.terminal) is None:  # a typo would wait for ever
                print(f"kiosk platform command: no terminal {args.terminal} is enrolled "
                      "on this platform", file=sys.stderr)
                return 1
            cid = store.enqueue_command(args.terminal, args.name, arguments)
            print(f"{cid} {args.name} for {args.terminal}: carried out after its next "
                  "heartbeat (see `kiosk platform command list`)")
        elif args.remote_action == "list":
            rows = store.commands(args.terminal, args.limit)
            if args.json:
                print(json.dumps(rows, ensure_ascii=False, indent=2))
            for r in [] if args.json else rows:
                arg = " ".join(f"{k}={v}" for k, v in r["args"].items())
                print(f"{r['issued_at']} {r['id']} {r['terminal']} {r['name']} {arg}".rstrip()
                      + f"\n    {r['status'] or 'not yet received'}"
                      + (f": {r['detail']}" if r["detail"] else ""))
        else:
            text = gzip.decompress(store.read_blob(args.sha256)).decode("utf-8")
            if args.output:
                args.output.write_text(text, encoding="utf-8")
            else:
                print(text)
    except (OSError, ValueError, SealError) as e:
        print(f"kiosk platform command: {e}", file=sys.stderr)
        return 1
    finally:
        store.close()
    return 0

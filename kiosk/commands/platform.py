"""``kiosk platform serve``: run the reference central platform in the foreground.

    kiosk platform serve [--host 127.0.0.1] [--port 8700] [--db FILE|URL [--data DIR]]
                         [--tls-cert PEM --tls-key PEM] [--reuse-port]
    kiosk platform pay ORDER [--db FILE]     # the simulated payment channel (缴费)
    kiosk platform terminal add|rotate|revoke ID [--db FILE]   # enrolment tokens, revocation
    kiosk platform audit [--terminal ID] [--hours N] [--json] [--db FILE]   # look-ups of people
    kiosk platform command send|list|diagnostics ...   # remote commands (remote_commands.py)
    kiosk platform console-user add|remove|list ...   # the fleet console's users

It implements ``docs/platform-openapi.yaml`` and registers this configuration's terminal
(``[terminal] id`` with the secret of ``[platform] secret_file``), so a kiosk on the same
machine configured with ``url = "http://127.0.0.1:8700"`` syncs to it at once. The default
database is the one the embedded platform uses; ``--db postgresql://user@host/db`` keeps
records and state in PostgreSQL instead (the key, attachments and the routes' own books stay
in ``--data``, by default the embedded platform's folder). ``--port 0`` takes a free port;
the first line printed says which. ``--reuse-port``: several ``serve`` processes on one
port (SO_REUSEPORT; the kernel spreads connections over them), over one PostgreSQL database.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from kiosk.commands import console_users, remote_commands
from kiosk.config import KioskConfig


def register(sub: argparse._SubParsersAction) -> None:
    platform = sub.add_parser("platform", help="the reference central platform")
    platform_sub = platform.add_subparsers(dest="platform_command")
    serve = platform_sub.add_parser("serve", help="run the reference platform until Ctrl+C")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8700, help="port (0: any free port)")
    serve.add_argument("--db", help="SQLite file (attachments go beside it) or a "
                       "postgresql:// URL; default: the embedded platform's file")
    serve.add_argument("--data", type=Path, help="with a postgresql:// --db: the folder of "
                       "the key and attachments (default: the embedded platform's)")
    serve.add_argument("--reuse-port", action="store_true", help="share the port with other "
                       "serve processes (SO_REUSEPORT)")
    serve.add_argument("--tls-cert", help="PEM certificate (chain): serve https:// (what a "
                       "kiosk beyond this machine must be given)")
    serve.add_argument("--tls-key", help="PEM private key of --tls-cert")
    serve.set_defaults(handler=cmd_serve)
    term = platform_sub.add_parser("terminal", help="enrol, rotate or revoke a terminal")
    term.add_argument("action", choices=["add", "rotate", "revoke"],
                      help="add: a one-time enrolment token for a new terminal; rotate: one "
                      "for an enrolled terminal (its old secret works until it is used); "
                      "revoke: its secret is deleted, its next request refused")
    term.add_argument("terminal", help="the terminal id ([terminal] id of its config)")
    term.add_argument("--ttl-hours", type=float, default=24.0,
                      help="how long the token may be used (add, rotate)")
    term.add_argument("--db", help="the platform's SQLite file or postgresql:// URL "
                      "(default: the embedded platform's)")
    term.add_argument("--data", type=Path, help="with a postgresql:// --db: the platform's "
                      "folder (key)")
    term.set_defaults(handler=cmd_terminal)
    pay = platform_sub.add_parser("pay", help="the simulated payment channel: mark an order "
                                  "paid (缴费)")
    pay.add_argument("order", help="the order number (JF…), as shown under the payment QR")
    pay.add_argument("--db", type=Path, help="the platform's SQLite file (default: the "
                     "embedded platform's)")
    pay.set_defaults(handler=cmd_pay)
    case = platform_sub.add_parser("case", help="move a case along its life (进度查询 demo)")
    case.add_argument("action", choices=["advance"])
    case.add_argument("case_number", help="the 受理编号 on the receipt")
    case.add_argument("state", choices=["accepted", "reviewing", "correction", "done",
                                        "rejected"])
    case.add_argument("--note", default="", help="what the citizen is told, e.g. which "
                      "material to hand in for 补正")
    case.add_argument("--material", action="append", default=[], help="for correction: "
                      "a material to hand in (补正), e.g. 户口簿; may be repeated")
    case.add_argument("--due", default="", help="for correction: the date to hand it in by "
                      "(YYYY-MM-DD)")
    case.add_argument("--db", type=Path, help="the platform's SQLite file (default: the "
                      "embedded platform's)")
    case.set_defaults(handler=cmd_case)
    audit = platform_sub.add_parser("audit", help="the look-ups of people (certificates, "
                                    "进度查询, 电子证照, bills by ID number), newest first")
    audit.add_argument("--terminal", help="only this terminal's")
    audit.add_argument("--hours", type=float, default=24.0,
                       help="how far back (default 24; 0: all that is kept)")
    audit.add_argument("--limit", type=int, default=200, help="at most this many rows")
    audit.add_argument("--json", action="store_true", help="one JSON document")
    audit.add_argument("--db", help="the platform's SQLite file or postgresql:// URL "
                       "(default: the embedded platform's)")
    audit.add_argument("--data", type=Path, help="with a postgresql:// --db: the platform's "
                       "folder (key)")
    audit.set_defaults(handler=cmd_audit)
    remote_commands.register(platform_sub)
    console_users.register(platform_sub)


def cmd_serve(args: argparse.Namespace, config: KioskConfig) -> int:
    from kiosk.link import platform_server_class, terminal_secret

    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING)
    if bool(args.tls_cert) != bool(args.tls_key):
        print("kiosk platform serve: --tls-cert and --tls-key go together", file=sys.stderr)
        return 2
    db, url = database_of(args, config)
    server = platform_server_class()(db, host=args.host, port=args.port,
                                     ssl_certfile=args.tls_cert, ssl_keyfile=args.tls_key,
                                     key_protection=config.store.key_protection, url=url,
                                     reuse_port=args.reuse_port)
    server.store.register_terminal(config.terminal.id, terminal_secret(config, create=True))
    if not args.tls_cert and args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"kiosk platform serve: WARNING plain http on {args.host}: kiosks elsewhere "
              "would send citizens' data unencrypted (give --tls-cert/--tls-key)",
              file=sys.stderr)
    print(f"reference platform at {server.url} (database {_shown(url) if url else db}; "
          "terminal "
          f"{config.terminal.id} registered)", flush=True)
    try:
        server.serve_forever()
    finally:
        server.store.close()
    return 0


def cmd_terminal(args: argparse.Namespace, config: KioskConfig) -> int:
    """Works while the platform runs: it reads each terminal's secret on every request."""
    from kiosk.devtree import dev_import

    store_mod = dev_import("central.store", "the reference platform's terminals")
    db, url = database_of(args, config)
    store = store_mod.PlatformStore(db, url=url)
    try:
        if args.action == "revoke":
            if not store.revoke(args.terminal):
                print(f"kiosk platform terminal: {args.terminal} is not enrolled",
                      file=sys.stderr)
                return 1
            print(f"terminal {args.terminal} revoked: its next request is refused")
            return 0
        token = store.issue_token(args.terminal, args.ttl_hours * 3600,
                                  rotate=args.action == "rotate")
    except store_mod.Refusal as e:
        print(f"kiosk platform terminal: {e.detail}", file=sys.stderr)
        return 1
    finally:
        store.close()
    print(token)
    print(f"one-time token for {args.terminal}, valid {args.ttl_hours:g} h: on the kiosk, "
          f"kiosk enroll PLATFORM-URL {token}", file=sys.stderr)
    return 0


def cmd_case(args: argparse.Namespace, config: KioskConfig) -> int:
    """Advance a case on the reference platform (works while the platform runs)."""
    from kiosk.devtree import dev_import
    from kiosk.link import platform_db

    cases = dev_import("central.cases", "the reference platform's case life")
    db = args.db or platform_db(config)
    try:
        print(cases.advance_cli(db.parent, args.case_number, args.state, args.note,
                                tuple(args.material), args.due))
    except ValueError as e:
        print(f"kiosk platform case: {e}", file=sys.stderr)
        return 1
    return 0


def cmd_pay(args: argparse.Namespace, config: KioskConfig) -> int:
    """Pay an order as the citizen's phone would (the reference platform's simulated
    channel); works while the platform runs."""
    from kiosk.devtree import dev_import
    from kiosk.link import platform_db

    payments = dev_import("central.payments", "the reference platform's payment channel")
    store = dev_import("central.store", "the reference platform's payment channel")
    db = args.db or platform_db(config)
    book = payments.PaymentBook.beside(db.parent)
    try:
        order = book.pay(args.order)
    except store.Refusal as e:
        print(f"kiosk platform pay: {e.error}: {e.detail}", file=sys.stderr)
        return 1
    finally:
        book.close()
    print(f"order {order['order_no']} {order['status']} "
          f"({order['amount_cents'] // 100}.{order['amount_cents'] % 100:02d} yuan)")
    return 0


def cmd_audit(args: argparse.Namespace, config: KioskConfig) -> int:
    """The platform's audit of look-ups of people: when, which terminal, what for, whom
    (masked, and the first characters of their keyed pseudonym, never the ID number),
    and the outcome. Works while the platform runs."""
    import json
    import time

    from kiosk.devtree import dev_import

    store_mod = dev_import("central.store", "the reference platform's audit")
    db, url = database_of(args, config)
    if url is None and not db.exists():
        print(f"kiosk platform audit: no platform database at {db}", file=sys.stderr)
        return 1
    store = store_mod.PlatformStore(db, key_protection=config.store.key_protection, url=url)
    try:
        since = time.time() - args.hours * 3600 if args.hours > 0 else 0.0
        rows = store.audit_rows(args.terminal, since, args.limit)
    finally:
        store.close()
    if args.json:
        print(json.dumps({"audit": rows}, ensure_ascii=False, indent=2))
        return 0
    if not rows:
        print("no look-ups of people in this period")
    for r in rows:
        print(f"{r['at']}  {r['terminal']:<10} {r['purpose']:<36} {r['person_masked']:<18} "
              f"{r['person']}  {r['outcome']}")
    return 0


def database_of(args: argparse.Namespace, config: KioskConfig) -> tuple[Path, str | None]:
    """(the SQLite file, whose folder keeps the key and attachments; the PostgreSQL URL or
    None) that ``--db`` and ``--data`` say."""
    from kiosk.link import platform_db

    if args.db and args.db.startswith(("postgresql://", "postgres://")):
        folder = args.data or platform_db(config).parent
        return folder / "platform.sqlite3", args.db
    return (Path(args.db) if args.db else platform_db(config)), None


def _shown(url: str) -> str:
    """A database URL without its password."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return parts._replace(netloc=f"{parts.username}:***@{host}").geturl()

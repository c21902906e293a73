"""``kiosk platform console-user``: the people who may log in to the fleet console
(``<platform>/console/``) of the reference platform.

    kiosk platform console-user add NAME [--stdin] [--replace] [--db FILE]
    kiosk platform console-user remove NAME [--db FILE]
    kiosk platform console-user list [--db FILE]

The password is read from the terminal twice (or one line of standard input with
``--stdin``); only its scrypt hash is kept, in ``console.sqlite3`` beside the platform's
database. Works while the platform runs; a new password ends the person's sessions.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from kiosk.config import KioskConfig


def register(platform_sub: argparse._SubParsersAction) -> None:
    users = platform_sub.add_parser("console-user", help="who may log in to the fleet "
                                    "console (/console/): add, remove, list")
    sub = users.add_subparsers(dest="console_action", required=True)
    add = sub.add_parser("add", help="add a person (or, with --replace, set a new password)")
    add.add_argument("name", help="their login name (letters, digits, . _ -)")
    add.add_argument("--stdin", action="store_true", help="read the password from one line "
                     "of standard input")
    add.add_argument("--replace", action="store_true", help="set a new password for an "
                     "existing name (their sessions end)")
    remove = sub.add_parser("remove", help="remove a person (their sessions end)")
    remove.add_argument("name")
    listing = sub.add_parser("list", help="the names that may log in")
    for p in (add, remove, listing):
        p.add_argument("--db", type=Path, help="the platform's SQLite file (default: the "
                       "embedded platform's)")
        p.set_defaults(handler=cmd_console_user)


def _password(args: argparse.Namespace) -> str:
    if args.stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(f"password for {args.name}: ")
    if getpass.getpass("again: ") != first:
        raise ValueError("the two passwords differ")
    return first


def cmd_console_user(args: argparse.Namespace, config: KioskConfig) -> int:
    from kiosk.devtree import dev_import
    from kiosk.link import platform_db

    console = dev_import("central.console", "the reference platform's fleet console")
    db = args.db or platform_db(config)
    db.parent.mkdir(parents=True, exist_ok=True)
    book = console.ConsoleBook.beside(db.parent)
    try:
        if args.console_action == "add":
            book.add_user(args.name, _password(args), replace=args.replace)
            print(f"{args.name} may log in to the console at <platform>/console/")
        elif args.console_action == "remove":
            if not book.remove_user(args.name):
                print(f"kiosk platform console-user: no user {args.name}", file=sys.stderr)
                return 1
            print(f"{args.name} removed")
        else:
            for name in book.users():
                print(name)
    except ValueError as e:
        print(f"kiosk platform console-user: {e}", file=sys.stderr)
        return 1
    finally:
        book.close()
    return 0

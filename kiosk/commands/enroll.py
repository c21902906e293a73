"""``kiosk enroll URL TOKEN``: this kiosk joins its platform with a one-time token.

Staff get the token from the platform (``kiosk platform terminal add ID`` on the reference
one) and type it here; the platform answers with the terminal's secret, written to the
configured secret file (0600). The token works once; the answer carries the secret, so
the platform must be reached over https (or on this machine, or with
``allow_insecure = true`` in a lab). A secret already there is replaced only with
``--replace`` (rotation: ``kiosk platform terminal rotate ID`` gives the token).
"""

from __future__ import annotations

import argparse
import sys

import requests

from kiosk.config import KioskConfig, insecure_url
from kiosk.link import secret_path, terminal_secret
from offline_cache import keystore
from offline_cache.durable import atomic_write


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("enroll", help="join the platform with a one-time token")
    p.add_argument("url", help="the platform's address (https://…)")
    p.add_argument("token", help="the one-time enrolment token the platform issued")
    p.add_argument("--replace", action="store_true",
                   help="replace the secret already there (rotation)")
    p.set_defaults(handler=cmd_enroll)


def cmd_enroll(args: argparse.Namespace, config: KioskConfig) -> int:
    url = args.url.rstrip("/")
    if not url.startswith(("https://", "http://")):
        return _fail("the platform's address must be https://…")
    if insecure_url(url) and not config.platform.allow_insecure:
        return _fail(f"{url} is plain http:// to another machine: the secret would cross the "
                     "network unencrypted; use https://")
    path = secret_path(config)
    cred = keystore.cred_path(path)
    if (path.exists() or cred.exists()) and not args.replace:
        return _fail(f"a terminal secret is already at {path} (--replace to rotate it)")
    try:
        r = requests.post(f"{url}/v1/enrol", timeout=30,
                          json={"terminal_id": config.terminal.id, "token": args.token},
                          verify=config.platform.ca_file or True)
        doc = r.json()
    except (requests.RequestException, ValueError) as e:
        return _fail(f"the platform could not be reached or did not answer ({e})")
    if r.status_code != 200:
        return _fail(f"refused: HTTP {r.status_code} {doc.get('error')}: {doc.get('detail')}")
    try:
        secret = bytes.fromhex(doc["secret"])
    except (KeyError, TypeError, ValueError):
        return _fail("the answer holds no secret")
    if doc.get("terminal_id") != config.terminal.id or len(secret) < 16:
        return _fail("the answer is not this terminal's enrolment")
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, secret.hex().encode() + b"\n", mode=0o600)
    cred.unlink(missing_ok=True)  # the old one's seal, if rotated
    terminal_secret(config)  # sealed by the OS where it can be
    kept = cred if cred.exists() else path
    print(f"terminal {config.terminal.id} enrolled at {url}; its secret is in {kept}")
    if config.platform.url not in (url, args.url):
        print(f"note: the config's platform.url is {config.platform.url!r}", file=sys.stderr)
    return 0


def _fail(why: str) -> int:
    print(f"kiosk enroll: {why}", file=sys.stderr)
    return 1

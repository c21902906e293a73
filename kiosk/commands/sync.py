"""``kiosk sync``: what has not reached the platform yet, and a round on demand.

    kiosk sync status [--json]   pending, uploading, failed, rejected, the oldest unsent
                                 case's age, disk use, who runs the sync worker, and each
                                 damaged local file as doctor names it (exit 1 then)
    kiosk sync now [--wait S]    a sync round now, every waiting record tried at once
                                 (backoffs skipped); exit 0 only if nothing is left unsent
    kiosk sync verify            every record and attachment still opens and matches

``now`` runs the round in this process when no other holds the sync lock (with the
embedded platform it starts it for the round); when the kiosk is running, it asks the
kiosk's worker and waits up to ``--wait`` seconds for that round to finish. Either way it
ends by saying what is still not on the platform, and why.

Each command first checks the kiosk's local files as a start does (``kiosk.integrity``):
a damaged one is moved aside and named. When the outbox or its key is among them, the
outbox is not opened (that would make a new one, or a new key, over what staff must first
examine): status says so, ``now`` and ``verify`` stop with exit 1.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from datetime import datetime
from typing import Any

from kiosk.config import KioskConfig
from kiosk.integrity import Damage, check_local_files
from kiosk.link import build_engine, connect_platform, open_outbox, outbox_dir, store_key_path
from offline_cache import keystore
from offline_cache.lock import ProcessLock
from offline_cache.outbox import CaseOutbox, State
from offline_cache.sync import RoundResult


def register(sub: argparse._SubParsersAction) -> None:
    sync = sub.add_parser("sync", help="the outbox and its sync to the platform")
    sync_sub = sync.add_subparsers(dest="sync_command")
    status = sync_sub.add_parser("status", help="what waits to be sent, and why")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    status.set_defaults(handler=cmd_status)
    now = sync_sub.add_parser("now", help="send everything waiting now (skips backoffs)")
    now.add_argument("--wait", type=float, default=120.0,
                     help="seconds to wait for a running kiosk's worker to do the round")
    now.set_defaults(handler=cmd_now)
    verify = sync_sub.add_parser("verify", help="check the outbox's data is intact")
    verify.set_defaults(handler=cmd_verify)


def worker_pid(config: KioskConfig) -> int | None:
    """The process running the sync worker, or None if none is."""
    path = outbox_dir(config) / "sync.lock"
    probe = ProcessLock(path)
    if probe.acquire():
        probe.release()
        return None
    text = path.read_text().strip()
    return int(text) if text.isdigit() else -1


def status_report(outbox: CaseOutbox, config: KioskConfig) -> dict[str, Any]:
    now = time.time()
    report = outbox.status().as_dict(now)
    last = outbox.get_meta("last_round_at")
    report["last_round_age_s"] = now - float(last) if last else None
    report["worker_pid"] = worker_pid(config)
    report["attention"] = [
        {"id": r.uuid, "kind": str(r.kind), "service": r.service, "state": str(r.state),
         "attempts": r.attempts, "error": r.last_error,
         "next_attempt_in_s": None if r.next_attempt_at is None else max(
             0.0, r.next_attempt_at - now)}
        for state in (State.REJECTED, State.FAILED) for r in outbox.records(state)]
    return report


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    s = int(seconds)
    return f"{s // 86400}d {s % 86400 // 3600}h" if s >= 86400 else (
        f"{s // 3600}h {s % 3600 // 60}m" if s >= 3600 else f"{s // 60}m {s % 60}s")


def damaged_files(config: KioskConfig) -> tuple[list[Damage], bool]:
    """The damaged local files (moved aside now or on an earlier start), and whether the
    outbox or its key is among them (then the outbox must not be opened)."""
    damaged = check_local_files(config)
    key = store_key_path(config)
    outbox_files = {key, keystore.cred_path(key), outbox_dir(config) / "outbox.sqlite3"}
    return damaged, any(d.path in outbox_files for d in damaged)


def _print_damaged(damaged: list[Damage]) -> None:
    for d in damaged:
        print(f"DAMAGED  {d.line()}")
    if damaged:
        print("OUT OF SERVICE until every file above is taken out of the data folder "
              "(examine or restore it first: nothing in it was deleted)")


def cmd_status(args: argparse.Namespace, config: KioskConfig) -> int:
    damaged, outbox_damaged = damaged_files(config)
    r: dict[str, Any] = {"outbox": None}
    if not outbox_damaged:
        outbox = open_outbox(config)
        try:
            r = status_report(outbox, config)
        finally:
            outbox.close()
    r["damaged"] = [d.as_dict() for d in damaged]
    if args.json:
        print(json.dumps(r, ensure_ascii=False, indent=2))
        return 1 if damaged else 0
    if outbox_damaged:
        print("outbox: not opened (it or its key is damaged; see below)")
        _print_damaged(damaged)
        return 1
    d = r["disk"]
    print(f"outbox: {r['pending']} pending, {r['uploading']} uploading, {r['failed']} failed, "
          f"{r['rejected']} rejected, {r['synced']} synced, {r['draft']} draft")
    print(f"oldest unsent: {_age(r['oldest_unsent_age_s'])}")
    print(f"disk: {d['used_bytes'] / 2**20:.1f} MiB of {d['limit_bytes'] >> 20} MiB "
          f"({d['level']}), {d['free_bytes'] / 2**30:.1f} GiB free")
    pid = r["worker_pid"]
    print(f"sync worker: {'not running' if pid is None else f'running (pid {pid})'}; "
          f"last round {_age(r['last_round_age_s'])} ago")
    for a in r["attention"]:
        when = "" if a["next_attempt_in_s"] is None else (
            f", next try in {_age(a['next_attempt_in_s'])}")
        print(f"  {a['state']:<8} {a['kind']} {a['id']} ({a['service']}), "
              f"{a['attempts']} attempt(s){when}: {a['error']}")
    _print_damaged(damaged)
    return 1 if damaged else 0


def _outbox_unusable(config: KioskConfig) -> bool:
    """True (after naming the files) when the outbox or its key is damaged."""
    damaged, outbox_damaged = damaged_files(config)
    if outbox_damaged:
        print("the outbox or its key is damaged: nothing was done")
        _print_damaged(damaged)
    return outbox_damaged


def cmd_now(args: argparse.Namespace, config: KioskConfig) -> int:
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING)
    if _outbox_unusable(config):
        return 1
    result = _round_here(config) if worker_pid(config) is None else None
    if result is None:
        return _ask_worker(config, args.wait)
    print(f"{result.synced} sent to the platform")
    return _report_unsent(config, "" if result.link_ok else result.last_error)


def _round_here(config: KioskConfig) -> RoundResult | None:
    """A round in this process, every backoff skipped (a technician is asking now); None
    if another process took the worker's lock first."""
    link = connect_platform(config)
    engine = build_engine(config, link.url)
    try:
        return engine.run_once(skip_backoff=True) if engine.try_lock() else None
    finally:
        engine.close()
        link.stop()


def _report_unsent(config: KioskConfig, link_error: str) -> int:
    """Say what is still not on the platform and why; 1 if anything is (or the platform
    could not be reached), else 0."""
    outbox = open_outbox(config)
    try:
        unsent = [r for st in (State.FAILED, State.UPLOADING, State.FINALIZED)
                  for r in outbox.records(st)]
        rejected = outbox.records(State.REJECTED)
    finally:
        outbox.close()
    if unsent:
        why = _plain(link_error or next((r.last_error for r in unsent if r.last_error), ""))
        print(f"{_records(len(unsent))} not sent: {why}. They stay in the outbox and are "
              "tried again.")
        for r in unsent:
            print(f"  {r.kind} {r.uuid} ({r.service}), {r.attempts} attempt(s): "
                  f"{r.last_error or 'not tried yet'}")
    elif link_error:
        print(f"nothing waits, but {_plain(link_error)}")
    if rejected:
        print(f"{_records(len(rejected))} refused by the platform; staff must look:")
        for r in rejected:
            print(f"  {r.kind} {r.uuid} ({r.service}): {r.last_error}")
    if not (unsent or rejected or link_error):
        print("nothing waits: every record is on the platform")
    return 1 if unsent or rejected or link_error else 0


def _records(n: int) -> str:
    return f"{n} record" + ("" if n == 1 else "s")


def _plain(error: str) -> str:
    """Why a record did not go, in words a technician on site acts on."""
    if not error:
        return "the sync worker has not delivered them yet"
    if error.startswith("outcome unknown"):
        return "the platform could not be reached (no answer, or an answer cut off)"
    if error.startswith("HTTP 401"):
        return ("the platform refused the terminal's signature; check its clock and secret "
                f"({error})")
    return f"the platform did not take them yet ({error})"


def _ask_worker(config: KioskConfig, wait: float) -> int:
    outbox = open_outbox(config)
    try:
        asked = time.time()
        outbox.request_round()
        print(f"asked the running sync worker (pid {worker_pid(config)}) for a round")
        done = _wait_round(outbox, asked, wait)
    finally:
        outbox.close()
    if not done:
        print(f"no round finished within {wait:.0f} s", flush=True)
        return 1
    print(f"round done at {datetime.now():%H:%M:%S}")
    return _report_unsent(config, "")


def _wait_round(outbox: CaseOutbox, since: float, wait: float) -> bool:
    end = time.monotonic() + wait
    while time.monotonic() < end:
        last = outbox.get_meta("last_round_at")
        if last and float(last) >= since:
            return True
        time.sleep(0.2)  # polling another process's progress; nothing to wait on here
    return False


def cmd_verify(args: argparse.Namespace, config: KioskConfig) -> int:
    if _outbox_unusable(config):
        return 1
    outbox = open_outbox(config)
    try:
        problems = outbox.verify()
    finally:
        outbox.close()
    for p in problems:
        print(p)
    print("outbox consistent" if not problems else f"{len(problems)} problem(s)")
    return 0 if not problems else 1

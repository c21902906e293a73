"""Remote commands from the platform, carried out on the kiosk (no Qt here).

The sync worker keeps each command of a heartbeat answer in the outbox and acknowledges it
as ``received``; this module carries them out, once each, on a thread of its own:

- ``restart_kiosk`` (exit status 3, as staff mode's 重启终端), ``restart_machine``
  (``kiosk.power.reboot``, as staff mode's 重启设备, or the command given; refused when
  ``staff.allow_reboot`` is false), ``lock`` (out-of-service screen with
  ``message``) and ``unlock``, ``refresh_catalog``, ``purge`` (personal data now: synced
  records' data, drafts, the session), ``diagnostics`` (masked logs and the doctor report,
  uploaded as an attachment blob; its sha256 is in the acknowledgement), ``set_config``
  (``key=value`` arguments, keys from ``ALLOWED_KEYS`` only), ``answer_help`` (staff's
  few words to a citizen who tapped 呼叫工作人员, ``message``; ``kiosk.help_call``).
- A command is written to ``<data>/remote/state.json`` as started before it runs and with
  its result after, so one seen again (after a restart too) never runs twice; one that
  was started and never finished (the kiosk stopped meanwhile) is reported failed.
- Its result is acknowledged as ``done``, ``refused`` or ``failed`` with a plain detail
  (again at the next start if the platform could not be reached) and logged (masked).
- What would disturb a citizen (restart, reboot, lock, purge) waits while one is being
  served, as a technician would expect of a machine in a hall: the citizen finishes (or
  the idle timeout ends the visit), then it runs. It stays ``received`` meanwhile.

What touches the screen goes through ``RemoteHost`` (``kiosk.remote_gui`` runs it on the
GUI thread); device and network I/O stay on this module's thread.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import ValidationError

from kiosk import power
from kiosk.config import KioskConfig
from kiosk.privacy import mask_text, masking_filter
from offline_cache.client import OutcomeUnknown, PlatformClient, PlatformRefused
from offline_cache.durable import atomic_write

if TYPE_CHECKING:
    from kiosk.context import KioskContext

log = logging.getLogger(__name__)

DONE, REFUSED, FAILED = "done", "refused", "failed"
STARTED = "started"
# Keys a technician may set from afar: what suits the room, never devices, platform or data.
ALLOWED_KEYS = frozenset({"voice.enabled", "voice.volume", "staff.idle_timeout",
                          "terminal.hall_name", "terminal.idle_timeout",
                          "terminal.help_phone", "terminal.high_contrast"})
COMMANDS = ("restart_kiosk", "restart_machine", "lock", "unlock", "refresh_catalog", "purge",
            "diagnostics", "set_config", "answer_help")
WAITS_FOR_CITIZEN = frozenset({"restart_kiosk", "restart_machine", "lock", "purge"})
LOG_TAIL_BYTES = 512 << 10  # of each log file in the diagnostics
CHUNK = 256 << 10
LEDGER_KEEP_SECONDS = 30 * 86400  # an acknowledged command is remembered this long
POLL_SECONDS = 1.0  # how often commands waiting for a citizen to finish are looked at


class RemoteHost(Protocol):
    """What the window does for a command; each call returns once it is done."""

    def busy(self) -> bool: ...  # a citizen is being served
    def lock(self, message: str) -> None: ...
    def unlock(self) -> None: ...
    def end_session(self, reason: str) -> None: ...
    def apply_config(self, config: KioskConfig) -> None: ...
    def restart_kiosk(self) -> None: ...


@dataclass(frozen=True)
class Outcome:
    status: str
    detail: str
    after: Callable[[], None] | None = None  # once acknowledged (a restart)


class Ledger:
    """``<data>/remote/state.json``: each command id seen and its result, the lock and the
    keys set from afar. Written whole and atomically after each change."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            doc = {}
        except (OSError, ValueError) as e:
            log.error("remote commands: %s unreadable (%s): starting a new one", path, e)
            doc = {}
        self.commands: dict[str, dict[str, Any]] = doc.get("commands", {})
        self.lock_message: str | None = doc.get("lock")
        self.config: dict[str, Any] = doc.get("config", {})

    def save(self) -> None:
        with self._lock:
            # A command acknowledged long ago is not sent again: forget it (months of
            # heartbeats must not grow the file for ever).
            old = time.time() - LEDGER_KEEP_SECONDS
            self.commands = {cid: c for cid, c in self.commands.items()
                             if not (c.get("acked") and c.get("at", 0) < old)}
            doc = {"commands": self.commands, "lock": self.lock_message, "config": self.config}
            self.path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(self.path, json.dumps(doc, ensure_ascii=False).encode("utf-8"))

    def set(self, cid: str, name: str, status: str, detail: str = "") -> None:
        self.commands[cid] = {"name": name, "status": status, "detail": detail,
                              "acked": False, "at": time.time()}
        self.save()


def ledger_path(config: KioskConfig) -> Path:
    return config.data_dir / "remote" / "state.json"


def _with_keys(config: KioskConfig, values: dict[str, Any]) -> KioskConfig:
    """``config`` with dotted ``values`` set, validated as a whole (ValidationError)."""
    doc = config.model_dump()
    for key, value in values.items():
        section, _, name = key.partition(".")
        doc[section][name] = value
    return KioskConfig.model_validate(doc)


def with_remote_config(config: KioskConfig) -> KioskConfig:
    """The configuration with the keys set by remote commands (kept in the data folder:
    the configuration file itself may be read-only, e.g. under /etc)."""
    values = {k: v for k, v in Ledger(ledger_path(config)).config.items() if k in ALLOWED_KEYS}
    if not values:
        return config
    try:
        return _with_keys(config, values)
    except ValidationError as e:
        log.error("remote commands: keys set from afar no longer valid, not applied: %s", e)
        return config


class RemoteCommands:
    """Carries out the commands the sync worker received, on a thread of its own."""

    def __init__(self, ctx: KioskContext, host: RemoteHost,
                 reboot: Callable[[], None] | Sequence[str] | None = None) -> None:
        assert ctx.outbox is not None and ctx.link is not None
        self.ctx = ctx
        self.host = host
        self.reboot = reboot  # None: kiosk.power.reboot (staff mode's too)
        self.ledger = Ledger(ledger_path(ctx.config))
        c = ctx.config
        self.client = PlatformClient(ctx.link.url, c.terminal.id, _secret(c),
                                     ca_file=c.platform.ca_file,
                                     deadline=c.platform.request_deadline)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._waiting: set[str] = set()  # ids logged as waiting for a citizen
        self._unsubscribe: Callable[[], None] = lambda: None

    @property
    def locked(self) -> str | None:
        return self.ledger.lock_message

    # --- the thread --------------------------------------------------------------------------
    def start(self) -> None:
        if self.ctx.sync is not None:  # after each round (and its heartbeat): look at once
            self._unsubscribe = self.ctx.sync.on_status(lambda _s: self._wake.set())
        self._thread = threading.Thread(target=self._run, name="remote-commands", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        unsubscribe, self._unsubscribe = self._unsubscribe, lambda: None
        unsubscribe()
        self._stop.set()
        self._wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=2)  # it may be waiting for the GUI thread: not long
        if self._thread is None or not self._thread.is_alive():
            self.client.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_pending()
            except sqlite3.ProgrammingError:  # the outbox closed: the kiosk is stopping
                return
            except Exception:  # a bug must not end remote commands for good
                log.exception("remote commands: round failed")
            self._wake.wait(POLL_SECONDS)
            self._wake.clear()

    # --- one pass ----------------------------------------------------------------------------
    def run_pending(self) -> None:
        """Carry out each command received and not yet done; acknowledge what is unsent."""
        assert self.ctx.outbox is not None
        for c in self.ctx.outbox.commands():
            if self._stop.is_set():
                return
            cid, name = c["id"], c["name"]
            entry = self.ledger.commands.get(cid)
            if entry is None:
                if name in WAITS_FOR_CITIZEN and self.host.busy():
                    if cid not in self._waiting:
                        self._waiting.add(cid)
                        log.info("remote command %s %s waits: a citizen is being served",
                                 cid, name)
                    continue
                self._carry_out(cid, name, c["args"])
            elif entry["status"] == STARTED:  # the kiosk stopped while it ran
                self._finish(cid, name, Outcome(FAILED, "interrupted: the kiosk stopped "
                                                "while it ran; not run again"))
            elif not entry["acked"]:
                self._acknowledge(cid)

    def _carry_out(self, cid: str, name: str, args: dict[str, Any]) -> None:
        self._waiting.discard(cid)
        self.ledger.set(cid, name, STARTED)  # before it runs: never twice
        log.info("remote command %s %s started", cid, name)
        handler = getattr(self, f"_do_{name}", None)
        if handler is None:
            outcome = Outcome(REFUSED, f"unknown command {name!r}")
        else:
            try:
                outcome = handler(args if isinstance(args, dict) else {})
            except Exception as e:  # noqa: BLE001 - reported to the platform, not raised
                log.exception("remote command %s %s failed", cid, name)
                outcome = Outcome(FAILED, f"{type(e).__name__}: {e}")
        self._finish(cid, name, outcome)
        if outcome.after is not None:
            outcome.after()

    def _finish(self, cid: str, name: str, outcome: Outcome) -> None:
        detail = mask_text(outcome.detail)[:500]
        self.ledger.set(cid, name, outcome.status, detail)
        level = logging.INFO if outcome.status == DONE else logging.WARNING
        log.log(level, "remote command %s %s %s: %s", cid, name, outcome.status, detail)
        self._acknowledge(cid)

    def _acknowledge(self, cid: str) -> None:
        entry = self.ledger.commands[cid]
        try:
            self.client.ack_command(cid, entry["status"], entry["detail"])
        except (OutcomeUnknown, PlatformRefused) as e:
            log.warning("remote command %s: acknowledgement not delivered (again later): %s",
                        cid, e)
            return
        entry["acked"] = True
        self.ledger.save()

    # --- the commands ------------------------------------------------------------------------
    def _do_restart_kiosk(self, _args: dict[str, Any]) -> Outcome:
        return Outcome(DONE, "restarting the kiosk (exit status 3)", self.host.restart_kiosk)

    def _do_restart_machine(self, _args: dict[str, Any]) -> Outcome:
        if not self.ctx.config.staff.allow_reboot:
            return Outcome(REFUSED, "rebooting is not allowed on this kiosk "
                           "(staff.allow_reboot = false)")
        if callable(self.reboot):
            return Outcome(DONE, "rebooting the machine", self.reboot)
        try:
            done = power.reboot() if self.reboot is None else power.run_reboot(self.reboot)
        except power.RebootFailed as e:
            return Outcome(FAILED, str(e))
        if done == power.WOULD_REBOOT:
            return Outcome(DONE, "development kiosk: would reboot the machine, not rebooted")
        return Outcome(DONE, f"rebooting the machine "
                       f"({' '.join(self.reboot or power.REBOOT_COMMAND)})")

    def _do_lock(self, args: dict[str, Any]) -> Outcome:
        message = str(args.get("message", "")).strip()[:200]
        self.ledger.lock_message = message
        self.ledger.save()
        self.host.end_session("remote_lock")
        self.host.lock(message)
        return Outcome(DONE, "locked: out-of-service screen shown")

    def _do_unlock(self, _args: dict[str, Any]) -> Outcome:
        if self.ledger.lock_message is None:
            return Outcome(DONE, "was not locked")
        self.ledger.lock_message = None
        self.ledger.save()
        self.host.unlock()
        return Outcome(DONE, "unlocked: home screen shown")

    def _do_answer_help(self, args: dict[str, Any]) -> Outcome:
        message = str(args.get("message", "")).strip()[:100] or "工作人员已收到，请稍候"
        if not self.ctx.help.answer(message):
            return Outcome(REFUSED, "nobody is waiting for help at this kiosk")
        if self.ctx.sync is not None:
            self.ctx.sync.trigger("heartbeat")  # the console sees it answered at once
        return Outcome(DONE, "answer shown on the kiosk")

    def _do_refresh_catalog(self, _args: dict[str, Any]) -> Outcome:
        from kiosk.guide import GuideUnavailable, open_catalog_cache

        assert self.ctx.link is not None
        cache = open_catalog_cache(self.ctx.config, self.ctx.link.url)
        try:
            cached = cache.refresh()
        except GuideUnavailable as e:
            return Outcome(FAILED, f"catalog not refreshed: {e}")
        finally:
            cache.close()
        if not cached.online:
            return Outcome(FAILED, f"catalog not refreshed: {cached.problem}")
        return Outcome(DONE, f"catalog {cached.etag} current")

    def _do_purge(self, _args: dict[str, Any]) -> Outcome:
        assert self.ctx.outbox is not None
        self.host.end_session("remote_purge")
        n = self.ctx.outbox.purge(older_than=0.0, drafts_older_than=0.0)
        left = self.ctx.outbox.status()
        return Outcome(DONE, f"session wiped; {n} synced record(s) and draft(s) purged; "
                       f"{left.pending} waiting to be sent kept")

    def _do_diagnostics(self, _args: dict[str, Any]) -> Outcome:
        blob = gzip.compress(json.dumps(self.diagnostics(), ensure_ascii=False)
                             .encode("utf-8"), mtime=0)
        sha = hashlib.sha256(blob).hexdigest()
        try:
            self._upload(sha, blob)
        except (OutcomeUnknown, PlatformRefused) as e:
            return Outcome(FAILED, f"diagnostics not uploaded: {e}")
        return Outcome(DONE, f"diagnostics uploaded: sha256 {sha} ({len(blob)} bytes, gzip "
                       "JSON)")

    def _do_set_config(self, args: dict[str, Any]) -> Outcome:
        if not args:
            return Outcome(REFUSED, "no key given (key=value)")
        outside = sorted(k for k in args if k not in ALLOWED_KEYS)
        if outside:
            return Outcome(REFUSED, f"not allowed from afar: {', '.join(outside)} (allowed: "
                           f"{', '.join(sorted(ALLOWED_KEYS))})")
        try:
            config = _with_keys(self.ctx.config, args)
        except ValidationError as e:
            why = "; ".join(f"{'.'.join(map(str, x['loc']))}: {x['msg']}" for x in e.errors())
            return Outcome(REFUSED, f"invalid value: {why}")
        for key in args:
            section, _, name = key.partition(".")
            self.ledger.config[key] = getattr(getattr(config, section), name)
        self.ledger.save()
        self.host.apply_config(config)
        return Outcome(DONE, "set " + ", ".join(f"{k}={self.ledger.config[k]}" for k in args))

    # --- diagnostics -------------------------------------------------------------------------
    def diagnostics(self) -> dict[str, Any]:
        """The doctor report of the running kiosk and the tail of its logs, masked again
        here (whatever reached a log file by another way than the masking formatter): ID
        and mobile numbers, and the names of the citizens being served now."""
        from kiosk.cli import doctor_report

        logs = {}
        folder = self.ctx.config.data_dir / "logs"
        for path in sorted(folder.glob("kiosk.log*")):
            with path.open("rb") as f:
                f.seek(max(0, path.stat().st_size - LOG_TAIL_BYTES))
                logs[path.name] = masking_filter.mask(f.read().decode("utf-8", "replace"))
        return {"terminal": self.ctx.config.terminal.id, "made_at": time.time(),
                "doctor": doctor_report(self.ctx.config, self.ctx), "logs": logs}

    def _upload(self, sha: str, blob: bytes) -> None:
        state = self.client.upload_state(sha)
        offset = state.received
        for _ in range(2 * (len(blob) // CHUNK) + 4):
            if state.complete:
                return
            state = self.client.send_chunk(sha, len(blob), offset, blob[offset:offset + CHUNK])
            offset = state.received
        if not state.complete:
            raise OutcomeUnknown(f"upload of {sha[:12]} made no progress")


def _secret(config: KioskConfig) -> bytes:
    from kiosk.link import terminal_secret

    return terminal_secret(config)

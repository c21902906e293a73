"""维护模式 (staff mode): hall technicians see and test the devices, the paper, the outbox and
the link, read the (masked) log and take it away on a USB stick, and restart the kiosk or
leave it for the desktop (only here).

No tile: the window's staff gate (``kiosk.staff_mode``) starts it after the hidden corner
gesture (then the PIN on the digit pad) or on a staff card. Every entry, refusal and action
goes to the staff audit (``kiosk.staff``); staff mode leaves by itself after
``staff.idle_timeout`` seconds untouched.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from drivers.base import DeviceState
from kiosk import power, usb
from kiosk.flow import Flow
from kiosk.staff import CheckResult, DeviceChecks, PinGate, StaffAudit, verify_secret
from offline_cache.outbox import RecordView, State

log = logging.getLogger(__name__)

PIN, PAGES = "staff_pin", "staff"
PIN_MAX_DIGITS = 12


@dataclass(frozen=True)
class DeviceRow:
    name: str  # the worker's name: idcard, sscard, printer, a4printer, camera
    state: str  # staff.state.<state>
    code: str
    reason: str


@dataclass(frozen=True)
class PaperView:
    left_m: float
    roll_m: float
    fraction: float
    used_m: float
    refilled_at: float  # epoch seconds; 0: never recorded
    sensor: str  # ok / near_end / out / unknown
    a4: str | None  # the A4 printer's paper (ok / near_end / out / unknown); None: no A4


@dataclass(frozen=True)
class OutboxRow:
    uuid: str
    kind: str
    service: str
    state: str
    age_s: float
    reason: str  # staff.reason.<reason>
    code: str  # the recorded error, for the technician
    retry: bool  # staff may send it again
    export: bool = False  # refused, and readable: staff may take it to a counter (导出)


@dataclass(frozen=True)
class OutboxView:
    pending: int
    failed: int
    rejected: int
    oldest_age_s: float | None
    rows: list[OutboxRow] = field(default_factory=list)


@dataclass(frozen=True)
class NetworkView:
    online: bool
    link: str  # ok / down / standby / unknown
    last_round_age_s: float | None
    last_error: str


@dataclass(frozen=True)
class ExportResult:
    """What 导出到U盘 did: ``key`` under ``staff.export.`` (done / no_stick / failed)."""

    key: str
    where: str = ""  # on the stick: its name, then the folder or file on it
    code: str = ""  # why it failed, for the technician


def _on_stick(stick: Path, path: Path) -> str:
    """Where on the stick, as staff find it there: the stick's name, then the path on it."""
    return f"{stick.name}/{path.relative_to(stick).as_posix()}"


def plain_reason(state: State, error: str) -> tuple[str, bool]:
    """Why a record waits or was refused, as a ``staff.reason.*`` key, and whether sending
    it again can help."""
    if state is State.REJECTED:
        if error.startswith("local key lost") or error.startswith("local data unreadable"):
            return "unreadable", False
        if error.startswith(("invalid_", "bad_json", "hash_mismatch", "grade_required")):
            return "invalid", True
        if error.startswith(("conflict", "stale_revision", "request_id_reused")):
            return "conflict", True
        return "refused", True
    if state is State.FAILED:
        if error.startswith("outcome unknown"):
            return "link", True
        if error.startswith("internal error"):
            return "internal", True
        if error.startswith(("unsigned", "expired", "replayed", "wrong_terminal")):
            return "not_enrolled", True
        return "busy", True
    return "waiting", False


class StaffFlow(Flow):
    id = "staff"
    steps = {PIN: "screens.staff:PinPadScreen", PAGES: "screens.staff:StaffScreen"}

    def __init__(self, host: Any) -> None:
        super().__init__(host)
        data = self.ctx.config.data_dir / "staff"
        self.audit = StaffAudit(data / "audit.jsonl")
        self.gate = PinGate(data / "pin.json", host.now)
        self.checks = DeviceChecks(self.ctx)
        self.ctx.devices.add_listener(self.checks.card_event)
        # What the window does for staff (restart, exit): set by kiosk.staff_mode.
        self.system: Callable[[str], None] | None = None
        self.inside = False  # on a staff page (not the PIN pad)
        self.method = ""  # how staff got in: pin / card
        self.last_touch = 0.0
        self.checking = False  # a PIN is being checked
        self._lock_shown = False  # the pad says it is locked

    @property
    def idle_timeout(self) -> float:
        return float(self.ctx.config.staff.idle_timeout)

    def bind(self, step: str, screen: Any) -> None:
        if step == PIN:
            screen.entered.connect(self.check_pin)
            return
        screen.idle_seconds = self.ctx.config.staff.idle_timeout
        screen.touched.connect(self.touch)
        screen.page_shown.connect(self.refresh)
        screen.test_device.connect(self.test_device)
        screen.paper_refilled.connect(self.paper_refilled)
        screen.retry.connect(self.retry)
        screen.export_record.connect(self.export_record)
        screen.sync_now.connect(self.sync_now)
        screen.system.connect(self.system_action)
        screen.volume_step.connect(self.volume_step)
        screen.export_logs.connect(self.export_logs)
        screen.set_reboot_allowed(self.ctx.config.staff.allow_reboot)

    # --- in --------------------------------------------------------------------------------
    def start(self) -> None:
        if self.arg.startswith("card:"):
            self.enter("card", card=int(self.arg[5:]))
            return
        self.checking = False
        pad = self.host.screen(PIN)
        self._prompt_pin(pad)
        self.host.go(PIN)

    def _prompt_pin(self, pad: Any, title: str = "staff.pin_title", **fmt: object) -> None:
        locked = self.gate.locked_for()
        self._lock_shown = locked > 0
        if locked > 0:
            title, fmt = "staff.pin_locked", {"s": int(locked + 0.999)}
        pad.prompt(title, "staff.pin_hint", PIN_MAX_DIGITS, **fmt)

    def check_pin(self, pin: str) -> None:
        pad = self.host.screen(PIN)
        if self.checking:
            return
        if self.gate.locked_for() > 0:
            self.audit.record("pin_while_locked")
            self._prompt_pin(pad)
            return
        self.checking = True
        self.host.run(verify_secret, pin, self.ctx.config.staff.pin_hash,
                      on_done=self._pin_checked)

    def _pin_checked(self, fut: Future[bool]) -> None:
        self.checking = False
        try:
            ok = fut.result()
        except Exception:  # a damaged hash in the configuration: nobody gets in
            log.exception("staff PIN not checked")
            ok = False
        outcome = self.gate.record(ok)
        pad = self.host.screen(PIN)
        if outcome.ok:
            self.enter("pin")
            return
        if outcome.locked_for > 0:
            self.audit.record("pin_locked", failures=self.gate.failures,
                              seconds=int(outcome.locked_for))
            self._prompt_pin(pad)
        else:
            self.audit.record("pin_wrong", tries_left=outcome.tries_left)
            self._prompt_pin(pad, "staff.pin_wrong", n=outcome.tries_left)
        self.host.content_changed()

    def enter(self, method: str, **detail: Any) -> None:
        self.method = method
        self.audit.record("entered", method=method, **detail)
        self.inside = True
        self.last_touch = self.host.now()
        self.host.screen(PAGES).show_page("devices")
        (self.host.replace if self.host.step == PIN else self.host.go)(PAGES)

    # --- pages -------------------------------------------------------------------------------
    def touch(self) -> None:
        self.last_touch = self.host.now()

    def refresh(self, page: str) -> None:
        screen = self.host.screen(PAGES)
        if page == "devices":
            screen.show_devices(self.device_rows())
        elif page == "consumables":
            screen.show_paper(self.paper_view())
        elif page == "outbox":
            self.host.run(self.outbox_view, on_done=lambda f: screen.show_outbox(f.result()))
        elif page == "network":
            screen.show_network(self.network_view())
        elif page == "logs":
            self.host.run(self.log_lines, on_done=lambda f: screen.show_logs(f.result()))
        elif page == "system":
            voice = self.ctx.volume is not None and self.ctx.config.voice.enabled
            screen.show_volume(self.ctx.volume.value if voice else None)

    def device_rows(self) -> list[DeviceRow]:
        return [DeviceRow(name, _state(w.status.state, w.status.code), w.status.code,
                          w.status.reason)
                for name, w in self.ctx.devices.workers.items()]

    def device_changed(self, device: str, status: Any) -> None:
        if self.inside and self.host.step == PAGES:
            self.host.screen(PAGES).show_devices(self.device_rows())

    def test_device(self, device: str) -> None:
        self.audit.record("device_test", device=device)
        screen = self.host.screen(PAGES)
        screen.show_check(device, None)

        def done(fut: Future[CheckResult]) -> None:
            if fut.cancelled():
                return
            result = fut.result()
            self.audit.record("device_test_done", device=device, ok=result.ok,
                              result=result.key)
            screen.show_check(device, result)

        self.host.watch(self.checks.run(device), done, keep_on_leave=True)

    def paper_view(self) -> PaperView:
        paper = self.ctx.paper
        printer = self.ctx.devices.workers.get("printer")
        sensor = "unknown"
        if printer is not None:
            st = printer.status
            sensor = ("out" if st.code == "printer.paper_out"
                      else str(st.details.get("paper", "unknown")))
        a4 = self.ctx.devices.a4printer
        a4_paper = None if a4 is None else str(a4.status.details.get(
            "paper", "out" if a4.status.code.endswith("paper_out") else "unknown"))
        assert paper is not None
        return PaperView(paper.left_mm / 1000, paper.roll_mm / 1000, paper.fraction_left,
                         paper.used_mm / 1000,
                         paper.refilled_at, sensor, a4_paper)

    def volume_step(self, steps: int) -> None:
        """Louder or softer: kept for the next start, heard at once, audited."""
        assert self.ctx.volume is not None
        value = self.ctx.volume.step(steps)
        self.audit.record("voice_volume", volume=value)
        self.host.screen(PAGES).show_volume(value)

    def paper_refilled(self) -> None:
        assert self.ctx.paper is not None
        self.ctx.paper.refilled()
        self.audit.record("paper_refilled", roll_m=self.ctx.config.devices.printer.roll_length_m)
        self.host.screen(PAGES).show_paper(self.paper_view())

    def outbox_view(self) -> OutboxView:
        """Off the GUI thread: it reads the outbox."""
        box = self.ctx.outbox
        assert box is not None
        now = time.time()
        st = box.status()
        rows = [self._row(r, now) for state in (State.REJECTED, State.FAILED, State.FINALIZED)
                for r in box.records(state)]
        return OutboxView(st.pending + st.uploading, st.failed, st.rejected,
                          st.oldest_unsent_age(now), rows)

    @staticmethod
    def _row(r: RecordView, now: float) -> OutboxRow:
        reason, can_retry = plain_reason(r.state, r.last_error)
        return OutboxRow(r.uuid, str(r.kind), r.service, str(r.state),
                         now - (r.finalized_at or r.created_at), reason,
                         r.last_error.split(":")[0][:40], can_retry,
                         r.state is State.REJECTED and reason != "unreadable" and not r.purged)

    def retry(self, uuid: str) -> None:
        """One record sent again now ("" : every failed one)."""
        box, sync = self.ctx.outbox, self.ctx.sync
        assert box is not None
        self.audit.record("outbox_retry", record=uuid or "all_failed")

        def work() -> OutboxView:
            if uuid and box.record(uuid).state is State.REJECTED:
                box.retry_rejected(uuid)
            if sync is not None:
                sync.trigger("network")  # also lets failed ones skip their backoff
            return self.outbox_view()

        screen = self.host.screen(PAGES)
        self.host.run(work, on_done=lambda f: screen.show_outbox(f.result()))

    def export_record(self, uuid: str) -> None:
        """A refused record to a USB stick for a counter (a zip: README.txt, the form, the
        files), off the GUI thread; audited by its id, never by what it holds."""
        self.audit.record("record_export", record=uuid)
        screen = self.host.screen(PAGES)
        screen.show_record_export(None)

        def done(fut: Future[ExportResult]) -> None:
            result = fut.result()
            self.audit.record("record_export_done", record=uuid, result=result.key,
                              **({"file": result.where} if result.where else {}),
                              **({"code": result.code} if result.code else {}))
            screen.show_record_export(result)

        self.host.run(self._export_record, uuid, on_done=done, keep_on_leave=True)

    def _export_record(self, uuid: str) -> ExportResult:
        from kiosk.i18n import catalog
        from offline_cache.crypto import SealError
        from offline_cache.sqlite import StoreError

        box, config = self.ctx.outbox, self.ctx.config
        assert box is not None
        stick = usb.find_stick(config.staff.usb_roots)
        if stick is None:
            return ExportResult("no_stick")
        try:
            record = box.record(uuid)
            body = box.body(uuid)
            files = [(ref, box.read_blob(uuid, ref.sha256)) for ref in box.attachments(uuid)]
        except (SealError, StoreError, OSError, ValueError) as e:
            log.warning("staff: record %s not readable for export: %s", uuid, e)
            return ExportResult("unreadable", code=type(e).__name__)
        if body is None:
            return ExportResult("purged")
        zh = catalog("zh_CN")
        reason, _ = plain_reason(record.state, record.last_error)
        try:
            path = usb.export_case(stick, config.terminal.id, config.terminal.hall_name, record,
                                   body, files, zh.get(f"service.{record.service}",
                                                       record.service),
                                   zh[f"staff.reason.{reason}"], datetime.now())
        except OSError as e:
            log.warning("staff: record %s not exported to %s: %s", uuid, stick, e)
            return ExportResult("failed", code=type(e).__name__)
        return ExportResult("done", _on_stick(stick, path))

    def network_view(self) -> NetworkView:
        sync = self.ctx.sync
        st = sync.status if sync is not None else None
        age = None if st is None or st.last_round_at is None else time.time() - st.last_round_at
        return NetworkView(self.ctx.network.up, st.link if st else "unknown", age,
                           st.last_error if st else "")

    def sync_now(self) -> None:
        self.audit.record("sync_now")
        if self.ctx.sync is not None:
            self.ctx.sync.trigger("network")
        self.host.screen(PAGES).show_network(self.network_view())

    # --- logs ------------------------------------------------------------------------------
    @property
    def log_dir(self) -> Path:
        return self.ctx.config.data_dir / "logs"

    def log_lines(self) -> list[str]:
        """Off the GUI thread: the last lines of the kiosk's log, masked."""
        return usb.log_tail(self.log_dir)

    def export_logs(self) -> None:
        """The masked logs and the doctor report to a USB stick, off the GUI thread."""
        self.audit.record("logs_export")
        screen = self.host.screen(PAGES)
        screen.show_export(None)

        def done(fut: Future[ExportResult]) -> None:
            result = fut.result()
            self.audit.record("logs_export_done", result=result.key,
                              **({"folder": result.where} if result.where else {}),
                              **({"code": result.code} if result.code else {}))
            screen.show_export(result)

        self.host.run(self._export_logs, on_done=done, keep_on_leave=True)

    def _export_logs(self) -> ExportResult:
        from kiosk.cli import doctor_report

        config = self.ctx.config
        stick = usb.find_stick(config.staff.usb_roots)
        if stick is None:
            return ExportResult("no_stick")
        try:
            folder = usb.export_logs(stick, self.log_dir, doctor_report(config, self.ctx),
                                     config.terminal.id, datetime.now())
        except OSError as e:
            log.warning("staff: logs not exported to %s: %s", stick, e)
            return ExportResult("failed", code=type(e).__name__)
        return ExportResult("done", _on_stick(stick, folder))

    def system_action(self, action: str) -> None:
        """restart (the kiosk starts again), reboot (the machine restarts) or desktop (the
        kiosk ends; only from here)."""
        self.audit.record(action)
        if action == "reboot":
            self.reboot()
            return
        if self.system is None:
            log.warning("staff asked for %s, which this window cannot do", action)
            return
        self.system(action)

    def reboot(self) -> None:
        """重启设备: ``kiosk.power.reboot`` (as the platform's restart_machine), off the GUI
        thread; a development kiosk only says it would."""
        screen = self.host.screen(PAGES)
        if not self.ctx.config.staff.allow_reboot:
            return
        screen.show_reboot(None)

        def done(fut: Future[str]) -> None:
            try:
                key = fut.result()
            except power.RebootFailed as e:
                log.error("staff: reboot failed: %s", e)
                key = "failed"
            self.audit.record("reboot_done", result=key)
            screen.show_reboot(key)

        self.host.run(lambda: power.reboot(), on_done=done, keep_on_leave=True)

    # --- out -------------------------------------------------------------------------------
    def tick(self, now: float) -> bool:
        if self.host.step != PAGES:
            locked = self.gate.locked_for() > 0
            if self.host.step == PIN and (locked or self._lock_shown):
                self._prompt_pin(self.host.screen(PIN))  # the seconds left, counting down
            return False  # the PIN pad: the citizen's idle question applies
        if now - self.last_touch >= self.idle_timeout:
            self.audit.record("left", reason="idle")
            self.inside = False
            self.host.end_visit("staff_idle")
        return True

    def left(self) -> None:
        if self.inside:
            self.audit.record("left", reason="home")
        self.inside = False
        self.checking = False
        self.checks.cancel()

    def close(self) -> None:
        self.checks.close()


def _state(state: DeviceState, code: str) -> str:
    if code == "printer.paper_out":
        return "paper_out"
    return str(state)

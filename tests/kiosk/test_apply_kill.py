"""自助申报 survives the kiosk being killed right after 提交.

A real kiosk process (offscreen, simulated devices, the embedded platform) is driven through
the apply flow by taps: card, 受理条件, the form, a material photographed under the document
camera, a 容缺 promise signed, review, 提交. Once the case is finalized in the outbox the
process is killed with SIGKILL, in one of two moments: before the sync worker took it (another
process holds the sync lock, so the case is exactly "finalized"), or while the sync worker is
uploading it over a link that holds every request back ("uploading"). A second kiosk process
then starts on the same data folder: the case reaches the platform exactly once with its
attachments byte for byte, and the screen is the home screen with nothing of the citizen.

The kiosk processes run this module (``python -m tests.kiosk.test_apply_kill MODE CONFIG``)."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from central.store import PlatformStore
from kiosk.config import load_config
from kiosk.link import open_outbox, platform_db
from offline_cache.lock import ProcessLock

MARKER = "CASE-FINALIZED "
RESULT = "RESTART-RESULT "
REPO = Path(__file__).resolve().parents[2]


# --- the parent: the test ---------------------------------------------------------------------
def _config_file(tmp_path: Path) -> Path:
    cfg = tmp_path / "kiosk.toml"
    # No heartbeat during the visit: the sync worker is free when the case is finalized.
    cfg.write_text(f'[data]\ndir = "{(tmp_path / "data").as_posix()}"\n'
                   "[platform]\nheartbeat_interval = 3600\n", encoding="utf-8")
    return cfg


@pytest.fixture
def kiosks() -> Iterator[Callable[[str, Path], subprocess.Popen[str]]]:
    """Starts kiosk processes; any still running when the test ends is killed."""
    started: list[subprocess.Popen[str]] = []

    def start(mode: str, cfg: Path) -> subprocess.Popen[str]:
        started.append(_kiosk(mode, cfg))
        return started[-1]

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=30)


def _kiosk(mode: str, cfg: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "KIOSK_DEV": "1",
           "QT_IM_MODULE": "qtvirtualkeyboard", "QT_VIRTUALKEYBOARD_DESKTOP_DISABLE": "1",
           "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "tests.kiosk.test_apply_kill", mode,
                             str(cfg)], cwd=REPO, env=env, text=True, encoding="utf-8",
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _line_starting(proc: subprocess.Popen[str], prefix: str, timeout: float) -> str:
    """The first stdout line of ``proc`` that starts with ``prefix`` (without it)."""
    found: list[str] = []
    seen: list[str] = []

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith(prefix):
                found.append(line[len(prefix):])
                return
            seen.append(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout)
    if not found:
        proc.kill()
        _, err = proc.communicate(timeout=30)
        raise AssertionError(f"no {prefix.strip()} line from the kiosk within {timeout} s "
                             f"(exit {proc.returncode}); stdout: {''.join(seen)[-2000:]}\n"
                             f"stderr: {err[-4000:]}")
    return found[0]


def _outbox_rows(data: Path, uuid: str) -> tuple[tuple[Any, ...], list[tuple[Any, ...]]]:
    """The case's row and its attachments, read as they lie on disk (read only: nothing
    of the kiosk's own opening, recovery or sweeping happens here)."""
    db = sqlite3.connect(f"file:{data / 'outbox' / 'outbox.sqlite3'}?mode=ro", uri=True)
    try:
        record = db.execute("SELECT kind, state, finalized_at, body IS NOT NULL FROM record "
                            "WHERE uuid = ?", (uuid,)).fetchone()
        files = db.execute("SELECT sha256, size, role FROM attachment WHERE case_uuid = ? "
                           "ORDER BY role", (uuid,)).fetchall()
    finally:
        db.close()
    return record, files


def _wait_for_state(data: Path, uuid: str, state: str, timeout: float) -> None:
    end = time.monotonic() + timeout
    while _outbox_rows(data, uuid)[0][1] != state:
        assert time.monotonic() < end, f"the case did not become {state!r} in {timeout} s"
        time.sleep(0.01)


@pytest.mark.parametrize("moment", ["finalized", "uploading"])
def test_a_case_submitted_just_before_a_kill_reaches_the_platform_once(tmp_path, moment,
                                                                       kiosks):
    cfg = _config_file(tmp_path)
    data = tmp_path / "data"
    # "finalized": as while ``kiosk sync now`` runs elsewhere, the kiosk's worker waits.
    other_worker = ProcessLock(data / "outbox" / "sync.lock")
    if moment == "finalized":
        held = other_worker.acquire()
        assert held
    first = kiosks(moment, cfg)
    saved = json.loads(_line_starting(first, MARKER, timeout=90))
    uuid = saved["uuid"]
    if moment == "uploading":
        _wait_for_state(data, uuid, "uploading", timeout=15)
    first.send_signal(signal.SIGKILL)  # no handler, no flush, no atexit: gone
    first.communicate(timeout=30)
    other_worker.release()
    assert first.returncode == -signal.SIGKILL
    # Nothing was printed before the case was safe in the outbox.
    assert saved["receipts_printed"] == 0

    record, files = _outbox_rows(data, uuid)
    assert record is not None, "the case is not in the outbox after the kill"
    kind, state, finalized_at, has_body = record
    assert (kind, state, has_body) == ("case", moment, 1) and finalized_at is not None
    roles = sorted(role for _, _, role in files)
    assert roles == ["material:" + saved["material"], "signature", "signature-strokes"]

    second = kiosks("restart", cfg)
    result = json.loads(_line_starting(second, RESULT, timeout=90))
    _, err = second.communicate(timeout=60)
    assert second.returncode == 0 and "Traceback" not in err, err[-4000:]
    assert result["error"] == "", result["error"]

    # The restarted kiosk: the home screen, and nothing of the citizen anywhere on it.
    assert (result["step"], result["current_is_home"], result["identity"]) == (
        "home", True, False)
    for shown in (result["texts_at_start"], result["texts_synced"]):
        for secret in saved["citizen"]:
            hits = [t for t in shown if secret in t]
            assert not hits, f"the restarted kiosk shows {secret!r}: {hits}"

    config = load_config(cfg, dev=True)
    outbox = open_outbox(config)
    store = PlatformStore(platform_db(config))
    try:
        view = outbox.record(uuid)
        assert view.state == "synced" and view.revision == 1
        cases = store.records("case")
        assert [c["id"] for c in cases] == [uuid], "the platform does not hold it exactly once"
        body = cases[0]["body"]
        assert body["form"]["case_number"] == saved["case_number"]
        listed = {a["role"]: (a["sha256"], a["size"]) for a in body["attachments"]}
        assert listed == {role: (sha, size) for sha, size, role in files}
        for sha, size, role in files:
            kept = outbox.read_blob(uuid, sha)  # what the kiosk sealed at 提交
            held = store.read_blob(sha)
            assert len(held) == size and held == kept, f"{role}: not the same bytes"
            assert hashlib.sha256(held).hexdigest() == sha
        material = next(m for m in body["form"]["materials"] if m["attachment"])
        assert material["status"] == "photo" and material["pages"] == 1
        pdf = store.read_blob(material["attachment"])
        assert pdf.startswith(b"%PDF")
    finally:
        store.close()
        outbox.close()


# --- the kiosk processes ---------------------------------------------------------------------
class _Bot:
    """What the journey helpers ask of pytest-qt's ``qtbot``, for a process without pytest."""

    def wait(self, ms: int) -> None:
        from PySide6.QtTest import QTest

        QTest.qWait(ms)

    def waitUntil(self, condition: Any, timeout: int = 5000) -> None:  # noqa: N802 - qtbot's
        from PySide6.QtTest import QTest

        end = time.monotonic() + timeout / 1000
        while not condition():
            if time.monotonic() > end:
                raise TimeoutError(f"waited {timeout} ms for {condition}")
            QTest.qWait(10)


def _citizen_strings(window: Any, ctx: Any) -> list[str]:
    """Everything of this citizen a screen could show: name, ID number (whole and masked),
    address, what was typed into the form."""
    from drivers.idcard.privacy import mask_id_number, mask_name

    who = ctx.sessions.current.identity
    app = window.nav.flows["apply"].app
    typed = [v for f in app.fields if f.type != "choice"  # a choice is the form's words
             and len(v := app.values.get(f.id, "")) >= 2]
    return sorted({who.name, mask_name(who.name), who.id_number, mask_id_number(who.id_number),
                   who.address, *typed})


def _kill_run(moment: str, cfg: str) -> None:
    """Tap through 自助申报 to 提交; print the marker once the case is finalized.
    ``moment`` "uploading": from 提交 on, the link holds every request back."""
    from PySide6.QtWidgets import QApplication

    from central.faultproxy import Fault
    from kiosk.config import load_config
    from kiosk.context import KioskContext
    from kiosk.qt_main import create_window, use_onscreen_keyboard
    from offline_cache.outbox import Kind, State
    from tests.gui.conftest import FakeClock, tap
    from tests.gui.test_apply_journey import fill_form, start_birth, through_materials

    use_onscreen_keyboard()
    qapp = QApplication([])
    bot = _Bot()
    ctx = KioskContext.build(load_config(cfg, dev=True))
    ctx.start()
    ctx.devices.wait_first_status(5)
    window = create_window(ctx.config, ctx, FakeClock())
    window.show()
    bot.waitUntil(lambda: all(w.status.state == "ready" for w in ctx.devices.workers.values()),
                  timeout=10000)
    ctx.sim.camera.remove()  # the page is placed below, not by the demo citizen
    start_birth(bot, window, ctx)
    for _ in range(3):
        tap(window, window.screen("apply_condition").yes)
    fill_form(bot, window)
    tap(window, window.screen("apply_form").next)
    materials = window.screen("apply_materials")
    row = next(i for i, r in enumerate(materials.rows) if r["name"].endswith("申请表"))
    while row not in materials.photos:
        tap(window, materials.more)
    tap(window, materials.photos[row])
    capture = window.screen("apply_capture")
    bot.waitUntil(lambda: capture.camera_ready, timeout=5000)
    ctx.sim.camera.place("form")  # laid still: taken by itself
    bot.waitUntil(lambda: len(capture.pages) == 1, timeout=30000)
    tap(window, capture.finish)
    while materials.page > 0:
        tap(window, materials.prev)
    through_materials(window)
    review = window.screen("apply_review")
    assert window.current is review
    citizen = _citizen_strings(window, ctx)
    if moment == "uploading":  # a link so slow that the upload is still on when killed
        ctx.link.proxy.plan = lambda _n: (Fault.DELAY, 120.0)
    said = threading.Event()

    def finalized() -> None:  # on the thread saving the case, right after each commit
        outbox = ctx.outbox
        cases = [r for r in outbox.records() if r.kind is Kind.CASE and r.state != State.DRAFT]
        if cases and not said.is_set():
            said.set()
            body = outbox.body(cases[0].uuid)
            print(MARKER + json.dumps({
                "uuid": cases[0].uuid, "case_number": body["form"]["case_number"],
                "material": str(row), "citizen": citizen,
                "receipts_printed": len(ctx.sim.printer.pages)}, ensure_ascii=False),
                flush=True)

    ctx.outbox.on_queued(finalized)
    tap(window, review.submit)
    bot.waitUntil(lambda: False, timeout=60000)  # the kill comes first
    qapp.quit()


def _restart_run(cfg: str) -> int:
    """The kiosk as it starts (``run_kiosk``); once the case has synced, report what is on
    the screen and quit."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from kiosk.app import KioskWindow
    from kiosk.config import load_config
    from kiosk.qt_main import run_kiosk, use_onscreen_keyboard
    from offline_cache.outbox import Kind, State

    use_onscreen_keyboard()
    qapp = QApplication([])
    report: dict[str, Any] = {"error": ""}
    started = time.monotonic()
    poll = QTimer()

    def texts() -> list[str]:
        out = []
        for w in QApplication.allWidgets():
            for name in ("text", "toPlainText", "placeholderText", "toolTip", "windowTitle"):
                get = getattr(w, name, None)
                try:
                    value = get() if callable(get) else None
                except TypeError:  # a text() that needs an argument
                    continue
                if isinstance(value, str) and value:
                    out.append(value)
        return out

    def check() -> None:
        win = next((w for w in QApplication.topLevelWidgets() if isinstance(w, KioskWindow)),
                   None)
        if win is None:
            return
        if "texts_at_start" not in report:
            report["texts_at_start"] = texts()
        outbox = win.ctx.outbox
        cases = [r for r in outbox.records() if r.kind is Kind.CASE]
        if not (cases and all(r.state is State.SYNCED for r in cases)):
            if time.monotonic() - started < 30:
                return
            report["error"] = f"not synced: {[(r.uuid, r.state) for r in cases]}"
        poll.stop()
        report.update(step=win.nav.step, current_is_home=win.current is win.home,
                      identity=win.ctx.sessions.current.identity is not None,
                      texts_synced=texts())
        print(RESULT + json.dumps(report, ensure_ascii=False), flush=True)
        qapp.quit()

    poll.timeout.connect(check)
    poll.start(50)
    return run_kiosk(load_config(cfg, dev=True), windowed=True)


if __name__ == "__main__":
    what, config_path = sys.argv[1], sys.argv[2]
    if what == "restart":
        sys.exit(_restart_run(config_path))
    _kill_run(what, config_path)

"""维护模式 by taps on the real widgets: the corner gesture and the PIN, the lock after wrong
PINs, a staff card, device tests against the simulators, 已换纸, leaving when untouched."""

from __future__ import annotations

import json
import logging

import pytest
from PySide6.QtCore import QPoint

from kiosk import care
from kiosk.audio import RecordingSink
from kiosk.flows.staff import PAGES, PIN
from kiosk.navigator import HOME
from kiosk.staff import VoiceVolume, hash_secret
from kiosk.watchdog import EXIT_RESTART, EXIT_TO_DESKTOP
from sim.id_samples import SAMPLE_CARDS
from tests.gui.conftest import all_texts, tap, tap_at

STAFF_PIN = "246810"
CORNER = QPoint(20, 20)


STAFF_CARD = "resident_long_term"  # a hall technician's own ID card


@pytest.fixture(scope="module")
def hashes() -> tuple[str, str]:
    return hash_secret(STAFF_PIN), hash_secret(SAMPLE_CARDS[STAFF_CARD].id_number)


@pytest.fixture
def kiosk_toml(hashes) -> str:
    pin, card = hashes
    return f'[staff]\npin_hash = "{pin}"\ncard_hashes = ["{card}"]\nidle_timeout = 30\n'


def corner_taps(window, n: int = 5, gap: float = 0.3) -> None:
    for _ in range(n):
        tap_at(window, CORNER, after=gap)


def type_pin(window, qtbot, pin: str) -> None:
    pad = window.screen(PIN)
    for digit in pin:
        tap(window, pad.keys[digit], after=0.5)
    tap(window, pad.ok)
    qtbot.waitUntil(lambda: not window.nav.flows["staff"].checking, timeout=5000)


def open_staff(window, qtbot) -> None:
    corner_taps(window)
    assert window.nav.step == PIN
    type_pin(window, qtbot, STAFF_PIN)
    assert window.nav.step == PAGES


def audit(ctx) -> list[dict]:
    path = ctx.config.data_dir / "staff" / "audit.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_corner_gesture_then_pin_opens_staff_mode(window, qtbot, ctx):
    elsewhere = QPoint(1600, 500)  # the card reader's picture: no button
    corner_taps(window, n=4)
    tap_at(window, elsewhere, after=0.3)  # a tap elsewhere starts the count again
    corner_taps(window, n=1)
    assert window.nav.step == HOME
    window.clock.advance(10)
    corner_taps(window, n=6, gap=1.0)
    assert window.nav.step == HOME  # five and more, but not five within 3 s
    window.clock.advance(10)
    open_staff(window, qtbot)
    assert window.header.indicators["sync"].isVisible()  # staff see the outbox backlog
    assert window.screen(PAGES).title.text() == "设备状态与测试"
    entries = audit(ctx)
    assert entries[-1]["event"] == "entered" and entries[-1]["method"] == "pin"
    logged = (ctx.config.data_dir / "staff" / "audit.jsonl").read_text(encoding="utf-8")
    assert STAFF_PIN not in logged
    tap(window, window.footer.home_btn)
    assert window.nav.step == HOME
    assert not window.header.indicators["sync"].isVisible()
    assert audit(ctx)[-1] == {**audit(ctx)[-1], "event": "left", "reason": "home"}


def test_five_wrong_pins_lock_the_pad_with_a_growing_delay(window, qtbot, ctx):
    corner_taps(window)
    pad = window.screen(PIN)
    for left in (4, 3, 2, 1):
        type_pin(window, qtbot, "111111")
        assert pad.title.text() == f"密码不对，还可再试 {left} 次"
    type_pin(window, qtbot, "111111")
    assert pad.title.text() == "输错次数过多，请 30 秒后再试"
    type_pin(window, qtbot, STAFF_PIN)  # the right PIN, but locked: not even checked
    assert window.nav.step == PIN
    assert audit(ctx)[-1]["event"] == "pin_while_locked"
    window.clock.advance(20)  # typing a PIN takes 4 s: 28 s into the lock now
    type_pin(window, qtbot, "222222")
    assert window.nav.step == PIN and audit(ctx)[-1]["event"] == "pin_while_locked"
    window.clock.advance(3)
    qtbot.waitUntil(lambda: pad.title.text() == "请输入维护密码", timeout=2000)
    type_pin(window, qtbot, "333333")  # the 30 s are over: one more try, wrong: 60 s
    assert pad.title.text() == "输错次数过多，请 60 秒后再试"
    assert audit(ctx)[-1] == {**audit(ctx)[-1], "event": "pin_locked", "seconds": 60}
    window.clock.advance(61)
    type_pin(window, qtbot, STAFF_PIN)
    assert window.nav.step == PAGES
    assert json.loads((ctx.config.data_dir / "staff" / "pin.json").read_text()) == {
        "failures": 0}


def test_a_device_test_runs_against_its_simulator(window, qtbot, ctx):
    open_staff(window, qtbot)
    staff = window.screen(PAGES)
    printed = set(ctx.sim.printer_dir.glob("*.png"))
    tap(window, staff.device_widgets["printer"][3])
    qtbot.waitUntil(lambda: "已打印" in staff.check_text("printer"), timeout=15000)
    assert len(set(ctx.sim.printer_dir.glob("*.png")) - printed) == 1

    tap(window, staff.device_widgets["idcard"][3])
    assert "请在读卡器上放卡" in staff.check_text("idcard")
    ctx.sim.place_card("resident")
    qtbot.waitUntil(lambda: "读卡成功" in staff.check_text("idcard"), timeout=10000)
    assert staff.check_text("idcard") == "● 读卡成功：王*明"
    assert window.nav.step == PAGES  # the card was the test's, not a citizen's
    assert ctx.sessions.current.identity is None
    assert SAMPLE_CARDS["resident"].id_number not in "\n".join(all_texts(window))


def test_paper_replaced_resets_the_estimate(window, qtbot, ctx):
    ctx.paper.used_mm = 12_000.0  # 12 m of a 50 m roll printed since the last refill
    open_staff(window, qtbot)
    staff = window.screen(PAGES)
    tap(window, staff.nav_buttons["consumables"])
    assert staff.paper_left.text() == "● 小票纸约剩 38.0 米（76%）"
    tap(window, staff.refill)
    assert staff.paper_left.text() == "● 小票纸约剩 50.0 米（100%）"
    saved = json.loads((ctx.config.data_dir / "staff" / "paper.json").read_text())
    assert saved["used_mm"] == 0
    assert audit(ctx)[-1]["event"] == "paper_refilled"


def test_staff_mode_leaves_by_itself_when_untouched(window, qtbot, ctx):
    open_staff(window, qtbot)
    staff = window.screen(PAGES)
    window.clock.advance(25)
    tap(window, staff.nav_buttons["network"])  # a touch: another 30 s from now
    window.clock.advance(25)
    qtbot.wait(600)  # the window's ticker runs
    assert window.nav.step == PAGES
    window.clock.advance(6)
    qtbot.waitUntil(lambda: window.nav.step == HOME, timeout=3000)
    assert audit(ctx)[-1] == {**audit(ctx)[-1], "event": "left", "reason": "idle"}


def test_a_staff_card_opens_staff_mode_and_a_citizens_card_does_not(window, qtbot, ctx,
                                                                   caplog):
    caplog.set_level(logging.INFO)
    ctx.sim.place_card("resident")
    qtbot.waitUntil(lambda: ctx.sessions.current.identity is not None, timeout=5000)
    assert window.nav.step == HOME  # a citizen, greeted
    ctx.sim.remove_card()
    qtbot.waitUntil(lambda: not ctx.sim.sam.card_present, timeout=2000)
    ctx.sim.place_card(STAFF_CARD)
    qtbot.waitUntil(lambda: window.nav.step == PAGES, timeout=5000)
    assert ctx.sessions.current.identity is None  # the citizen's session ended first
    assert audit(ctx)[-1] == {**audit(ctx)[-1], "event": "entered", "method": "card", "card": 1}
    logged = (ctx.config.data_dir / "staff" / "audit.jsonl").read_text(encoding="utf-8")
    assert SAMPLE_CARDS[STAFF_CARD].id_number not in logged + caplog.text
    assert "staff: entered method=card card=1" in caplog.text


def test_a_rejected_record_is_said_in_plain_words_and_sent_again(window, qtbot, ctx):
    from offline_cache.outbox import Kind, State

    box = ctx.outbox
    # A report the platform refuses (it has no description): the sync worker sends it.
    uuid = box.add_record(Kind.REPORT, "report", {"what": "test"})
    qtbot.waitUntil(lambda: box.record(uuid).state is State.REJECTED, timeout=10000)
    revision = box.record(uuid).revision
    open_staff(window, qtbot)
    staff = window.screen(PAGES)
    tap(window, staff.nav_buttons["outbox"])
    qtbot.waitUntil(lambda: staff.outbox_rows[0][0].isVisible(), timeout=5000)
    text, again = staff.outbox_rows[0]
    assert "被拒收 · 办不成事" in text.text()
    assert "平台认为资料不完整或格式不对 [invalid_body]" in text.text()
    assert "被拒收 1 件" in staff.outbox_summary.text()
    tap(window, again)  # sent again as it is: a new revision, refused again by the platform
    qtbot.waitUntil(lambda: box.record(uuid).revision == revision + 1, timeout=5000)
    assert ("retried", "by staff (was rejected, new revision)") in [
        (event, detail) for _at, _uuid, event, detail in box.audit(uuid)]
    assert audit(ctx)[-1] == {**audit(ctx)[-1], "event": "outbox_retry", "record": uuid}


def test_only_staff_mode_ends_the_kiosk_and_only_on_a_second_tap(window, qtbot, ctx):
    """A citizen's close request is refused (tests/gui/test_window_close.py); staff's 退出到
    桌面 ends the kiosk with the status that keeps systemd from starting it again, 重启 with
    the one that restarts it, each only when tapped twice."""
    ended: list[int] = []
    window.staff.exit = ended.append  # the application's exit, recorded
    open_staff(window, qtbot)
    pages = window.screen(PAGES)
    tap(window, pages.nav_buttons["system"])
    tap(window, pages.desktop)
    assert ended == []  # one tap asks for the second
    tap(window, pages.desktop, after=1.0)
    assert ended == [EXIT_TO_DESKTOP]
    tap(window, pages.restart)
    tap(window, pages.restart, after=1.0)
    assert ended == [EXIT_TO_DESKTOP, EXIT_RESTART]


@pytest.fixture
def recording(monkeypatch):
    """The window plays into a recording sink (made before the window is)."""
    monkeypatch.setattr(care, "default_sink", RecordingSink)


def test_staff_set_the_voice_volume_and_hear_it_at_once(recording, window, qtbot, ctx):
    open_staff(window, qtbot)
    pages = window.screen(PAGES)
    tap(window, pages.nav_buttons["system"])
    assert pages.volume.text() == "语音音量：60%"  # config voice.volume until staff set it
    sink = window.care.voice.sink
    before = len(sink.played)
    tap(window, pages.louder)
    qtbot.wait(100)  # what the tap changed on screen is taken in, and the sample not cut
    assert pages.volume.text() == "语音音量：70%"
    sample = sink.played[before]  # the screen's words, said at the new loudness
    assert sample.volume == pytest.approx(0.7) and sample.clips and not sample.cut
    for _ in range(8):
        tap(window, pages.louder)
    assert pages.volume.text() == "语音音量：100%" and not pages.louder.isEnabled()
    tap(window, pages.softer)
    assert audit(ctx)[-1]["event"] == "voice_volume" and audit(ctx)[-1]["volume"] == 90
    again = VoiceVolume(ctx.config.data_dir / "staff" / "voice.json", 60)
    assert again.value == 90  # kept for the next start

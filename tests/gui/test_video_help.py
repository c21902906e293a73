"""视频咨询 on the kiosk, tapped as a citizen would: the button on the home screen and in
帮助, the call ringing on the embedded platform, a staff member answering from the console's
routes (an aiortc peer doing what the console page does), the staff's picture on screen and
the citizen's own small, 挂断; nobody answering and a callback number left by digit pad;
outside the hall's hours; a side trip that gives the citizen back the screen they were on;
a new card ending the call."""

from __future__ import annotations

import asyncio
import logging
import threading
from datetime import datetime

import pytest
from aiortc import RTCConfiguration, RTCPeerConnection

from central import remote_help as platform_calls
from kiosk import call_audio
from kiosk.call_audio import BYTES_PER_SECOND, RecordingSpeaker
from offline_cache.outbox import Kind
from tests.gui.conftest import all_texts, tap
from tests.kiosk.test_remote_help import StaffPeer

MON_10 = datetime(2026, 12, 7, 10, 0)  # a Monday morning: staff answer
SAT_10 = datetime(2026, 12, 12, 10, 0)  # a Saturday: they do not


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch):
    monkeypatch.setattr("aioice.ice.get_host_addresses", lambda **_: ["127.0.0.1"])


@pytest.fixture
def kiosk_toml() -> str:
    return "[remote_help]\nenabled = true\nno_answer_after = 10\n"


@pytest.fixture(autouse=True)
def speakers(monkeypatch) -> list[RecordingSpeaker]:
    """Every speaker the kiosk plays the staff's voice on (no sound card here)."""
    made: list[RecordingSpeaker] = []

    class Kept(RecordingSpeaker):
        def __init__(self) -> None:
            super().__init__()
            made.append(self)

    monkeypatch.setattr(call_audio, "default_speaker", Kept)
    return made


def _at(window, when: datetime) -> None:
    window.nav.flows["video_help"].clock = lambda: when


def _staff(ctx) -> StaffPeer:
    server = ctx.link.server
    return StaffPeer(server.url, platform_calls.console_token(server.store.root))


class StaffSide:
    """The staff member on their own thread: answers the ringing call, stays until told."""

    def __init__(self, peer: StaffPeer) -> None:
        self.peer = peer
        self.stop = threading.Event()
        self.answered = threading.Event()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=asyncio.run, args=(self._run(),), daemon=True)
        self.thread.start()

    async def _run(self) -> None:
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        try:
            await self.peer.answer(pc)
            self.answered.set()
            await asyncio.to_thread(self.stop.wait, 60)
        except BaseException as e:  # noqa: BLE001 - reported by the test
            self.error = e
        finally:
            await pc.close()


def _ended_on_platform(peer: StaffPeer) -> bool:
    return bool(peer.call_id) and peer.state()["state"] == "ended"


def test_a_citizen_calls_staff_talks_and_hangs_up(qtbot, window, ctx, speakers):
    _at(window, MON_10)
    home, screen = window.screen("home"), window.screen("video_help")
    assert home.video.isVisible()
    tap(window, home.video)
    qtbot.waitUntil(lambda: screen.state == "ringing", timeout=10000)
    assert screen.title.text() == "正在呼叫工作人员，请稍候" and screen.hang_up_btn.isVisible()

    peer = _staff(ctx)
    ringing = peer.ringing()
    assert [c["context"] for c in ringing] == [
        {"service": "home", "step": "home", "language": "zh_CN", "elder": "no"}]
    staff = StaffSide(peer)
    try:
        assert staff.answered.wait(15), staff.error
        qtbot.waitUntil(lambda: screen.state == "connected", timeout=15000)
        # The staff member large, the citizen's own picture (the camera) small.
        qtbot.waitUntil(lambda: screen.view.staff_shown > 10 and screen.view.own is not None,
                        timeout=15000)
        qtbot.waitUntil(lambda: peer.video_received > 10 and peer.audio_received > 10,
                        timeout=15000)
        assert screen.title.text() == "已接通，请对着屏幕说话"
        # The staff member is heard: their voice reaches the speaker, at the room's volume.
        qtbot.waitUntil(lambda: len(speakers) == 1
                        and speakers[0].written > BYTES_PER_SECOND // 2, timeout=10000)
        assert speakers[0].volume == ctx.volume.value / 100
        # Talking takes time: no 还需要更多时间吗? in the middle of a sentence.
        window.clock.advance(600)
        qtbot.wait(600)
        assert not window.idle_overlay.isVisible() and screen.isVisible()
        # 挂断, tapped twice in a hurry: one hang-up, the end said, the staff see it.
        tap(window, screen.hang_up_btn, after=0.1)
        if screen.hang_up_btn.isVisible():
            assert not screen.hang_up_btn.isEnabled()
        qtbot.waitUntil(lambda: screen.state == "ended", timeout=10000)
        assert screen.title.text() == "通话已结束" and screen.again_btn.isVisible()
        assert not screen.hang_up_btn.isVisible()
        assert peer.state()["ended_by"] == "kiosk"
        assert ctx.devices.camera.frame_sink is None  # the camera no longer streams
        assert not speakers[0].playing and screen.speaker is None
    finally:
        staff.stop.set()
        staff.thread.join(10)
    tap(window, screen.back_btn)
    assert window.current is home


def test_nobody_answers_and_the_citizen_leaves_a_number(qtbot, window, ctx, caplog):
    caplog.set_level(logging.INFO)
    _at(window, MON_10)
    screen, pad = window.screen("video_help"), window.screen("video_callback")
    tap(window, window.screen("home").video)
    qtbot.waitUntil(lambda: screen.state == "ended", timeout=25000)  # 10 s unanswered
    assert screen.title.text() == "工作人员正忙，暂时没有接听"
    assert screen.callback_btn.isVisible() and screen.again_btn.isVisible()
    tap(window, screen.callback_btn)
    assert window.current is pad
    for d in "1381234567":  # one digit short
        tap(window, pad.keys[d])
    tap(window, pad.ok)
    assert "号码不对" in pad.hint.text() and window.current is pad
    tap(window, pad.keys["8"])
    assert pad.shown.text() == "13812345678"
    tap(window, pad.ok)
    qtbot.waitUntil(lambda: screen.state == "kept", timeout=5000)
    assert window.current is screen
    assert screen.text.text().startswith("号码 138****5678")
    assert pad.digits == ""  # not left on a screen for the next person
    rows = [r for r in ctx.outbox.records() if r.kind == Kind.REPORT]
    assert len(rows) == 1 and rows[0].service == "video_help"
    body = ctx.outbox.body(rows[0].uuid)
    assert body["contact_phone"] == "13812345678" and "无人接听" in body["description"]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "138****5678" in logged and "13812345678" not in logged


def test_outside_hours_it_says_when_and_gives_back_the_screen_the_citizen_was_on(
        qtbot, window, ctx):
    _at(window, SAT_10)
    window.nav.start("guide")
    guide = window.nav.flows["guide"]
    qtbot.waitUntil(lambda: guide.guide.ready, timeout=10000)
    entry = guide.guide.entries()[0]
    guide.open_entry(entry.key)
    page = window.current
    tap(window, window.footer.help_btn)
    help_box = window.help_overlay
    assert help_box.video.isVisible()
    tap(window, help_box.video)
    screen = window.screen("video_help")
    assert window.current is screen and screen.state == "closed"
    assert "周一至周五 09:00–12:00、13:30–17:30" in screen.text.text()
    assert "周一 09:00 再开始" in screen.text.text()
    said = " ".join(part.text() for part in window.care.current_prompt())
    assert "现在不是视频咨询时间" in said and "周一 09:00 再开始" in said  # heard, not only read
    assert not screen.hang_up_btn.isVisible() and screen.callback_btn.isVisible()
    tap(window, screen.back_btn)
    assert window.current is page and guide.entry == entry.key  # the visit is kept


def test_a_new_card_ends_the_call(qtbot, window, ctx):
    _at(window, MON_10)
    screen = window.screen("video_help")
    tap(window, window.screen("home").video)
    qtbot.waitUntil(lambda: screen.state == "ringing", timeout=10000)
    peer = _staff(ctx)
    peer.call_id = peer.ringing()[0]["id"]
    ctx.sim.place_card("resident")
    qtbot.waitUntil(lambda: _ended_on_platform(peer), timeout=10000)
    assert peer.state()["ended_by"] == "kiosk"
    assert window.current is not screen
    assert screen.view.own is None and screen.view.staff is None  # no picture kept


@pytest.mark.parametrize("item", ["birth-medical-certificate", "flow:queue"])
def test_staff_send_a_guide_item_and_the_citizen_opens_it_with_one_tap(qtbot, window, ctx,
                                                                       item):
    _at(window, MON_10)
    screen = window.screen("video_help")
    tap(window, window.screen("home").video)
    qtbot.waitUntil(lambda: screen.state == "ringing", timeout=10000)
    peer = _staff(ctx)
    staff = StaffSide(peer)
    try:
        assert staff.answered.wait(15), staff.error
        qtbot.waitUntil(lambda: screen.state == "connected", timeout=15000)
        assert not screen.pushed_btn.isVisible()
        sent = peer.http.post(f"{peer.url}/console/calls/{peer.call_id}/push",
                              json={"item": item}, timeout=5)
        assert sent.status_code == 200, sent.text
        qtbot.waitUntil(screen.pushed_btn.isVisible, timeout=5000)
        tap(window, screen.pushed_btn)
        if item == "flow:queue":  # a service: it asks for the card first, as from its tile
            qtbot.waitUntil(lambda: window.current is window.screen("card_prompt"), timeout=5000)
            assert window.nav.pending == "queue"
        else:
            page = window.screen("guide_page")
            qtbot.waitUntil(lambda: window.current is page, timeout=5000)
            assert window.nav.flows["guide"].entry == item
            assert any("出生医学证明" in t for t in all_texts(page))
        qtbot.waitUntil(lambda: peer.state()["state"] == "ended", timeout=10000)
    finally:
        staff.stop.set()
        staff.thread.join(10)

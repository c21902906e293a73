"""远程咨询 end to end on loopback: the reference platform on a real socket, the kiosk's
aiortc call (simulated document camera, a tone) on its own thread, and a second aiortc
peer as the staff console (what the console page does, without a browser). Media must
flow both ways, and the call must end cleanly whichever side hangs up."""

from __future__ import annotations

import asyncio
import threading
import time
import wave

import numpy as np
import pytest
import requests
from aiortc import (
    AudioStreamTrack,
    RTCConfiguration,
    RTCPeerConnection,
    RTCSessionDescription,
    VideoStreamTrack,
)
from aiortc.mediastreams import MediaStreamError

from central import remote_help as platform_calls
from kiosk.remote_help import CallSignalling, RemoteHelpCall
from sim.camera import SimulatedCamera
from tests.platform.harness import SECRET, TERMINAL, start_platform

FRAMES = 20  # video frames each side must receive


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch):
    """ICE candidates on 127.0.0.1 only (aioice leaves loopback out by default): the test's
    traffic never leaves this machine's loopback."""
    monkeypatch.setattr("aioice.ice.get_host_addresses", lambda **_: ["127.0.0.1"])


@pytest.fixture
def hall(tmp_path):
    """The reference platform on a loopback port (this test's terminal registered)."""
    server = start_platform(tmp_path / "platform")
    yield server
    server.stop()


@pytest.fixture
def camera():
    cam = SimulatedCamera(size=(1280, 960), fps=30.0)
    cam.open()
    cam.place("form")
    yield cam
    cam.shutdown()


class StaffPeer:
    """The console page's part, in aiortc: waits for a ringing call, answers with a
    test-pattern video and silence, counts what arrives, and can hang up."""

    def __init__(self, url: str, token: str) -> None:
        self.url = url
        self.http = requests.Session()
        self.http.trust_env = False
        self.http.headers["Authorization"] = f"Bearer {token}"
        self.video_received = 0
        self.audio_received = 0
        self.audio_peak = 0  # loudest sample heard from the kiosk
        self.call_id = ""

    def ringing(self) -> list[dict]:
        return self.http.get(f"{self.url}/console/calls", timeout=5).json()["calls"]

    async def answer(self, pc: RTCPeerConnection, timeout: float = 10.0) -> None:
        until = time.monotonic() + timeout
        while not (calls := await asyncio.to_thread(self.ringing)):
            assert time.monotonic() < until, "no call rang"
            await asyncio.sleep(0.1)
        self.call_id = calls[0]["id"]
        call = self.http.get(f"{self.url}/console/calls/{self.call_id}", timeout=5).json()
        pc.on("track", lambda track: asyncio.ensure_future(self._receive(track)))
        await pc.setRemoteDescription(RTCSessionDescription(call["offer"], "offer"))
        pc.addTrack(VideoStreamTrack())
        pc.addTrack(AudioStreamTrack())
        await pc.setLocalDescription(await pc.createAnswer())
        answered = self.http.post(f"{self.url}/console/calls/{self.call_id}/answer",
                                  json={"sdp": pc.localDescription.sdp}, timeout=5)
        assert answered.status_code == 200, answered.text

    def state(self) -> dict:
        return self.http.get(f"{self.url}/console/calls/{self.call_id}", timeout=5).json()

    def hang_up(self) -> None:
        self.http.post(f"{self.url}/console/calls/{self.call_id}/hangup", timeout=5)

    async def _receive(self, track) -> None:
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            if track.kind == "video":
                self.video_received += 1
            else:
                self.audio_received += 1
                self.audio_peak = max(self.audio_peak, int(np.abs(frame.to_ndarray()).max()))


def _kiosk_call(hall, camera, **kwargs) -> RemoteHelpCall:
    signalling = CallSignalling(hall.url, TERMINAL, SECRET, deadline=5.0)
    return RemoteHelpCall(signalling, camera.preview, **kwargs)


async def _until(predicate, timeout: float, what: str) -> None:
    until = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < until, what
        await asyncio.sleep(0.05)


def _talk(hall, camera, hang_up_side: str, **kwargs) -> tuple[RemoteHelpCall, StaffPeer,
                                                            list[str]]:
    states: list[str] = []
    call = _kiosk_call(hall, camera, on_state=states.append, **kwargs)
    staff = StaffPeer(hall.url, platform_calls.console_token(hall.store.root))

    async def staff_side() -> None:
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        try:
            await staff.answer(pc)
            await _until(lambda: staff.video_received > FRAMES
                         and call.counts.video_received > FRAMES
                         and staff.audio_received > FRAMES
                         and call.counts.audio_received > FRAMES, 30,
                         f"media did not flow both ways: kiosk got {call.counts}, staff got "
                         f"{staff.video_received} video, {staff.audio_received} audio")
            assert call.state == "connected"
            if hang_up_side == "staff":
                await asyncio.to_thread(staff.hang_up)
                assert await asyncio.to_thread(call.wait, 5), "the kiosk never saw it"
            else:
                call.hang_up()
                await _until(lambda: staff.state()["state"] == "ended", 5,
                             "the staff side never saw the kiosk hang up")
        finally:
            await pc.close()

    call.start()
    try:
        asyncio.run(staff_side())
    finally:
        call.hang_up()
        assert call.wait(10), "the kiosk's call did not end"
    return call, staff, states


def test_media_flows_both_ways_and_the_staff_hangs_up(hall, camera):
    call, staff, states = _talk(hall, camera, "staff")
    assert call.ended_by == "staff"
    assert states == ["calling", "ringing", "connecting", "connected", "ended"]
    assert call.counts.video_sent > FRAMES
    assert staff.state()["ended_by"] == "staff"
    assert not [t for t in threading.enumerate() if t.name == "remote-help"]


def test_media_flows_both_ways_and_the_kiosk_hangs_up(hall, camera):
    call, staff, states = _talk(hall, camera, "kiosk")
    assert call.ended_by == "kiosk" and states[-1] == "ended"
    assert staff.state()["ended_by"] == "kiosk"


def test_the_kiosk_microphone_is_heard_and_the_staff_voice_reaches_the_speaker(
        hall, camera, tmp_path):
    """A recording stands in for the microphone (the same ffmpeg input a real one uses):
    the staff hear it loud; the staff's sound arrives at the kiosk as 48 kHz mono PCM."""
    wav = tmp_path / "voice.wav"
    t = np.arange(48000) / 48000
    with wave.open(str(wav), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(48000)
        w.writeframes((0.3 * 32767 * np.sin(2 * np.pi * 440 * t)).astype("<i2").tobytes())
    heard: list[bytes] = []
    call, staff, _ = _talk(hall, camera, "kiosk", microphone=f"file://{wav}",
                           on_staff_audio=heard.append)
    assert staff.audio_peak > 3000, staff.audio_peak
    pcm = b"".join(heard)
    assert len(pcm) > 48000 and len(pcm) % 2 == 0  # over half a second of the staff's sound


def test_without_a_microphone_the_kiosk_is_silent(hall, camera):
    _, staff, _ = _talk(hall, camera, "kiosk", tone=False)
    assert staff.audio_received > FRAMES and staff.audio_peak < 50


def test_nobody_answers(hall, camera):
    call = _kiosk_call(hall, camera, no_answer_after=0.5)
    call.start()
    assert call.wait(10)
    assert call.ended_by == "no_answer"
    staff = StaffPeer(hall.url, platform_calls.console_token(hall.store.root))
    assert staff.ringing() == []  # the platform was told: it rings no more


def test_the_platform_unreachable_ends_the_call_as_failed(camera, monkeypatch):
    monkeypatch.setattr("kiosk.remote_help.SIGNAL_FAILURES", 1)
    signalling = CallSignalling("http://127.0.0.1:9", TERMINAL, SECRET, deadline=1.0)
    call = RemoteHelpCall(signalling, camera.preview)
    call.start()
    assert call.wait(10)
    assert call.ended_by == "failed" and call.state == "ended"

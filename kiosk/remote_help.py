"""远程咨询: a video call from the kiosk to the hall's staff, over WebRTC (aiortc).

Qt-free. A ``RemoteHelpCall`` runs on its own worker thread with its own asyncio loop: it
makes the offer (the document camera's frames as a video track, a quiet tone as an audio
track), starts the call through the platform (``central/remote_help.py``: the offer and
the answer are the only things that pass through it; non-trickle ICE), waits for the
staff's answer, then receives the staff's video and audio and counts their frames. It ends
on ``hang_up()`` here, on the staff's hang-up (seen by polling the call), when nobody
answers in ``no_answer_after`` seconds, or when the connection fails. The GUI's screen is
a thin layer over ``on_state`` and ``on_staff_frame``, which are called on the worker
thread.

The staff's voice is resampled to 16-bit mono 48 kHz PCM and handed to ``on_staff_audio``
(``kiosk.call_audio`` plays it). The kiosk's own sound is the configured microphone
(``microphone``: an ffmpeg input such as ``pulse:default``, ``alsa:hw:1`` or a
``file:///…`` recording, through aiortc's MediaPlayer), else silence (or a quiet tone for
tests and the bench).
"""

from __future__ import annotations

import asyncio
import fractions
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import av
import cv2
import numpy as np
from aiortc import (
    MediaStreamTrack,
    RTCConfiguration,
    RTCIceServer,
    RTCPeerConnection,
    RTCSessionDescription,
    VideoStreamTrack,
)
from aiortc.mediastreams import MediaStreamError

from offline_cache.client import OutcomeUnknown, PlatformClient, PlatformRefused
from offline_cache.wire import canonical_json

log = logging.getLogger(__name__)

NO_ANSWER_AFTER = 60.0  # seconds of ringing before the citizen is offered a callback
POLL_EVERY = 0.25  # seconds between looks at the call on the platform
SIGNAL_FAILURES = 8  # looks in a row that fail before the call is given up
VIDEO_SIZE = (640, 480)  # what is sent: enough to read a document held up, light to encode
AUDIO_RATE = 48000
AUDIO_SAMPLES = 960  # 20 ms


class CallSignalling(PlatformClient):
    """The kiosk's side of the platform's call routes (signed, answers checked as every
    platform answer is)."""

    def start_call(self, sdp: str, context: dict[str, str] | None = None) -> dict[str, Any]:
        """``context``: what the staff may see of the kiosk's screen (the service and step
        it was called from, the language, elder mode), never the citizen's data."""
        body = {"sdp": sdp, **({"context": context} if context else {})}
        _, doc = self._call("POST", "/v1/calls", body=canonical_json(body), ok=(201,))
        return _call_doc(doc)

    def call_state(self, call_id: str) -> dict[str, Any]:
        _, doc = self._call("GET", f"/v1/calls/{call_id}", ok=(200,))
        return _call_doc(doc, call_id)

    def hang_up_call(self, call_id: str) -> dict[str, Any]:
        _, doc = self._call("POST", f"/v1/calls/{call_id}/hangup", ok=(200,))
        return _call_doc(doc, call_id)


def _call_doc(doc: dict[str, Any], call_id: str | None = None) -> dict[str, Any]:
    if not isinstance(doc.get("id"), str) or doc.get("state") not in (
            "ringing", "answered", "ended") or (call_id and doc["id"] != call_id):
        raise OutcomeUnknown("the answer is not this call")
    return doc


class CameraTrack(VideoStreamTrack):
    """The camera's newest frame (BGR, any size), fitted into ``VIDEO_SIZE``, at the pace
    aiortc asks for (30 fps). ``frames`` may block (a camera read): it runs off the loop.
    While it has nothing yet, a dark frame is sent; ``last`` is what went out, for the
    citizen's own small picture."""

    def __init__(self, frames: Callable[[], np.ndarray | None]) -> None:
        super().__init__()
        self._frames = frames
        self.last = np.zeros((VIDEO_SIZE[1], VIDEO_SIZE[0], 3), np.uint8)
        self.sent = 0

    async def recv(self) -> av.VideoFrame:
        pts, time_base = await self.next_timestamp()
        frame = await asyncio.to_thread(self._frames)
        if frame is not None:
            self.last = _fit(frame, VIDEO_SIZE)
        out = av.VideoFrame.from_ndarray(self.last, format="bgr24")
        out.pts, out.time_base = pts, time_base
        self.sent += 1
        return out


def _fit(frame: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``frame`` scaled into ``size`` with black bars (the page is not stretched)."""
    w, h = size
    scale = min(w / frame.shape[1], h / frame.shape[0])
    fw, fh = max(2, int(frame.shape[1] * scale)) & ~1, max(2, int(frame.shape[0] * scale)) & ~1
    out = np.zeros((h, w, 3), np.uint8)
    x, y = (w - fw) // 2, (h - fh) // 2
    out[y:y + fh, x:x + fw] = cv2.resize(frame, (fw, fh), interpolation=cv2.INTER_AREA)
    return out


class ToneTrack(MediaStreamTrack):
    """The kiosk's audio: a quiet 440 Hz tone (``tone=False``: silence), 20 ms a frame in
    real time. Stands in for the microphone until one is configured."""

    kind = "audio"

    def __init__(self, tone: bool = True) -> None:
        super().__init__()
        t = np.arange(AUDIO_SAMPLES) / AUDIO_RATE
        wave = 0.05 * np.sin(2 * np.pi * 440 * t) if tone else np.zeros(AUDIO_SAMPLES)
        self._samples = (wave * 32767).astype(np.int16).reshape(1, -1)
        self._start: float | None = None
        self._pts = 0

    async def recv(self) -> av.AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        if self._start is None:
            self._start = time.monotonic()
        else:
            self._pts += AUDIO_SAMPLES
            wait = self._start + self._pts / AUDIO_RATE - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
        frame = av.AudioFrame.from_ndarray(self._samples, format="s16", layout="mono")
        frame.sample_rate, frame.pts = AUDIO_RATE, self._pts
        frame.time_base = fractions.Fraction(1, AUDIO_RATE)
        return frame


@dataclass
class CallCounts:
    video_sent: int = 0
    video_received: int = 0
    audio_received: int = 0


class RemoteHelpCall:
    """One call, on its own thread. ``state``: idle → calling (making the offer) → ringing →
    connecting (answered) → connected → ended; ``ended_by``: "kiosk", "staff",
    "no_answer", "failed". ``on_state(state)`` and ``on_staff_frame(bgr)`` are called on
    the call's thread."""

    def __init__(self, signalling: CallSignalling, frames: Callable[[], np.ndarray | None],
                 *, no_answer_after: float = NO_ANSWER_AFTER, tone: bool = True,
                 ice_servers: list[str] | None = None,
                 context: dict[str, str] | None = None,
                 microphone: str = "",
                 on_staff_audio: Callable[[bytes], None] | None = None,
                 on_state: Callable[[str], None] | None = None,
                 on_staff_frame: Callable[[np.ndarray], None] | None = None) -> None:
        self.signalling = signalling
        self.no_answer_after = no_answer_after
        self.on_state = on_state
        self.on_staff_frame = on_staff_frame
        self.state = "idle"
        self.ended_by = ""
        self.call_id = ""
        self.counts = CallCounts()
        self.context = context or {}
        self.microphone = microphone
        self.on_staff_audio = on_staff_audio
        self.pushed = ""  # a guide item the staff sent to this kiosk during the call
        self.camera = CameraTrack(frames)
        self._tone = tone
        # No default STUN server (aiortc's is on the internet): a hall's kiosk and staff
        # reach each other directly, or through the hall's own STUN/TURN given here.
        self._ice = [RTCIceServer(url) for url in ice_servers or []]
        self._hang_up = threading.Event()
        self._ended = threading.Event()
        self._thread: threading.Thread | None = None

    # --- from any thread ---------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=asyncio.run, args=(self._run(),),
                                        name="remote-help", daemon=True)
        self._thread.start()

    def hang_up(self) -> None:
        """End the call (the citizen tapped 挂断, or left); returns at once."""
        self._hang_up.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Until the call has ended, its connection is closed and its thread is gone."""
        if not self._ended.wait(timeout):
            return False
        if self._thread is not None:
            self._thread.join(timeout)
            return not self._thread.is_alive()
        return True

    # --- on the call's thread ----------------------------------------------------------
    def _set(self, state: str) -> None:
        if state != self.state:
            self.state = state
            log.info("remote help: %s%s", state, f" ({self.ended_by})" if self.ended_by else "")
            if self.on_state is not None:
                try:
                    self.on_state(state)
                except Exception:  # noqa: BLE001 - the screen's trouble must not end the call
                    log.exception("remote help: on_state failed")

    async def _run(self) -> None:
        pc = RTCPeerConnection(RTCConfiguration(iceServers=self._ice))
        receivers: list[asyncio.Task[None]] = []
        pc.on("track", lambda track: receivers.append(
            asyncio.ensure_future(self._receive(track))))
        try:
            self._set("calling")
            pc.addTrack(self.camera)
            player = open_microphone(self.microphone) if self.microphone else None
            pc.addTrack(player.audio if player is not None else ToneTrack(self._tone))
            await pc.setLocalDescription(await pc.createOffer())  # gathers the candidates
            call = await asyncio.to_thread(self.signalling.start_call,
                                           pc.localDescription.sdp, self.context)
            self.call_id = call["id"]
            self._set("ringing")
            await self._follow(pc)
        except Exception:  # noqa: BLE001 - any failure ends the call, said on screen
            log.exception("remote help: the call failed")
            self.ended_by = self.ended_by or "failed"
        finally:
            if self.call_id and self.ended_by != "staff":
                await self._tell_platform_ended()
            for task in receivers:
                task.cancel()
            await pc.close()
            self.counts.video_sent = self.camera.sent
            self._set("ended")
            self._ended.set()

    async def _follow(self, pc: RTCPeerConnection) -> None:
        """Look at the call until it ends, applying the staff's answer when it comes."""
        rings_until = time.monotonic() + self.no_answer_after
        failures = 0
        while True:
            if await asyncio.to_thread(self._hang_up.wait, POLL_EVERY):
                self.ended_by = "kiosk"
                return
            if pc.connectionState == "failed":
                self.ended_by = "failed"
                return
            if pc.connectionState == "connected":
                self._set("connected")
            try:
                call = await asyncio.to_thread(self.signalling.call_state, self.call_id)
            except PlatformRefused as e:
                if e.status == 404:  # forgotten by the platform: over
                    self.ended_by = "failed"
                    return
                raise
            except OutcomeUnknown:
                failures += 1
                if failures >= SIGNAL_FAILURES:
                    raise
                continue
            failures = 0
            if isinstance(call.get("push"), str):
                self.pushed = call["push"]
            if call["state"] == "ended":
                self.ended_by = "no_answer" if call["ended_by"] == "timeout" else "staff"
                return
            if call["state"] == "answered" and self.state == "ringing":
                await pc.setRemoteDescription(RTCSessionDescription(call["answer"], "answer"))
                self._set("connecting")
            elif self.state == "ringing" and time.monotonic() > rings_until:
                self.ended_by = "no_answer"
                return

    async def _tell_platform_ended(self) -> None:
        try:
            await asyncio.to_thread(self.signalling.hang_up_call, self.call_id)
        except (OutcomeUnknown, PlatformRefused) as e:  # it expires there on its own
            log.warning("remote help: the platform did not take the hang-up: %s", e)

    async def _receive(self, track: MediaStreamTrack) -> None:
        resampler = av.AudioResampler(format="s16", layout="mono", rate=AUDIO_RATE)
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            if track.kind == "video":
                self.counts.video_received += 1
                if self.on_staff_frame is not None:
                    self.on_staff_frame(frame.to_ndarray(format="bgr24"))
            else:
                self.counts.audio_received += 1
                if self.on_staff_audio is not None:
                    for out in resampler.resample(frame):
                        self.on_staff_audio(bytes(out.planes[0])[: out.samples * 2])


def open_microphone(spec: str) -> Any:
    """aiortc's MediaPlayer for ``spec``: ``pulse:DEVICE``, ``alsa:DEVICE`` or a
    ``file:///`` recording (looped). Raises if it cannot be opened: the call fails and
    says so rather than going out mute without anyone knowing."""
    from aiortc.contrib.media import MediaPlayer

    kind, _, device = spec.partition(":")
    if kind == "file":
        return MediaPlayer(device.removeprefix("//"), loop=True)
    if kind in ("pulse", "alsa"):
        return MediaPlayer(device or "default", format=kind)
    raise ValueError(f"microphone {spec!r}: expected pulse:…, alsa:… or file:///…")

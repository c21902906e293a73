"""视频咨询: a video call from the kiosk to the hall's staff (远程咨询), reached from the home
screen or from 帮助 on any screen.

A side trip: the service the citizen was in keeps its visit and is back when the call is
over (``Flow.side_trip``). Within the hall's hours the kiosk rings the staff at once
(``kiosk.remote_help.RemoteHelpCall`` on its own thread: the document camera's frames as
the kiosk's picture, the configured microphone as its sound, the staff's voice on the
speaker through ``kiosk.call_audio``); outside them, or when nobody answers or the call
fails, the citizen may leave a mobile number by digit pad for staff to call back: a
办不成事 report with the number, through the outbox (sealed at rest, the number masked in
every log line). While the call rings or runs, the flow keeps its own time (no
还需要更多时间吗? mid-sentence); leaving the screen, the session ending or a new card
hangs up.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future
from datetime import datetime
from typing import Any

import numpy as np

from kiosk import call_audio
from kiosk.flow import Flow
from kiosk.hours import Hours, callback_number_ok, mask_phone
from kiosk.records import Callback
from offline_cache.outbox import Kind, StoreError

log = logging.getLogger(__name__)

ACTIVE = ("calling", "ringing", "connecting", "connected")
SIGNAL_DEADLINE = 5.0  # seconds for one request of the call's signalling


class _Newest:
    """The camera's newest frame, for the call's video track (one slot, any thread)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._frame: np.ndarray | None = None

    def put(self, frame: np.ndarray | None) -> None:
        with self._lock:
            self._frame = frame

    def get(self) -> np.ndarray | None:
        with self._lock:
            return self._frame


class _FaceCamera:
    """A camera of the call's own (``remote_help.camera``): opened at the first frame the
    call asks for, closed when the call ends, both on the call's thread."""

    def __init__(self, port: str, shown: Any) -> None:
        self.port = port
        self._shown = shown  # the citizen's own small picture
        self._camera: Any = None
        self._failed = False

    def read(self) -> np.ndarray | None:
        from drivers.camera import open_camera

        if self._failed:
            return None
        try:
            if self._camera is None:
                self._camera = open_camera(self.port)
                self._camera.open()
            frame = self._camera.preview()
        except Exception as e:  # noqa: BLE001 - the call goes on, the picture dark
            log.error("remote help: face camera %s: %s", self.port, e)
            self._failed = True
            return None
        self._shown(frame)
        return frame

    def close(self) -> None:
        if self._camera is not None:
            self._camera.close()
            self._camera = None


class VideoHelpFlow(Flow):
    id = "video_help"
    side_trip = True
    steps = {"video_help": "screens.video_help:VideoHelpScreen",
             "video_callback": "screens.video_help:CallbackPadScreen"}

    @classmethod
    def available(cls, ctx: Any) -> bool:
        return bool(ctx.config.remote_help.enabled) and ctx.link is not None

    def __init__(self, host: Any) -> None:
        super().__init__(host)
        cfg = self.ctx.config.remote_help
        self.hours = Hours.parse(cfg.hours, cfg.weekdays)
        self.clock = datetime.now  # the hall's local time (tests set it)
        self.call: Any = None  # kiosk.remote_help.RemoteHelpCall (aiortc loads on first use)
        self.came_from = ""  # the step the citizen called from: what staff may see
        self._shown = ""  # the call's state as the screen shows it
        self._started = 0.0
        self._newest = _Newest()

    def bind(self, step: str, screen: Any) -> None:
        if step == "video_help":
            screen.hang_up.connect(self.hang_up)
            screen.call_again.connect(self.call_staff)
            screen.callback.connect(self.ask_number)
            screen.open_pushed.connect(self.open_pushed)
            screen.finished.connect(self.host.back)
        else:
            screen.entered.connect(self.leave_number)

    # --- the citizen -------------------------------------------------------------------
    def start(self) -> None:
        self.came_from = self.host.step
        self.host.go("video_help")
        now = self.clock()
        if self.hours.open_at(now):
            self.call_staff()
        else:
            self.host.screen("video_help").show_closed(self.hours, self.hours.next_opening(now),
                                                       now)

    def call_staff(self) -> None:
        from kiosk.link import terminal_secret
        from kiosk.remote_help import CallSignalling, RemoteHelpCall

        if self.call is not None and self.call.state in ACTIVE:
            return  # a second tap of 再呼叫一次
        cfg, c = self.ctx.config.remote_help, self.ctx.config
        signalling = CallSignalling(self.ctx.link.url, c.terminal.id, terminal_secret(c),
                                    ca_file=c.platform.ca_file, deadline=SIGNAL_DEADLINE)
        screen = self.host.screen("video_help")
        screen.relay.clear()
        self._newest.put(None)
        frames = self._newest.get
        if cfg.camera != "document":  # a face camera of its own, read on the call's thread
            face = _FaceCamera(cfg.camera, screen.relay.push_own)
            frames = face.read
        self.call = RemoteHelpCall(signalling, frames,
                                   no_answer_after=cfg.no_answer_after, tone=False,
                                   ice_servers=list(cfg.ice_servers), context=self._context(),
                                   microphone=cfg.microphone,
                                   on_staff_frame=screen.relay.push_staff,
                                   on_staff_audio=screen.relay.audio.put)
        if cfg.camera != "document":
            self.call.on_state = lambda state: state == "ended" and face.close()
        else:
            self._stream(True)
        self._started = self.host.now()
        self._shown = "calling"
        screen.show_call("calling", 0)
        self.call.start()

    def hang_up(self) -> None:
        if self.call is not None:
            self.call.hang_up()

    def ask_number(self) -> None:
        self.host.screen("video_callback").ask()
        self.host.go("video_callback")

    def leave_number(self, digits: str) -> None:
        pad = self.host.screen("video_callback")
        if not callback_number_ok(digits):
            pad.show_invalid()
            return
        self.host.run(self.record_callback, digits, on_done=self._recorded)

    def record_callback(self, digits: str) -> str:
        assert self.ctx.outbox is not None
        self.ctx.outbox.add_record(Kind.REPORT, "video_help",
                                   Callback.of(digits, self._why()).body())
        log.info("remote help: callback asked for %s", mask_phone(digits))
        return mask_phone(digits)

    def _recorded(self, fut: Future[str]) -> None:
        screen = self.host.screen("video_help")
        try:
            screen.show_callback_kept(fut.result())
        except StoreError as e:
            log.error("remote help: callback not kept: %s", e.tech)
            screen.show_callback_failed(e.code)
        self.host.screen("video_callback").reset()  # the number is not left on a screen
        self.host.back()  # to the call's screen, which says what was kept

    def open_pushed(self) -> None:
        """What the staff sent: a guide item (its id), or a service (``flow:<id>``)."""
        item = self.call.pushed if self.call is not None else ""
        self.hang_up()
        kind, _, flow = item.partition(":")
        if kind == "flow" and flow in self.host.flows and flow != self.id:
            self.host.start(flow)
        elif item and kind != "flow":
            self.host.start("guide", item)

    # --- the call ----------------------------------------------------------------------
    def tick(self, now: float) -> bool:
        call = self.call
        if call is None:
            return False
        screen = self.host.screen("video_help")
        if call.pushed and not screen.pushed:
            screen.show_pushed()
        state = call.state if call.state != "idle" else "calling"
        if state in ACTIVE:
            if state != self._shown or state in ("calling", "ringing"):
                if state == "connected":
                    self._speak(True)
                self._shown = state
                screen.show_call(state, int(now - self._started))
            return True
        if self._shown != "ended":
            self._shown = "ended"
            self._stream(False)
            self._speak(False)
            screen.show_ended(call.ended_by)
            self.host.content_changed()
        return False

    def left(self) -> None:
        self.hang_up()
        self._stream(False)
        self._speak(False)
        self.call = None
        self._shown = ""
        self._newest.put(None)
        if self.host.made("video_help"):  # the citizen's own picture goes with the visit
            self.host.screen("video_help").reset()

    def close(self) -> None:
        if self.call is not None:
            self.call.hang_up()
            self.call.wait(5.0)

    # --- inside ------------------------------------------------------------------------
    def _context(self) -> dict[str, str]:
        """What the staff see of the kiosk's screen: where the citizen was, the language,
        elder mode. Never a name, a number or a document."""
        from kiosk.i18n import translator

        owner = self.host.flow_of(self.came_from) if self.came_from else ""
        return {"service": owner or "home", "step": self.came_from or "home",
                "language": translator.language,
                "elder": "yes" if self.host.screen("video_help").theme.elder else "no"}

    def _why(self) -> str:
        call = self.call
        if call is None:
            return "closed"
        return call.ended_by or "closed"

    def _speak(self, on: bool) -> None:
        """The staff's voice on the kiosk's speaker, at the room's volume (staff mode)."""
        if not self.host.made("video_help"):
            return
        screen = self.host.screen("video_help")
        if screen.speaker is not None:
            screen.speaker.stop()
            screen.speaker = None
        if on:
            volume = self.ctx.volume.value if self.ctx.volume is not None \
                else self.ctx.config.voice.volume
            speaker = call_audio.default_speaker()
            if speaker.start(volume / 100):
                screen.speaker = speaker

    def _stream(self, on: bool) -> None:
        cam = self.ctx.devices.camera
        if cam is None:
            return
        relay = self.host.screen("video_help").relay
        newest = self._newest

        def sink(view: Any) -> None:  # on the camera's thread: only hand the frame on
            newest.put(view.image)
            relay.push_own(view.image)

        cam.frame_sink = sink if on else None
        cam.set_streaming(on)

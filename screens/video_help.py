"""视频咨询: the call to the hall's staff on screen, and the digit pad for a callback number.

Thin: ``kiosk/flows/video_help.py`` says what happens; this shows it. The staff member's
picture fills the screen, the citizen's own picture is small in its corner, and one large
挂断 (a word and a mark, not only red) ends the call. Frames come from the call's and the
camera's threads through ``CallRelay`` (newest only) and are drawn by a timer that runs
only while the screen is shown.
"""

from __future__ import annotations

import threading
from datetime import datetime

import cv2
import numpy as np
from PySide6.QtCore import QRectF, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QBoxLayout, QSizePolicy, QVBoxLayout, QWidget

from kiosk.call_audio import PcmQueue, Speaker
from kiosk.hours import Hours
from kiosk.i18n import tr, translator
from kiosk.opening import day_words, days_words, spans_words
from kiosk.voice import Prompt, Text
from screens.capture import to_qimage
from screens.entry import DigitPadScreen
from screens.theme import RED, Theme
from screens.widgets import Screen, button, label, tr_or

OWN_WIDTH = 360  # pixels of the citizen's own picture as it is kept for the screen


class CallRelay:
    """The newest picture of each side and the staff's voice, from other threads to the
    screen."""

    def __init__(self) -> None:
        self.audio = PcmQueue()
        self._lock = threading.Lock()
        self._staff: QImage | None = None
        self._own: QImage | None = None
        self.staff_frames = 0  # staff frames received in this call

    def push_staff(self, bgr: np.ndarray) -> None:
        image = to_qimage(bgr)
        with self._lock:
            self._staff = image
            self.staff_frames += 1

    def push_own(self, bgr: np.ndarray) -> None:
        h, w = bgr.shape[:2]
        small = cv2.resize(bgr, (OWN_WIDTH, max(2, h * OWN_WIDTH // w)),
                           interpolation=cv2.INTER_AREA)
        image = to_qimage(small)
        with self._lock:
            self._own = image

    def take(self) -> tuple[QImage | None, QImage | None]:
        with self._lock:
            staff, own = self._staff, self._own
            self._staff = self._own = None
        return staff, own

    def clear(self) -> None:
        with self._lock:
            self._staff = self._own = None
            self.staff_frames = 0
        self.audio.clear()


class CallView(QWidget):
    """The staff member large (or a dark field while ringing), the citizen small."""

    def __init__(self) -> None:
        super().__init__()
        self.staff: QImage | None = None
        self.own: QImage | None = None
        self.staff_shown = 0  # staff frames drawn (tests look)
        self.setMinimumSize(480, 300)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def show_frames(self, staff: QImage | None, own: QImage | None) -> None:
        if staff is not None:
            self.staff = staff
            self.staff_shown += 1
        if own is not None:
            self.own = own
        if staff is not None or own is not None:
            self.update()

    def clear(self) -> None:
        self.staff = self.own = None
        self.update()

    def paintEvent(self, _event: object) -> None:  # noqa: N802 - Qt API
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        p.fillRect(self.rect(), QColor("#1F2937"))
        if self.staff is not None:
            p.drawImage(_fit(self.staff, QRectF(self.rect())), self.staff)
        if self.own is not None:
            room = QRectF(self.rect()).adjusted(0, 0, -16, -16)
            w = min(room.width() * 0.28, 360.0)
            h = w * self.own.height() / max(1, self.own.width())
            box = QRectF(room.right() - w, room.bottom() - h, w, h)
            p.drawImage(box, self.own)
            p.setPen(QPen(QColor("#FFFFFF"), 4))
            p.drawRect(box)
        p.end()


def _fit(image: QImage, room: QRectF) -> QRectF:
    scale = min(room.width() / image.width(), room.height() / image.height())
    w, h = image.width() * scale, image.height() * scale
    return QRectF(room.x() + (room.width() - w) / 2, room.y() + (room.height() - h) / 2, w, h)


def describe_hours(hours: Hours) -> str:
    """周一至周五 09:00–12:00、13:30–17:30, as the closed screen says it too."""
    language = translator.language
    return f"{days_words(hours.weekdays, language)} {spans_words(hours, language)}"


def describe_next(at: datetime | None, now: datetime) -> str:
    if at is None:
        return tr("video.next_never")
    return tr("video.next", day=day_words(at, now, translator.language), t=f"{at:%H:%M}")


class VideoHelpScreen(Screen):
    name = "video_help"
    help_key = "help.video"
    hang_up = Signal()
    call_again = Signal()
    callback = Signal()  # leave a number for a callback
    open_pushed = Signal()  # open the guide item the staff sent
    finished = Signal()  # 返回: back to where the citizen called from

    def __init__(self) -> None:
        super().__init__()
        self.relay = CallRelay()
        self.speaker: Speaker | None = None  # the staff's voice, while a call is connected
        self.poll = QTimer(self)
        self.poll.setInterval(30)
        self.poll.timeout.connect(self._on_frames)
        self.state = ""  # closed, calling, ringing, connecting, connected, ended, kept
        self.pushed = False
        self._key: tuple[str, dict[str, object]] = ("", {})  # the title's words
        self._text: tuple[str, dict[str, object]] = ("", {})
        self.title = label("Title")
        self.text = label("Hint")
        self.view = CallView()
        self.hang_up_btn = button()
        self.hang_up_btn.setObjectName("HangUp")
        self.hang_up_btn.clicked.connect(self._hang_up)
        self.again_btn = button()
        self.again_btn.clicked.connect(self.call_again.emit)
        self.callback_btn = button(primary=True)
        self.callback_btn.clicked.connect(self.callback.emit)
        self.pushed_btn = button(primary=True)
        self.pushed_btn.clicked.connect(self.open_pushed.emit)
        self.back_btn = button()
        self.back_btn.clicked.connect(self.finished.emit)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(40, 16, 40, 16)
        lay.setSpacing(16)
        lay.addWidget(self.title)
        lay.addWidget(self.text)
        lay.addWidget(self.view, 1)
        self.filler = QWidget()  # holds the words up top when there is no picture
        lay.addWidget(self.filler, 1)
        self.buttons = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.buttons.setSpacing(24)
        for b in (self.pushed_btn, self.callback_btn, self.again_btn, self.back_btn,
                  self.hang_up_btn):
            self.buttons.addWidget(b, 1)
        lay.addLayout(self.buttons)
        self.reset()

    # --- what the flow says ------------------------------------------------------------
    def show_closed(self, hours: Hours, next_at: datetime | None, now: datetime) -> None:
        self._set("closed", ("video.closed_title", {}),
                  ("video.closed_text", {"hours": describe_hours(hours),
                                         "next": describe_next(next_at, now)}))

    def show_call(self, state: str, waited: int) -> None:
        key = "video.calling" if state in ("calling", "ringing") else f"video.{state}"
        self._set(state, (key, {}), (f"{key}_text", {"s": waited}))

    def show_ended(self, ended_by: str) -> None:
        by = ended_by if ended_by in ("staff", "kiosk", "no_answer") else "failed"
        self._set("ended", (f"video.ended.{by}", {}), (f"video.ended.{by}_text", {}))

    def show_pushed(self) -> None:
        self.pushed = True
        self._buttons()

    def show_callback_kept(self, masked: str) -> None:
        self._set("kept", ("video.kept_title", {}), ("video.kept_text", {"phone": masked}))

    def show_callback_failed(self, code: str) -> None:
        self._set("kept", ("video.kept_failed", {}),
                  ("", {"text": tr_or(f"error.{code}", tr("error.generic"))}))

    # --- inside ------------------------------------------------------------------------
    def _set(self, state: str, title: tuple[str, dict[str, object]],
             text: tuple[str, dict[str, object]]) -> None:
        self.state, self._key, self._text = state, title, text
        if state not in ("calling", "ringing", "connecting", "connected"):
            self.view.clear()
        self.view.setVisible(state in ("calling", "ringing", "connecting", "connected"))
        self.filler.setVisible(not self.view.isVisibleTo(self))
        self._buttons()
        self.retranslate()

    def _buttons(self) -> None:
        s = self.state
        active = s in ("calling", "ringing", "connecting", "connected")
        self.hang_up_btn.setVisible(active)
        self.again_btn.setVisible(s == "ended")
        self.callback_btn.setVisible(s == "closed" or s == "ended")
        self.back_btn.setVisible(not active)
        self.pushed_btn.setVisible(self.pushed and s != "kept")

    def voice_prompt(self) -> Prompt:
        """The title; closed or ended, what it says under it too (the hours, what to do
        next). Never the seconds waited (a prompt said again each second is noise), nor
        the number kept, even masked."""
        said = [Text(self.title.text())]
        if self.state in ("closed", "ended") and self.text.text():  # not a number kept
            said.append(Text(self.text.text()))
        return tuple(said)

    def _hang_up(self) -> None:
        self.hang_up_btn.setEnabled(False)  # one tap is enough; the flow shows the end
        self.hang_up.emit()

    def _on_frames(self) -> None:
        self.view.show_frames(*self.relay.take())
        voice = self.relay.audio.take()
        if voice and self.speaker is not None:
            self.speaker.write(voice)

    def showEvent(self, event: object) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)  # type: ignore[arg-type]
        self.poll.start()

    def hideEvent(self, event: object) -> None:  # noqa: N802 - Qt API
        super().hideEvent(event)  # type: ignore[arg-type]
        self.poll.stop()

    def apply_theme(self, theme: Theme) -> None:
        super().apply_theme(theme)
        self.hang_up_btn.setStyleSheet(
            f"QPushButton#HangUp {{ background: {RED}; color: #FFFFFF; border: 0; }}"
            f"QPushButton#HangUp:disabled {{ background: #7A1414; color: #FFFFFF; }}")

    def set_portrait(self, portrait: bool) -> None:
        d = QBoxLayout.Direction
        self.buttons.setDirection(d.TopToBottom if portrait else d.LeftToRight)

    def reset(self) -> None:
        self.relay.clear()
        self.view.clear()
        self.pushed = False
        self._set("", ("video.title", {}), ("", {}))

    def on_enter(self) -> None:
        self.hang_up_btn.setEnabled(True)

    def retranslate(self) -> None:
        key, fmt = self._key
        self.title.setText(tr(key, **fmt) if key else "")
        key, fmt = self._text
        self.text.setText(tr(key, **fmt) if key else str(fmt.get("text", "")))
        self.hang_up_btn.setText("✕ " + tr("video.hang_up"))
        self.again_btn.setText(tr("video.call_again"))
        self.callback_btn.setText(tr("video.callback"))
        self.pushed_btn.setText(tr("video.open_pushed"))
        self.back_btn.setText(tr("video.back"))


class CallbackPadScreen(DigitPadScreen):
    """The citizen's mobile number for staff to call back: 11 digits, checked."""

    name = "video_callback"
    help_key = "help.video_callback"

    def ask(self) -> None:
        self.prompt("video.callback_title", "video.callback_hint", 11)

    def show_invalid(self) -> None:
        self._hint_key = "video.callback_invalid"
        self.retranslate()
        self.hint.setStyleSheet(f"color: {RED};")

    def press(self, key: str) -> None:
        if self._hint_key == "video.callback_invalid":
            self._hint_key = "video.callback_hint"
            self.hint.setStyleSheet("")
        super().press(key)

    def reset(self) -> None:
        super().reset()
        self.hint.setStyleSheet("")

"""材料拍照: the live camera picture with the page outlined, the pages taken, and the summary.

The screen only shows: frames arrive through ``FrameRelay``, a one-frame mailbox the
camera's thread fills and a timer on the GUI thread empties, so a slow paint drops old
frames instead of queueing them. (No signal is emitted per frame: PySide6 6.12's
``SignalInstance.emit`` drops a reference to ``True`` on every call, and a process that has
emitted a few hundred times aborts.) Taps go out as signals; the window runs the camera and
keeps the pages in the session.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import (
    QBoxLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from drivers.camera.live import PreviewFrame
from kiosk.i18n import tr, translator
from screens import theme as th
from screens.theme import Theme
from screens.widgets import Screen, button, label, tr_or

_QWIDGETSIZE_MAX = (1 << 24) - 1  # Qt's "no maximum" (not exported by PySide6)
_FOUND = QColor("#1E8E3E")
_CUT_OFF = QColor("#B26A00")
# Camera codes that say the device, not the page, failed: gone once it is ready again.
_DEVICE_CODES = ("camera.gone", "camera.not_found", "camera.bad_port", "camera.internal",
                 "camera.not_started")
# Results that say what to put down next: they stay while the desk is empty or the page
# just taken still lies there, until the next page is held still or something goes wrong.
_WHAT_NEXT = ("capture.taken", "capture.already_taken", "capture.retaking")


def to_qimage(bgr: np.ndarray) -> QImage:
    """A QImage that owns a copy of the pixels (safe to build on any thread). The pixels
    are copied into the image's own memory: wrapping a Python buffer instead leaves Qt
    holding a reference that outlives the frame."""
    h, w = bgr.shape[:2]
    img = QImage(w, h, QImage.Format.Format_BGR888)
    rows = np.frombuffer(img.bits(), np.uint8).reshape(h, img.bytesPerLine())
    rows[:, : w * 3] = bgr.reshape(h, w * 3)
    return img


@dataclass(frozen=True)
class ShownFrame:
    image: QImage
    outline: np.ndarray | None  # preview pixels, TL TR BR BL
    cut_off: bool
    progress: float


class FrameRelay:
    """One-frame mailbox from the camera thread to the screen: only the newest frame waits,
    and a request to take the page by itself is kept until the screen has seen it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._frame: ShownFrame | None = None
        self._capture = False

    def push(self, view: PreviewFrame) -> None:
        det = view.detection
        shown = ShownFrame(to_qimage(view.image), det.outline if det.outline is not None
                           else None, det.cut_off, view.progress)
        with self._lock:
            self._frame = shown
            self._capture = self._capture or view.capture

    def take(self) -> tuple[ShownFrame | None, bool]:
        with self._lock:
            frame, capture = self._frame, self._capture
            self._frame, self._capture = None, False
        return frame, capture


class PreviewView(QWidget):
    """The camera picture, the page's outline over it and a bar filling while it is held."""

    def __init__(self) -> None:
        super().__init__()
        self.frame: ShownFrame | None = None
        self.frames_shown = 0
        self.setMinimumSize(480, 260)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def show_frame(self, frame: ShownFrame | None) -> None:
        self.frame = frame
        self.frames_shown += frame is not None
        self.update()

    def paintEvent(self, _event: object) -> None:  # noqa: N802 - Qt API
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("#1F2933"))
        f = self.frame
        if f is None:
            p.end()
            return
        iw, ih = f.image.width(), f.image.height()
        s = min(self.width() / iw, self.height() / ih)
        x0, y0 = (self.width() - iw * s) / 2, (self.height() - ih * s) / 2
        p.drawImage(QRectF(x0, y0, iw * s, ih * s), f.image)
        if f.outline is not None:
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            pen = QPen(_CUT_OFF if f.cut_off else _FOUND, 6)
            if f.cut_off:
                pen.setStyle(Qt.PenStyle.DashLine)
            p.setPen(pen)
            p.drawPolygon(QPolygonF([QPointF(x0 + x * s, y0 + y * s) for x, y in f.outline]))
        if f.progress > 0:
            p.fillRect(QRectF(x0, y0 + ih * s - 16, iw * s * f.progress, 16), _FOUND)
        p.end()


def _frame_state(frame: ShownFrame) -> str:
    """What the camera sees: nothing, a page partly outside, a page, or a page lying still
    and about to be taken by itself (the hold bar filling)."""
    if frame.outline is None:
        return "searching"
    if frame.cut_off:
        return "cut_off"
    return "hold" if frame.progress > 0 else "found"


class PageCard(QFrame):
    """One page taken: its picture, its number, and 重拍 / 删除. Made once and shown again
    for whichever page it holds (``hold``): making a card anew for each page taken held the
    event loop for 50–70 ms while the camera was busy."""

    SIDE = 120  # px: a glance at which page it is; the buttons grow in elder mode instead

    def __init__(self, on_retake: Callable[[int], None],
                 on_delete: Callable[[int], None]) -> None:
        super().__init__()
        self.setObjectName("Dialog")
        self.index = 0
        lay = QHBoxLayout(self)
        lay.setContentsMargins(12, 12, 12, 12)
        lay.setSpacing(16)
        self.pic = QLabel()
        self.pic.setFixedSize(self.SIDE, self.SIDE)
        self.pic.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.number = label("", "", wrap=False)
        self.retake = button()
        self.delete = button()
        self.retake.clicked.connect(lambda: on_retake(self.index))
        self.delete.clicked.connect(lambda: on_delete(self.index))
        col = QVBoxLayout()
        col.addWidget(self.number)
        row = QHBoxLayout()
        row.setSpacing(16)
        row.addWidget(self.retake)
        row.addWidget(self.delete)
        col.addLayout(row)
        lay.addWidget(self.pic)
        lay.addLayout(col, 1)

    def hold(self, index: int, page: TakenPage) -> None:
        self.index = index
        if page.picture is None:  # scaled once per page, not at every change of the list
            page.picture = QPixmap.fromImage(page.image).scaled(
                self.SIDE, self.SIDE, Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation)
        self.pic.setPixmap(page.picture)
        self.number.setText(tr("capture.page", n=index + 1))


@dataclass
class TakenPage:
    image: QImage  # thumbnail
    phash: int
    picture: QPixmap | None = field(default=None, compare=False)  # as its card shows it


class CaptureScreen(Screen):
    name = "capture"
    help_key = "help.capture"
    capture_requested = Signal(bool)  # True: taken by itself (the page lay still)
    delete_requested = Signal(int)
    finished = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.relay = FrameRelay()
        self.poll = QTimer(self)  # faster than any camera; runs only while shown
        self.poll.setInterval(15)
        self.poll.timeout.connect(self._on_frame)
        self.pages: list[TakenPage] = []
        self.retake_index: int | None = None
        self.busy = False
        self.camera_ready = False
        self._device_error = ""  # why the camera is not ready, as an error key
        self._state = "searching"  # what the latest frame shows (see _frame_state)
        # The latest result or error; it stands until something newer happens under the
        # camera (see _on_frame), so the line under the picture is the newest true one.
        self._message: tuple[str, dict[str, object]] = ("", {})
        self._cards: list[PageCard] = []  # the cards showing a page now
        self._pool: list[PageCard] = []  # every card made, in the order shown

        self.title = label("Title")
        self.preview = PreviewView()
        # One line under the picture says what is happening now: calm, or red when wrong.
        self.status = label("Status")
        self.error = label("Error")
        self.code = label("ErrorCode")
        self.shoot = button(primary=True)
        self.shoot.clicked.connect(lambda: self._request(False))
        self.finish = button()
        self.finish.clicked.connect(self.finished.emit)
        self.more = label("Hint", wrap=False)
        self.cards_box = QVBoxLayout()
        self.cards_box.setSpacing(12)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(40, 12, 40, 12)
        lay.setSpacing(16)
        lay.addWidget(self.title)
        self.columns = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.columns.setSpacing(32)
        # What to do now, and what went wrong, under the picture the citizen is looking at.
        left = QVBoxLayout()
        left.addWidget(self.preview, 1)
        for w in (self.status, self.error, self.code):
            left.addWidget(w)
        side = QVBoxLayout()
        side.setSpacing(12)
        side.addWidget(self.shoot)
        side.addWidget(self.more)
        side.addLayout(self.cards_box)
        side.addStretch(1)
        side.addWidget(self.finish)
        self.side = QWidget()
        self.side.setLayout(side)
        self.columns.addLayout(left, 3)
        self.columns.addWidget(self.side, 2)
        lay.addLayout(self.columns, 1)
        self.retranslate()

    # --- from the window -------------------------------------------------------------
    def set_portrait(self, portrait: bool) -> None:
        d = QBoxLayout.Direction
        self.columns.setDirection(d.TopToBottom if portrait else d.LeftToRight)

    def set_camera(self, ready: bool, code: str = "") -> None:
        self.camera_ready = ready
        if not ready:
            self.preview.show_frame(None)
            # Not yet started is not an error: the line says it is connecting.
            self._device_error = (f"error.{code}" if code and code != "camera.not_started"
                                  else "")
        else:
            self._device_error = ""
            if self._message[0].removeprefix("error.") in _DEVICE_CODES:
                self._message = ("", {})  # a capture the lost camera failed: it is back
        self.retranslate()

    def earlier_hashes(self) -> list[int]:
        """Hashes of the pages kept (without the one being retaken) for the same-page gate."""
        return [p.phash for i, p in enumerate(self.pages) if i != self.retake_index]

    def start_capture(self) -> None:
        self.busy = True
        self._message = ("capture.processing", {})
        self.retranslate()

    def page_taken(self, image: QImage, phash: int) -> int:
        """Show a new page (or the retaken one); returns its index."""
        index = self.retake_index
        if index is None:
            self.pages.append(TakenPage(image, phash))
            index = len(self.pages) - 1
        else:
            self.pages[index] = TakenPage(image, phash)
        self.retake_index = None
        self.busy = False
        self._message = ("capture.taken", {"n": index + 1})
        self._rebuild_cards()
        return index

    def show_page(self, thumbnail: np.ndarray, phash: int) -> int:
        """``page_taken`` for the pipeline's BGR thumbnail."""
        return self.page_taken(to_qimage(thumbnail), phash)

    def page_rejected(self, code: str, repeats: int = 0) -> None:
        self.busy = False
        self._message = (f"error.{code}", {"n": repeats} if repeats else {})
        self.retranslate()

    def capture_ignored(self) -> None:
        """An automatic capture that found a page already taken: no error, just what is
        true (the page lying there is taken; the next may come)."""
        self.busy = False
        self._message = ("capture.already_taken", {})
        self.retranslate()

    def remove_page(self, index: int) -> None:
        del self.pages[index]
        if self.retake_index is not None:
            self.retake_index = None if self.retake_index == index else (
                self.retake_index - (self.retake_index > index))
        self._message = ("", {})
        self._rebuild_cards()

    def reset(self) -> None:
        self.pages.clear()
        self.retake_index = None
        self.busy = False
        self._message = ("", {})
        self._state = "searching"
        self.preview.show_frame(None)
        self.relay.take()
        self._rebuild_cards()

    def showEvent(self, event: object) -> None:  # noqa: N802 - Qt API
        self.relay.take()  # a frame left from the last visit is not news
        self.poll.start()
        super().showEvent(event)

    def hideEvent(self, event: object) -> None:  # noqa: N802 - Qt API
        self.poll.stop()
        super().hideEvent(event)

    # --- inside ------------------------------------------------------------------------
    def _on_frame(self) -> None:
        frame, capture = self.relay.take()
        if frame is None:
            return
        self.preview.show_frame(frame)
        state = _frame_state(frame)
        if state != self._state:
            self._state = state
            # Something new under the camera outdates the last result, unless that result
            # still says what to do next and nothing has been put down to do it yet.
            key = self._message[0]
            if not self.busy and key and not (state in ("searching", "found")
                                              and key in _WHAT_NEXT):
                self._message = ("", {})
            self._show_status()
        if capture:
            self._request(True)

    def _request(self, auto: bool) -> None:
        if not self.busy and self.camera_ready:
            self.capture_requested.emit(auto)

    def _retake(self, index: int) -> None:
        self.retake_index = index
        self._message = ("capture.retaking", {"n": index + 1})
        self.retranslate()

    def apply_theme(self, theme: Theme) -> None:
        super().apply_theme(theme)
        # The line under the picture is what to do now: full ink, not the muted hint grey.
        self.status.setStyleSheet(
            f"font-size: {theme.body}px; color: {th.INK}; font-weight: bold;")
        # Elder mode: fewer, bigger cards; the page count says how many are not shown.
        self.side.setMinimumWidth(theme.px(500))
        self._rebuild_cards()

    def _rebuild_cards(self) -> None:
        shown = 1 if self.theme.elder else 2  # the newest pages; the count tells the rest
        while len(self._pool) < shown:
            card = PageCard(self._retake, self.delete_requested.emit)
            self.cards_box.addWidget(card)
            self._pool.append(card)
        first = max(0, len(self.pages) - shown)
        self._cards = self._pool[:len(self.pages) - first]
        for n, card in enumerate(self._pool):
            if card in self._cards:
                card.hold(first + n, self.pages[first + n])
            else:  # a citizen's page is not kept, even hidden, once it is off the list
                card.pic.clear()
            # now, not on the next pass of the event loop: it can be tapped at once
            card.setVisible(card in self._cards)
        self.retranslate()

    def _status_line(self) -> tuple[str, dict[str, object]]:
        """The one thing to say under the picture now: the key and its fields."""
        if not self.camera_ready:
            return (self._device_error or "capture.camera_waiting"), {}
        if self._message[0]:
            return self._message
        return f"capture.{self._state}", {}

    def _show_status(self) -> None:
        key, fmt = self._status_line()
        is_error = key.startswith("error.")
        text = tr(key, **fmt) if fmt else tr_or(key, tr("error.generic"))
        self.status.setText("" if is_error else text)
        self.status.setVisible(not is_error)
        self.error.setText(text if is_error else "")
        self.error.setVisible(is_error)
        code = key.removeprefix("error.") if is_error else ""
        self.code.setText(tr("error.code", code=code) if code else "")
        self.code.setVisible(bool(code))

    def set_heading(self, heading: dict[str, str] | None) -> None:
        """What is being photographed (a material, by language); None: the usual title."""
        self._heading = heading
        self.retranslate()

    def retranslate(self) -> None:
        heading = getattr(self, "_heading", None)
        self.title.setText(tr("capture.title_of", name=heading[translator.language])
                           if heading else tr("capture.title"))
        self._show_status()
        self.shoot.setText(tr("capture.shoot"))
        self.shoot.setEnabled(self.camera_ready and not self.busy)
        n = len(self.pages)
        self.finish.setText(tr("capture.finish", n=n))
        self.finish.setEnabled(n > 0 and not self.busy)
        hidden = n - len(self._cards)
        self.more.setText(tr("capture.more", n=hidden))
        self.more.setVisible(hidden > 0)
        for c in self._cards:
            c.retake.setText(tr("capture.retake"))
            c.delete.setText(tr("capture.delete"))


def _paper_mm(page: QImage) -> float:
    """The long side of the paper a page shows, in mm, told by its shape: an ID card is
    1.58 : 1, an A4 sheet 1.41 : 1 (other papers are taken as A4)."""
    long, short = max(page.width(), page.height()), min(page.width(), page.height())
    return 85.6 if long > 1.5 * short else 297.0


def _share(room: float, wanted: list[float]) -> list[float]:
    """Heights for rows that each want some (their pages at full width): all they want if
    it fits, else the same cap for every row, set so the rows fill ``room`` — a row of
    short pages (ID cards) gives what it does not need to the rows of tall ones."""
    if sum(wanted) <= room:
        return wanted
    left, cap = room, 0.0
    for k, want in enumerate(sorted(wanted)):
        cap = left / (len(wanted) - k)
        if want > cap:
            break
        left -= want
    return [min(want, cap) for want in wanted]


class PageGrid(QWidget):
    """The pages taken, each as large as the room allows, its number under it: the citizen
    checks them from a step back. The grid is worked out from the room it gets, so it fills
    whatever the words around it leave, in either orientation and with elder mode's bigger
    text: of all numbers of columns, the one whose least legible page is the most legible
    (pixels per millimetre of paper: an ID card needs far fewer pixels than an A4 sheet),
    each row as tall as its pages need and the rows sharing the height between them."""

    GAP = 24

    def __init__(self) -> None:
        super().__init__()
        self.images: list[QImage] = []
        self.number_px = 30
        self.setMinimumSize(240, 240)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_pages(self, images: list[QImage], number_px: int) -> None:
        self.images = list(images)
        self.number_px = number_px
        self.update()

    def _number_height(self) -> float:
        return self.number_px * 1.5

    def page_rects(self) -> list[QRectF]:
        """Where each page is drawn, in this widget's pixels."""
        n = len(self.images)
        w, h, gap, lab = self.width(), self.height(), self.GAP, self._number_height()
        best: tuple[tuple[float, float], list[list[int]], list[tuple[float, float]],
                    list[float], float] | None = None
        for cols in range(1, n + 1):
            rows = [list(range(r, min(r + cols, n))) for r in range(0, n, cols)]
            cw = (w - gap * (cols - 1)) / cols
            room = h - len(rows) * lab - (len(rows) - 1) * gap
            if cw <= 0 or room <= 0:
                continue
            heights = _share(room, [max(cw * self.images[i].height() / self.images[i].width()
                                        for i in row) for row in rows])
            sizes: list[tuple[float, float]] = [(0.0, 0.0)] * n
            for row, row_h in zip(rows, heights, strict=True):
                for i in row:
                    img = self.images[i]
                    k = min(cw / img.width(), row_h / img.height())
                    sizes[i] = (img.width() * k, img.height() * k)
            legible = min(max(pw, ph) / _paper_mm(img)
                          for (pw, ph), img in zip(sizes, self.images, strict=True))
            area = sum(pw * ph for pw, ph in sizes)
            if best is None or (legible, area) > best[0]:
                best = ((legible, area), rows, sizes, heights, cw)
        if best is None:
            return []
        _, rows, sizes, heights, cw = best
        y = (h - sum(heights) - len(rows) * lab - (len(rows) - 1) * gap) / 2
        out = []
        for row, row_h in zip(rows, heights, strict=True):
            left = (w - (len(row) * cw + (len(row) - 1) * gap)) / 2  # a short row is centred
            for c, i in enumerate(row):
                pw, ph = sizes[i]
                # Pages stand on one line, their numbers under it in a row.
                out.append(QRectF(left + c * (cw + gap) + (cw - pw) / 2, y + row_h - ph, pw, ph))
            y += row_h + lab + gap
        return out

    def paintEvent(self, _event: object) -> None:  # noqa: N802 - Qt API
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        font = p.font()
        font.setPixelSize(self.number_px)
        font.setBold(True)
        p.setFont(font)
        lab = self._number_height()
        for i, (rect, img) in enumerate(zip(self.page_rects(), self.images, strict=True)):
            # A white page on the light grey needs an edge to be seen as a sheet.
            p.setPen(QPen(QColor(th.LINE), 2))
            p.setBrush(QColor(th.CARD))
            p.drawRect(rect.adjusted(-2, -2, 2, 2))
            p.drawImage(rect, img)
            p.setPen(QColor(th.INK))
            p.drawText(QRectF(rect.left() - 100, rect.bottom() + 6, rect.width() + 200, lab),
                       Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
                       tr("capture.page", n=i + 1))
        p.end()


class ScanSummaryScreen(Screen):
    """The pages taken, once more, and what happens to them (nothing keeps them yet).

    The pages get all the room the words and 完成 leave: beside them in landscape (the
    screen is wide, not tall), above them in portrait."""

    name = "scan_summary"
    help_key = "help.scan_summary"
    finished = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.images: list[QImage] = []
        self.title = label("Title")
        self.text = label("Hint")
        self.text.setStyleSheet(f"color: {th.INK};")
        self.pages = PageGrid()
        self.done = button(primary=True)
        self.done.clicked.connect(self.finished.emit)
        self.side = QWidget()
        self.side_box = QVBoxLayout(self.side)
        self.side_box.setContentsMargins(0, 0, 0, 0)
        self.side_box.setSpacing(24)
        self.side_box.addStretch(1)
        self.side_box.addWidget(self.done)
        self.body = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.body.setSpacing(40)
        self.body.addWidget(self.pages, 1)
        self.body.addWidget(self.side)
        self.main = QVBoxLayout(self)
        self.main.setContentsMargins(40, 16, 40, 16)
        self.main.setSpacing(16)
        self.main.addWidget(self.title)
        self.main.addLayout(self.body, 1)
        self._portrait: bool | None = None
        self.retranslate()

    def show_pages(self, images: list[QImage]) -> None:
        self.images = list(images)
        self.pages.set_pages(self.images, self.theme.body)
        self.retranslate()

    def apply_theme(self, theme: Theme) -> None:
        super().apply_theme(theme)
        self.pages.set_pages(self.images, theme.body)
        self._lay_out()

    def resizeEvent(self, event: object) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        portrait = self.height() > self.width()
        if portrait != self._portrait:
            self._portrait = portrait
            self._lay_out()

    def _lay_out(self) -> None:
        d = QBoxLayout.Direction
        portrait = bool(self._portrait)
        self.body.setDirection(d.TopToBottom if portrait else d.LeftToRight)
        # The words come before the pages: under the title in portrait, at the top of the
        # column beside them in landscape.
        self.main.removeWidget(self.text)
        self.side_box.removeWidget(self.text)
        if portrait:
            self.main.insertWidget(1, self.text)
        else:
            self.side_box.insertWidget(0, self.text)
        if portrait:
            self.side.setMinimumWidth(0)
            self.side.setMaximumWidth(_QWIDGETSIZE_MAX)
        else:  # words and 完成 in a column beside the pages, which get the rest
            self.side.setFixedWidth(640 if self.theme.elder else 480)
        self.done.setMinimumWidth(self.theme.px(360))
        self.done.setSizePolicy(
            QSizePolicy.Policy.Minimum if portrait else QSizePolicy.Policy.Expanding,
            QSizePolicy.Policy.Fixed)
        self.side.layout().setAlignment(
            self.done, Qt.AlignmentFlag.AlignHCenter if portrait else Qt.AlignmentFlag(0))

    def reset(self) -> None:
        self.show_pages([])

    def retranslate(self) -> None:
        self.title.setText(tr("scan_summary.title", n=len(self.images)))
        self.text.setText(tr("scan_summary.text"))
        self.done.setText(tr("scan_summary.done"))
        self.pages.update()

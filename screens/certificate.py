"""证明打印 screens: a question with tiles (which certificate, what for, which period), the
preview of every page, and the printing with what came out and what did not."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize, Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtPdf import QPdfDocument
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout

from kiosk.i18n import tr, translator
from screens.entry import ChoiceScreen, TextEntryScreen
from screens.theme import Theme
from screens.widgets import Screen, button, label

ZOOMS = (1.0, 1.5, 2.0)  # the page's width as a share of the room; more shows a part of it


class CertChoiceScreen(ChoiceScreen):
    def __init__(self, name: str) -> None:
        super().__init__(name, help_prefix="certificate")


class PageView(QLabel):
    """One page of the PDF, drawn as wide as the room (× the zoom) and clipped to it."""

    def __init__(self) -> None:
        super().__init__()
        self.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.setMinimumSize(200, 200)
        self.setStyleSheet("background: #d9dde3;")
        self.doc = QPdfDocument(self)
        self._buffer: QBuffer | None = None
        self.page = 0
        self.zoom = 0

    def set_pdf(self, pdf: bytes) -> None:
        self.doc.close()
        self._buffer = QBuffer()
        self._buffer.setData(QByteArray(pdf))
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.doc.load(self._buffer)
        self.page, self.zoom = 0, 0
        self.redraw()

    def clear_pdf(self) -> None:
        self.doc.close()
        self._buffer = None
        self.clear()

    def pages(self) -> int:
        return self.doc.pageCount() if self._buffer is not None else 0

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        self.redraw()

    def redraw(self) -> None:
        if self.pages() == 0 or self.width() < 10:
            return
        size = self.doc.pagePointSize(self.page)
        # Whole page in the room at zoom 1; the top of it larger at 1.5 and 2.
        fit = min(self.width() / size.width(), self.height() / size.height())
        scale = fit * ZOOMS[self.zoom]
        image = self.doc.render(self.page, QSize(round(size.width() * scale),
                                                 round(size.height() * scale)))
        self.setPixmap(QPixmap.fromImage(image).copy(0, 0, min(image.width(), self.width()),
                                                     min(image.height(), self.height())))


class CertPreviewScreen(Screen):
    """预览: every page, readable (+/− zoom), the page count, the cost, then 打印."""

    name = "cert_preview"
    help_key = "certificate.help.preview"
    print_requested = Signal()

    def __init__(self) -> None:
        super().__init__()
        self._info: dict[str, Any] = {}
        self._state = "loading"
        outer = QVBoxLayout(self)
        outer.setContentsMargins(60, 20, 60, 16)
        outer.setSpacing(12)
        self.title = label("Title")
        self.body = QHBoxLayout()
        self.body.setSpacing(24)
        self.view = PageView()
        side = QVBoxLayout()
        side.setSpacing(12)
        self.info = label("")
        self.error = label("Error")
        self.page_label = label("Hint", wrap=False)
        self.prev, self.next = button(), button()
        self.zoom_out, self.zoom_in = button(), button()
        self.print_btn = button(primary=True)
        self.prev.clicked.connect(lambda: self._turn(-1))
        self.next.clicked.connect(lambda: self._turn(1))
        self.zoom_in.clicked.connect(lambda: self._zoom(1))
        self.zoom_out.clicked.connect(lambda: self._zoom(-1))
        self.print_btn.clicked.connect(self.print_requested.emit)
        pages = QHBoxLayout()
        pages.addWidget(self.prev)
        pages.addWidget(self.next)
        zoom = QHBoxLayout()
        zoom.addWidget(self.zoom_out)
        zoom.addWidget(self.zoom_in)
        for w in (self.info, self.error):
            side.addWidget(w)
        side.addStretch(1)
        side.addWidget(self.page_label)
        side.addLayout(pages)
        side.addLayout(zoom)
        side.addWidget(self.print_btn)
        self.side = side
        self.body.addWidget(self.view, 3)
        self.body.addLayout(side, 2)
        outer.addWidget(self.title)
        outer.addLayout(self.body, 1)
        self.retranslate()

    def apply_theme(self, theme: Theme) -> None:
        super().apply_theme(theme)
        self.retranslate()

    def set_portrait(self, portrait: bool) -> None:
        d = QHBoxLayout.Direction
        self.body.setDirection(d.TopToBottom if portrait else d.LeftToRight)
        self.body.setStretch(0, 3)
        self.body.setStretch(1, 2 if not portrait else 1)

    def show_loading(self) -> None:
        self._state = "loading"
        self.view.clear_pdf()
        self.retranslate()

    def show_error(self, code: str) -> None:
        self._state = code
        self.view.clear_pdf()
        self.retranslate()

    def show_certificate(self, pdf: bytes, title: dict[str, str], purpose: dict[str, str],
                         fee_cents: int, expires: str) -> None:
        self._state = ""
        self._info = {"title": title, "purpose": purpose, "fee_cents": fee_cents,
                      "expires": expires}
        self.view.set_pdf(pdf)
        self.retranslate()

    def reset(self) -> None:
        self._info = {}
        self.show_loading()

    def _turn(self, step: int) -> None:
        self.view.page = min(max(0, self.view.page + step), self.view.pages() - 1)
        self.view.redraw()
        self.retranslate()

    def _zoom(self, step: int) -> None:
        self.view.zoom = min(max(0, self.view.zoom + step), len(ZOOMS) - 1)
        self.view.redraw()
        self.retranslate()

    def retranslate(self) -> None:
        ready = self._state == ""
        pages = self.view.pages()
        self.title.setText(tr("certificate.preview_title"))
        if self._state == "loading":
            self.info.setText(tr("certificate.making"))
        elif ready:
            i = self._info
            fee = tr("certificate.free") if i["fee_cents"] == 0 else tr(
                "certificate.fee", fee=f"{i['fee_cents'] / 100:.2f}")
            # 大字: what matters first only (the expiry is on the page itself).
            key = "certificate.preview_short" if self.theme.elder else \
                "certificate.preview_info"
            self.info.setText(tr(key, title=i["title"].get(
                translator.language, i["title"]["zh_CN"]), purpose=i["purpose"][
                translator.language], pages=pages, fee=fee,
                expires=i["expires"], page=self.view.page + 1))
        self.info.setVisible(self._state in ("", "loading"))
        self.error.setText(tr(f"certificate.error.{self._state}")
                           if self._state not in ("", "loading") else "")
        self.error.setVisible(self._state not in ("", "loading"))
        self.page_label.setText(tr("category.page", page=self.view.page + 1, pages=pages)
                                if ready else "")
        self.page_label.setVisible(not self.theme.elder)  # 大字: the info line says it
        self.prev.setText(tr("category.prev"))
        self.next.setText(tr("category.next"))
        self.zoom_out.setText(tr("certificate.zoom_out"))
        self.zoom_in.setText(tr("certificate.zoom_in"))
        self.print_btn.setText(tr("certificate.print", pages=pages) if ready
                               else tr("certificate.print_wait"))
        self.prev.setEnabled(ready and self.view.page > 0)
        self.next.setEnabled(ready and self.view.page < pages - 1)
        self.zoom_out.setEnabled(ready and self.view.zoom > 0)
        self.zoom_in.setEnabled(ready and self.view.zoom < len(ZOOMS) - 1)
        self.print_btn.setEnabled(ready)


class CertPrintScreen(Screen):
    """打印: which page is coming out; if the printer stops, which pages are out, which are
    not, what to do, and 继续打印 for only the missing ones; at the end, take it."""

    name = "cert_print"
    help_key = "certificate.help.print"
    resume_requested = Signal()
    finished = Signal()

    def __init__(self) -> None:
        super().__init__()
        self._state: tuple[str, dict[str, object]] = ("printing", {"page": 1, "pages": 1})
        lay = QVBoxLayout(self)
        lay.setContentsMargins(80, 60, 80, 60)
        lay.setSpacing(32)
        self.title = label("Title")
        self.text = label("")
        self.error = label("Error")
        self.code = label("ErrorCode")
        self.resume = button(primary=True)
        self.done = button(primary=True)
        self.resume.clicked.connect(self.resume_requested.emit)
        self.done.clicked.connect(self.finished.emit)
        for w in (self.title, self.text, self.error, self.code):
            w.setAlignment(Qt.AlignmentFlag.AlignCenter)
        lay.addStretch(1)
        for w in (self.title, self.text, self.error, self.code):
            lay.addWidget(w)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.resume)
        row.addWidget(self.done)
        row.addStretch(1)
        lay.addLayout(row)
        lay.addStretch(1)
        self.retranslate()

    def show_printing(self, page: int, pages: int) -> None:
        self._state = ("printing", {"page": page, "pages": pages})
        self.retranslate()

    def show_stopped(self, code: str, printed: str, missing: str) -> None:
        self._state = ("stopped", {"code": code, "printed": printed, "missing": missing})
        self.retranslate()

    def show_done(self, pages: int, expires: str) -> None:
        self._state = ("done", {"pages": pages, "expires": expires})
        self.retranslate()

    def retranslate(self) -> None:
        state, v = self._state
        if state == "printing":
            self.title.setText(tr("certificate.printing_title"))
            self.text.setText(tr("certificate.printing", page=v["page"], pages=v["pages"]))
        elif state == "stopped":
            self.title.setText(tr("certificate.stopped_title"))
            printed = tr("certificate.printed_some", pages=v["printed"]) if v["printed"] \
                else tr("certificate.printed_none")
            self.text.setText(printed + "\n" + tr("certificate.missing", pages=v["missing"]))
            self.error.setText(tr(f"error.{v['code']}"))  # every A4 printer code has one
            self.code.setText(tr("error.code", code=v["code"]))
        else:
            self.title.setText(tr("certificate.done_title"))
            self.text.setText(tr("certificate.done", pages=v["pages"], expires=v["expires"]))
        for w in (self.error, self.code, self.resume):
            w.setVisible(state == "stopped")
        self.done.setVisible(state != "printing")
        self.resume.setText(tr("certificate.resume"))
        self.done.setText(tr("certificate.finish") if state == "done"
                          else tr("certificate.give_up"))


class CertOtherScreen(TextEntryScreen):
    """用途“其他”: the citizen types what the certificate is for (it is printed on it)."""

    name = "cert_other"
    help_key = "certificate.help.cert_other"
    MAX = 20  # characters: the purpose line of the certificate

    def __init__(self) -> None:
        super().__init__()
        self.prompt("certificate.other_title", "certificate.other_placeholder",
                    "certificate.other_hint", self.MAX)

"""证明打印 screens: a question with tiles (which certificate, what for, which period), the
preview of every page, and the printing with what came out and what did not."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize, Qt, Signal
from PySide6.QtGui import QGuiApplication, QPixmap
from PySide6.QtPdf import QPdfDocument
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout

from kiosk.guide_view import Choice
from kiosk.i18n import tr, translator
from screens.guide import (
    LANDSCAPE_KEYBOARD,
    PORTRAIT_KEYBOARD,
    PORTRAIT_MARGIN,
    Keyboard,
    SearchEdit,
    TileGrid,
)
from screens.theme import BLUE, Theme
from screens.widgets import Screen, button, label

ZOOMS = (1.0, 1.5, 2.0)  # the page's width as a share of the room; more shows a part of it


class CertChoiceScreen(Screen):
    """A question with tiles; while the answer is being fetched, or when it cannot be, a
    line says so."""

    chosen = Signal(str)

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.help_key = f"certificate.help.{name}"
        self._title = ""
        self._state = ""  # "", "loading" or an error code
        lay = QVBoxLayout(self)
        lay.setContentsMargins(60, 30, 60, 24)
        lay.setSpacing(16)
        self.title = label("Title")
        self.hint = label("Hint")
        self.error = label("Error")
        self.grid = TileGrid()
        self.grid.chosen.connect(self.chosen.emit)
        for w in (self.title, self.hint, self.error):
            lay.addWidget(w)
        lay.addWidget(self.grid, 1)

    def set_portrait(self, portrait: bool) -> None:
        self.grid.portrait = portrait
        self.grid.rebuild()

    def apply_theme(self, theme: Theme) -> None:
        super().apply_theme(theme)
        self.grid.theme = theme
        self.grid.page = 0
        self.grid.rebuild()

    def set_content(self, title_key: str, choices: list[Choice], state: str = "") -> None:
        self._title, self._state = title_key, state
        self.grid.set_choices(choices)
        self.retranslate()

    def reset(self) -> None:
        self.grid.set_choices([])

    def retranslate(self) -> None:
        self.title.setText(tr(self._title) if self._title else "")
        self.hint.setText(tr("certificate.loading") if self._state == "loading" else "")
        self.hint.setVisible(self._state == "loading")
        err = self._state not in ("", "loading")
        self.error.setText(tr(f"certificate.error.{self._state}") if err else "")
        self.error.setVisible(err)
        self.grid.retranslate()

    def tile(self, key: str):
        return self.grid.tile(key)


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



class CertOtherScreen(Screen):
    """用途“其他”: the citizen types what the certificate is for (it is printed on it), on
    the on-screen keyboard, pinyin included."""

    name = "cert_other"
    help_key = "certificate.help.cert_other"
    entered = Signal(str)
    MAX = 20  # characters: the purpose line of the certificate

    def __init__(self) -> None:
        super().__init__()
        self.portrait = False
        self.lay = lay = QVBoxLayout(self)
        lay.setSpacing(12)
        self.title = label("Title")
        self.edit = SearchEdit()
        self.edit.setMaxLength(self.MAX)
        self.edit.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.edit.typed.connect(lambda _t: self.retranslate())
        self.ok = button(primary=True)
        self.ok.clicked.connect(self._ok)
        self.hint = label("Hint")
        row = QHBoxLayout()
        row.setSpacing(16)
        row.addWidget(self.edit, 1)
        row.addWidget(self.ok)
        self.keyboard = Keyboard()
        lay.addWidget(self.title)
        lay.addLayout(row)
        lay.addWidget(self.hint)
        lay.addWidget(self.keyboard, 0, Qt.AlignmentFlag.AlignHCenter)
        lay.addStretch(1)
        self.set_portrait(False)
        self.retranslate()

    def set_portrait(self, portrait: bool) -> None:
        self.portrait = portrait
        side = PORTRAIT_MARGIN if portrait else 60
        self.lay.setContentsMargins(side, 20, side, 16)
        self.keyboard.set_width(PORTRAIT_KEYBOARD if portrait else LANDSCAPE_KEYBOARD)

    def apply_theme(self, theme: Theme) -> None:
        super().apply_theme(theme)
        self.edit.setStyleSheet(
            f"font-size: {theme.px(40)}px; min-height: {theme.px(80)}px; padding: 4px 16px; "
            f"border: 3px solid {BLUE}; border-radius: 12px; background: white;")

    def on_enter(self) -> None:
        self.edit.setFocus()
        QGuiApplication.inputMethod().show()

    def hideEvent(self, event) -> None:  # noqa: N802 - Qt API
        QGuiApplication.inputMethod().reset()  # half-typed pinyin is not committed behind
        super().hideEvent(event)

    def reset(self) -> None:
        self.edit.clear_all()
        self.retranslate()

    def _ok(self) -> None:
        text = self.edit.text().strip()
        if text:
            self.entered.emit(text)

    def retranslate(self) -> None:
        self.title.setText(tr("certificate.other_title"))
        self.edit.setPlaceholderText(tr("certificate.other_placeholder"))
        self.ok.setText(tr("certificate.other_ok"))
        self.ok.setEnabled(bool(self.edit.text().strip()))
        self.hint.setText(tr("certificate.other_hint", n=self.MAX))

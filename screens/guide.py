"""The 办事指南 screens: choose (个人/法人 → 主题 → 事项, or a department), read the guide
of one item, take it away as a QR or a printed notice, or search for it.

Thin widgets: what they show comes worded from ``kiosk.guide_view`` (in both languages,
so a switch re-labels without asking again); what a tap means goes out as a signal.
"""

from __future__ import annotations

import logging
from math import ceil
from pathlib import Path

import segno
from PySide6.QtCore import QLoggingCategory, QRect, Qt, QUrl, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QGuiApplication, QImage, QPixmap
from PySide6.QtQuick import QQuickItem
from PySide6.QtQuickWidgets import QQuickWidget
from PySide6.QtWidgets import (
    QBoxLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from kiosk.guide_view import LANGS, Choice, GuidePage, Section, Text
from kiosk.i18n import catalog, tr, translator
from screens import theme as th
from screens.theme import Theme
from screens.widgets import DeviceIllustration, Screen, Tile, button, label


def both_tr(key: str, **fmt: str | Text) -> Text:
    """``key`` worded in every language; a value given by language goes in each its own."""
    return {lang: catalog(lang)[key].format(**{k: v[lang] if isinstance(v, dict) else v
                                               for k, v in fmt.items()})
            for lang in LANGS}


def start_choices() -> list[Choice]:
    """The guide's first question: whose matter it is, or another way to find it."""
    return [Choice(key, both_tr(f"guide.{name}"), both_tr(f"guide.{name}_sub"), glyph)
            for key, name, glyph in (("person", "person", "个"), ("legal_person", "legal", "企"),
                                     ("department", "by_department", "部"),
                                     ("search", "search", "搜"))]


def qr_image(data: str, scale: int = 12) -> QImage:
    """``data`` as a QR code, black on white with its quiet zone, ``scale`` px a module."""
    qr = segno.make(data, error="m", micro=False)
    matrix = list(qr.matrix_iter(scale=1, border=4))
    n = len(matrix)
    img = QImage(n, n, QImage.Format.Format_Grayscale8)
    img.fill(255)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                img.setPixel(x, y, 0xFF000000)
    return img.scaled(n * scale, n * scale, Qt.AspectRatioMode.KeepAspectRatio,
                      Qt.TransformationMode.FastTransformation)


class QrLabel(QLabel):
    """A QR code as large as the room it is given allows (whole modules, up to 640 px)."""

    def __init__(self) -> None:
        super().__init__()
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.setMinimumSize(240, 240)
        self._image = QImage()

    def set_data(self, data: str) -> None:
        self._image = qr_image(data, scale=1)
        self._fit()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        if self._image.isNull():
            return
        n = self._image.width()
        scale = max(min(self.width(), self.height(), 640) // n, 1)
        self.setPixmap(QPixmap.fromImage(self._image.scaled(
            n * scale, n * scale, Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.FastTransformation)))


class Pager(QHBoxLayout):
    """◀ 上一页 · 第 1 页 / 共 3 页 · 下一页 ▶, hidden when there is one page."""

    def __init__(self, turn) -> None:
        super().__init__()
        self.prev = button()
        self.next = button()
        self.page_label = label("Hint", wrap=False)
        self.prev.clicked.connect(lambda: turn(-1))
        self.next.clicked.connect(lambda: turn(1))
        self.addWidget(self.prev)
        self.addStretch(1)
        self.addWidget(self.page_label)
        self.addStretch(1)
        self.addWidget(self.next)

    def show_page(self, page: int, pages: int, narrow: bool = False) -> None:
        for w in (self.prev, self.next, self.page_label):
            w.setVisible(pages > 1)
        self.page_label.setVisible(pages > 1 and not narrow)  # ◀ ▶ say enough there
        self.prev.setText(tr("category.prev"))
        self.next.setText(tr("category.next"))
        self.prev.setEnabled(page > 0)
        self.next.setEnabled(page < pages - 1)
        self.page_label.setText(tr("category.page", page=page + 1, pages=pages))


class TileGrid(QWidget):
    """Choices as tiles, a page at a time (6, or 4 in elder mode), with a pager."""

    chosen = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.theme = Theme()
        self.portrait = False
        self.choices: list[Choice] = []
        self.page = 0
        # A smaller page where the screen holds more (search: the keyboard below), as
        # (normal, elder) for landscape and for portrait; one row of tiles in landscape.
        self.caps: dict[bool, tuple[int, int]] = {}
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(24)
        self.grid = QGridLayout()
        self.grid.setSpacing(24)
        lay.addLayout(self.grid, 1)
        self.pager = Pager(self.turn)
        lay.addLayout(self.pager)
        self.tiles: list[Tile] = []

    def per_page(self) -> int:
        per = self.theme.tiles_per_page
        cap = self.caps.get(self.portrait)
        return min(per, cap[self.theme.elder]) if cap else per

    def columns(self) -> int:
        if self.caps and not self.portrait:
            return 1
        if self.portrait:
            return 1 if self.theme.elder else 2
        return 2 if self.theme.elder or self.per_page() <= 4 else 3

    def set_choices(self, choices: list[Choice]) -> None:
        self.choices = list(choices)
        self.page = 0
        self.rebuild()

    def pages(self) -> int:
        return max(1, -(-len(self.choices) // self.per_page()))

    def turn(self, step: int) -> None:
        self.page = min(max(0, self.page + step), self.pages() - 1)
        self.rebuild()

    def shown(self) -> list[Choice]:
        per = self.per_page()
        return self.choices[self.page * per:(self.page + 1) * per]

    def rebuild(self) -> None:
        for t in self.tiles:
            t.setParent(None)
            t.deleteLater()
        self.tiles = []
        cols = self.columns()
        for i, c in enumerate(self.shown()):
            t = Tile(c.glyph, primary=False)
            t.set_theme(self.theme)
            t.set_compact(self.theme.elder or not c.glyph)
            t.setProperty("key", c.key)
            t.setMinimumHeight(160)
            t.clicked.connect(lambda _=False, k=c.key: self.chosen.emit(k))
            self.grid.addWidget(t, i // cols, i % cols)
            t.show()
            self.tiles.append(t)
        for r in range(self.grid.rowCount()):
            self.grid.setRowStretch(r, 1)
        for col in range(self.grid.columnCount()):
            self.grid.setColumnStretch(col, 1 if col < cols else 0)
        self.retranslate()

    def retranslate(self) -> None:
        lang = translator.language
        for t, c in zip(self.tiles, self.shown(), strict=True):
            if c.glyph:
                t.set_text(c.title[lang], c.sub[lang])
            else:  # no glyph: no leading gap before the title either
                t.title.setText(c.title[lang])
                t.sub.setText(c.sub[lang])
                t.sub.setVisible(bool(c.sub[lang]))
        # One column beside the keyboard: no room for "page 1 of 3" between ◀ and ▶.
        self.pager.show_page(self.page, self.pages(), narrow=bool(self.caps)
                             and not self.portrait)

    def tile(self, key: str) -> Tile | None:
        """The tile of ``key`` on the page shown (tests and the window use it)."""
        return next((t for t in self.tiles if t.property("key") == key), None)


class GuideChoiceScreen(Screen):
    """A question with tiles: 个人/法人, a topic, a department, an item."""

    chosen = Signal(str)

    def __init__(self, name: str, help_key: str = "guide.help.choose") -> None:
        super().__init__()
        self.name = name
        self.help_key = help_key
        self._title: dict[str, str] = {"zh_CN": "", "en": ""}
        self._freshness: dict[str, str] = {"zh_CN": "", "en": ""}
        lay = QVBoxLayout(self)
        lay.setContentsMargins(60, 30, 60, 24)
        lay.setSpacing(16)
        self.title = label("Title")
        self.freshness = label("Hint")
        self.grid = TileGrid()
        self.grid.chosen.connect(self.chosen.emit)
        lay.addWidget(self.title)
        lay.addWidget(self.freshness)
        lay.addWidget(self.grid, 1)

    def set_portrait(self, portrait: bool) -> None:
        self.grid.portrait = portrait
        self.grid.rebuild()

    def set_content(self, title: dict[str, str], choices: list[Choice],
                    freshness: dict[str, str] | None = None) -> None:
        self._title = title
        self._freshness = freshness or {"zh_CN": "", "en": ""}
        self.grid.set_choices(choices)
        self.retranslate()

    def apply_theme(self, theme: Theme) -> None:
        super().apply_theme(theme)
        self.grid.theme = theme
        self.grid.page = 0
        self.grid.rebuild()

    def retranslate(self) -> None:
        lang = translator.language
        self.title.setText(self._title.get(lang, ""))
        self.freshness.setText(self._freshness.get(lang, ""))
        self.freshness.setVisible(bool(self._freshness.get(lang)))
        self.grid.retranslate()

    def tile(self, key: str) -> Tile | None:
        return self.grid.tile(key)


log = logging.getLogger(__name__)

# The keyboard's width sets its keys' size: ≥ 80 px high needs ≥ 1040 px (docs: UI.md).
LANDSCAPE_KEYBOARD = 1100  # px wide: ~380 high (keys ~109×85), room beside it for the results
PORTRAIT_KEYBOARD = 1048  # px: across the portrait screen (1080 less the narrow margins)
PORTRAIT_MARGIN = (1080 - PORTRAIT_KEYBOARD) // 2
MAX_TABS = 3  # elder mode: up to two pages of materials, and the time, fee and place
ACTION_COLUMN = 540  # px: the actions' column beside the guide (elder mode, landscape)


class GuidePageScreen(Screen):
    """The guide of one item: what a citizen needs first, in big type; the rest one tap
    away. Actions: 扫码带走, 打印告知单, 更多信息."""

    name = "guide_page"
    help_key = "guide.help.page"
    qr_requested = Signal()
    print_requested = Signal()
    more_requested = Signal()
    apply_requested = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.views: dict[str, GuidePage] = {}
        self._freshness: dict[str, str] = {"zh_CN": "", "en": ""}
        self.print_state = ""  # "", "printing", "printed", or an error code
        self.portrait = False
        self.material_page = 0
        lay = QVBoxLayout(self)
        lay.setContentsMargins(50, 16, 50, 14)
        lay.setSpacing(10)
        self.title = label("Title")
        self.where = label("")
        self.where.setObjectName("Where")
        self.freshness = label("Hint")
        # 在本机办理 beside "本机可办": only where the kiosk takes this application (never a
        # dead button).
        self.apply_btn = button(primary=True)
        self.apply_btn.clicked.connect(self.apply_requested.emit)
        self.apply_btn.setVisible(False)
        where_row = QHBoxLayout()
        where_row.setSpacing(24)
        where_row.addWidget(self.where, 1)
        where_row.addWidget(self.apply_btn)
        lay.addWidget(self.title)
        lay.addLayout(where_row)
        lay.addWidget(self.freshness)
        # The guide beside its actions (elder landscape) or above them (otherwise).
        self.main = QBoxLayout(QBoxLayout.Direction.TopToBottom)
        self.main.setSpacing(14)
        lay.addLayout(self.main, 1)
        content = QVBoxLayout()
        content.setSpacing(14)
        self.main.addLayout(content, 1)
        # Elder mode shows one part at a time, each named on a big tab: the materials (a
        # tab per page of them) and the time, fee and place.
        tabs = QHBoxLayout()
        tabs.setSpacing(24)
        self.tabs = [button() for _ in range(MAX_TABS)]
        for i, b in enumerate(self.tabs):
            b.setCheckable(True)
            b.clicked.connect(lambda _=False, i=i: self._show_tab(i))
            tabs.addWidget(b, 1)
        content.addLayout(tabs)
        self.tab = 0
        self.columns = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.columns.setSpacing(30)
        self.left = left = QFrame()
        left.setObjectName("Dialog")
        ll = QVBoxLayout(left)
        ll.setContentsMargins(24, 16, 24, 16)
        ll.setSpacing(8)
        self.materials_title = label("Heading")
        ll.addWidget(self.materials_title)
        self.material_labels = [label("") for _ in range(8)]
        for m in self.material_labels:
            ll.addWidget(m)
        self.more_materials = button()
        self.more_materials.clicked.connect(self._next_materials)
        ll.addWidget(self.more_materials, 0, Qt.AlignmentFlag.AlignLeft)
        ll.addStretch(1)
        self.right = right = QFrame()
        right.setObjectName("Dialog")
        rl = QVBoxLayout(right)
        rl.setContentsMargins(24, 16, 24, 16)
        rl.setSpacing(12)
        self.facts_title = label("Heading")
        rl.addWidget(self.facts_title)
        self.facts: dict[str, QLabel] = {}
        for key in ("time_limit", "fee", "location", "hours"):
            self.facts[key] = label("")
            rl.addWidget(self.facts[key])
        rl.addStretch(1)
        self.columns.addWidget(left, 1)
        self.columns.addWidget(right, 1)
        # Elder mode: the printing and its outcome take the place of the guide's part,
        # with the printer's slot drawn; a tab brings the guide back.
        self.status_panel = QFrame()
        self.status_panel.setObjectName("Dialog")
        sl = QHBoxLayout(self.status_panel)
        sl.setContentsMargins(24, 16, 24, 16)
        sl.setSpacing(24)
        self.printer = DeviceIllustration("printer")
        self.printer.setMinimumSize(240, 190)
        sl.addWidget(self.printer, 2)
        said = QVBoxLayout()
        self.status_big = label("")
        self.code_big = label("ErrorCode")
        said.addStretch(1)
        said.addWidget(self.status_big)
        said.addWidget(self.code_big)
        said.addStretch(1)
        sl.addLayout(said, 3)
        self.columns.addWidget(self.status_panel, 1)
        self._status_open = False
        content.addLayout(self.columns, 1)
        self.action_box = QWidget()
        side = QVBoxLayout(self.action_box)
        side.setContentsMargins(0, 0, 0, 0)
        side.setSpacing(14)
        self.status = label("")
        self.status.setObjectName("Status")
        self.code = label("ErrorCode")
        side.addWidget(self.status)
        side.addWidget(self.code)
        self.actions = actions = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        actions.setSpacing(24)
        self.qr_btn = button()
        self.print_btn = button(primary=True)
        self.more_btn = button()
        self.qr_btn.clicked.connect(self.qr_requested.emit)
        self.print_btn.clicked.connect(self.print_requested.emit)
        self.more_btn.clicked.connect(self.more_requested.emit)
        for b in (self.qr_btn, self.print_btn, self.more_btn):
            actions.addWidget(b, 1)
        # 在本机办理: only where the kiosk takes this application (never a dead button).
        side.addLayout(actions)
        side.addStretch(1)
        self.main.addWidget(self.action_box)
        self.retranslate()

    def set_portrait(self, portrait: bool) -> None:
        self.portrait = portrait
        self._arrange()

    def materials_per_page(self) -> int:
        if self.portrait:
            return 5 if self.theme.elder else 8
        return 3 if self.theme.elder else 5

    def _tab_parts(self) -> list[int]:
        """What each elder-mode tab shows: a page of materials (its index) or -1, the
        time, fee and place."""
        view = self.views.get(translator.language)
        n = len(view.materials) if view else 0
        pages = max(1, -(-n // self.materials_per_page()))
        return [*range(min(pages, MAX_TABS - 1)), -1]

    def _show_tab(self, i: int) -> None:
        self.tab = i
        self._status_open = False
        part = self._tab_parts()[i] if i < len(self._tab_parts()) else -1
        if part >= 0:
            self.material_page = part
        self._arrange()
        self.retranslate()

    def _arrange(self) -> None:
        """Normal mode: both panels (side by side in landscape); elder: the chosen one."""
        elder = self.theme.elder
        d = QBoxLayout.Direction
        self.columns.setDirection(d.TopToBottom if self.portrait or elder else d.LeftToRight)
        beside = elder and not self.portrait
        self.main.setDirection(d.LeftToRight if beside else d.TopToBottom)
        self.actions.setDirection(d.TopToBottom if beside else d.LeftToRight)
        if beside:
            self.action_box.setFixedWidth(ACTION_COLUMN)
        else:
            self.action_box.setMinimumWidth(0)
            self.action_box.setMaximumWidth(16777215)
        parts = self._tab_parts()
        self.tab = min(self.tab, len(parts) - 1)
        for i, tab in enumerate(self.tabs):
            tab.setVisible(elder and i < len(parts))
            tab.setChecked(elder and self.tab == i)
        facts = parts[self.tab] < 0
        status = elder and self._status_open
        for i, tab in enumerate(self.tabs):
            tab.setChecked(elder and self.tab == i and not status)
        self.left.setVisible(not status and (not elder or not facts))
        self.right.setVisible(not status and (not elder or facts))
        self.status_panel.setVisible(status)
        self.materials_title.setVisible(not elder)
        self.facts_title.setVisible(not elder)

    def show_entry(self, views: dict[str, GuidePage], freshness: dict[str, str]) -> None:
        self.views = views
        self._freshness = freshness
        self.print_state = ""
        self._status_open = False
        self.material_page = 0
        self.tab = 0
        self._arrange()
        self.retranslate()

    def set_print_state(self, state: str) -> None:
        self.print_state = state
        self._status_open = bool(state)
        self._arrange()
        self.retranslate()

    def _next_materials(self) -> None:
        view = self.views.get(translator.language)
        if view is None:
            return
        pages = -(-len(view.materials) // self.materials_per_page())
        self.material_page = (self.material_page + 1) % max(pages, 1)
        self.retranslate()

    def apply_theme(self, theme: Theme) -> None:
        super().apply_theme(theme)
        self.material_page = 0
        for heading in (self.materials_title, self.facts_title):
            heading.setStyleSheet(f"font-size: {theme.px(34)}px; font-weight: bold; "
                                  f"color: {th.BLUE};")
        self.tab = 0
        self._arrange()
        self.status.setStyleSheet(f"font-size: {theme.body}px; font-weight: bold;")
        self.retranslate()

    def reset(self) -> None:
        self.print_state = ""

    def retranslate(self) -> None:
        self.apply_btn.setText(tr("guide.apply_here"))
        self.qr_btn.setText(tr("guide.take_qr"))
        self.print_btn.setText(tr("guide.print"))
        self.more_btn.setText(tr("guide.more"))
        self.materials_title.setText(tr("guide.materials"))
        self.facts_title.setText(tr("guide.facts"))
        parts = self._tab_parts()
        per = self.materials_per_page()
        n = len(self.views[translator.language].materials) if self.views else 0
        for tab, part in zip(self.tabs, parts, strict=False):
            if part < 0:
                tab.setText(tr("guide.facts_tab"))
            elif len(parts) == 2:
                tab.setText(tr("guide.materials"))
            else:
                first, last = part * per + 1, min(n, (part + 1) * per)
                tab.setText(tr("guide.materials_part", first=first, last=last)
                            if last > first else tr("guide.materials_one", n=first))
        view = self.views.get(translator.language)
        if view is None:
            return
        self.title.setText(view.title)
        self.apply_btn.setVisible(view.where == "here")
        self.where.setText(tr(f"guide.where.{view.where}")
                           + (tr("guide.also_online") if view.online else ""))
        colour = th.GREEN if view.where == "here" else th.INK
        self.where.setStyleSheet(f"font-size: {self.theme.px(32)}px; font-weight: bold; "
                                 f"color: {colour};")
        fresh = self._freshness.get(translator.language, "")
        self.freshness.setText(fresh)
        self.freshness.setVisible(bool(fresh))
        per = self.materials_per_page()
        shown = view.materials[self.material_page * per:(self.material_page + 1) * per]
        for i, m in enumerate(self.material_labels):
            if i < len(shown):
                n = self.material_page * per + i + 1
                m.setText(f"{n}. {shown[i][0]}  —  {shown[i][1]}")
            m.setVisible(i < len(shown))
        if not view.materials:
            self.material_labels[0].setText(tr("guide.no_materials"))
            self.material_labels[0].setVisible(True)
        pages = -(-len(view.materials) // per)
        self.more_materials.setVisible(pages > 1 and not self.theme.elder)
        self.more_materials.setText(tr("guide.more_materials", page=self.material_page + 1,
                                       pages=max(pages, 1)))
        self.facts["time_limit"].setText(tr("guide.time_limit", text=view.time_limit))
        self.facts["fee"].setText(tr("guide.fee", text=view.fee))
        self.facts["location"].setText(tr("guide.location", text=view.location))
        self.facts["hours"].setText(tr("guide.hours", text=view.hours))
        state = self.print_state
        self.print_btn.setEnabled(state != "printing")
        self.code.setVisible(state not in ("", "printing", "printed"))
        self.status.setVisible(bool(state))
        if state == "printing":
            self.status.setText(tr("guide.printing"))
        elif state == "printed":
            self.status.setText(tr("guide.printed"))
        elif state:
            what = tr("guide.print_paper_out") if state == "printer.paper_out" \
                else tr("guide.print_failed")
            self.status.setText(what + tr("guide.print_instead"))
            self.code.setText(tr("error.code", code=state))
        colour = th.RED if state not in ("", "printing", "printed") else th.INK
        self.status.setStyleSheet(f"font-size: {self.theme.body}px; font-weight: bold; "
                                  f"color: {colour};")
        elder = self.theme.elder
        self.status.setVisible(bool(state) and not elder)
        self.code.setVisible(self.code.isVisibleTo(self) and not elder)
        self.status_big.setText(self.status.text())
        self.status_big.setStyleSheet(self.status.styleSheet())
        self.code_big.setText(self.code.text())
        self.code_big.setVisible(state not in ("", "printing", "printed"))
        self.printer.setVisible(state in ("printing", "printed"))


class GuideMoreScreen(Screen):
    """The rest of the guide (受理条件, 办理流程, 设定依据 …), a page at a time: no scrolling."""

    name = "guide_more"
    help_key = "guide.help.more"

    def __init__(self) -> None:
        super().__init__()
        self.views: dict[str, GuidePage] = {}
        self.page = 0
        self._pages: list[list[Section]] = []
        self._room = (0, 0)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(60, 24, 60, 20)
        lay.setSpacing(12)
        self.title = label("Title")
        lay.addWidget(self.title)
        self.body = QVBoxLayout()
        self.body.setSpacing(8)
        self.body.addStretch(1)
        lay.addLayout(self.body, 1)
        self.blocks: list[QLabel] = []
        self.pager = Pager(self.turn)
        lay.addLayout(self.pager)

    def show_entry(self, views: dict[str, GuidePage]) -> None:
        self.views = views
        self.page = 0
        self.retranslate()

    def turn(self, step: int) -> None:
        self.page = min(max(0, self.page + step), len(self._pages) - 1)
        self.retranslate()

    def apply_theme(self, theme: Theme) -> None:
        super().apply_theme(theme)
        self.page = 0
        self.retranslate()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        if (self.width(), self.height()) != self._room:
            self.retranslate()

    def _paginate(self, sections: tuple[Section, ...]) -> list[list[Section]]:
        """Sections in pages that fit the screen's height at its width (a section taller
        than a page is split by lines)."""
        m = self.layout().contentsMargins()
        width = max(self.width() - m.left() - m.right(), 400)
        # Title and pager take their share; the rest holds the sections.
        room = max(self.height() - m.top() - m.bottom() - self.theme.px(88) * 2 - 60, 300)
        font = QFont(th.FONT_FAMILY)
        font.setPixelSize(self.theme.body)
        bold = QFont(font)
        bold.setPixelSize(self.theme.px(34))
        bold.setBold(True)

        def height(f: QFont, text: str) -> int:
            return QFontMetrics(f).boundingRect(QRect(0, 0, width, 100000),
                                                int(Qt.TextFlag.TextWordWrap), text).height() + 8

        pages: list[list[Section]] = [[]]
        used = 0
        for s in sections:
            lines: list[str] = []
            head = height(bold, s.heading)
            for line in s.lines:
                need = head + sum(height(font, x) for x in (*lines, line))
                if used + need > room and (lines or pages[-1]):
                    if lines:
                        pages[-1].append(Section(s.heading, tuple(lines)))
                    pages.append([])
                    used, lines = 0, []
                lines.append(line)
            need = head + sum(height(font, x) for x in lines)
            pages[-1].append(Section(s.heading, tuple(lines)))
            used += need + 12
        return [p for p in pages if p]

    def retranslate(self) -> None:
        view = self.views.get(translator.language)
        if view is None:
            return
        self._room = (self.width(), self.height())
        self.title.setText(tr("guide.more_title", name=view.title))
        self._pages = self._paginate(view.more) or [[]]
        self.page = min(self.page, len(self._pages) - 1)
        for b in self.blocks:
            b.setParent(None)
            b.deleteLater()
        self.blocks = []
        for s in self._pages[self.page]:
            head = label("")
            head.setStyleSheet(f"font-size: {self.theme.px(34)}px; font-weight: bold; "
                               f"color: {th.BLUE};")
            head.setText(s.heading)
            text = label("")
            text.setText("\n".join(s.lines))
            self.body.insertWidget(self.body.count() - 1, head)
            self.body.insertWidget(self.body.count() - 1, text)
            self.blocks += [head, text]
        self.pager.show_page(self.page, len(self._pages))


class GuideQrScreen(Screen):
    """扫码带走: the guide's public page as a big QR code for the citizen's phone."""

    name = "guide_qr"
    help_key = "guide.help.qr"

    def __init__(self) -> None:
        super().__init__()
        self.views: dict[str, GuidePage] = {}
        self.url = ""
        lay = QVBoxLayout(self)
        lay.setContentsMargins(60, 30, 60, 30)
        lay.setSpacing(20)
        self.title = label("Title")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.name_label = label("Hint")
        self.name_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.qr = QrLabel()
        self.hint = label("")
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        lay.addWidget(self.title)
        lay.addWidget(self.name_label)
        lay.addWidget(self.qr, 1)
        lay.addWidget(self.hint)

    def show_entry(self, views: dict[str, GuidePage]) -> None:
        self.views = views
        first = next(iter(views.values()))
        self.url = first.guide_url
        self.qr.set_data(self.url)
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(tr("guide.qr_title"))
        self.hint.setText(tr("guide.qr_hint"))
        view = self.views.get(translator.language)
        self.name_label.setText(view.title if view else "")


KEYBOARD_QML = Path(__file__).with_name("guide_keyboard.qml")
KEYBOARD_RATIO = 0.346  # the input panel's height for its width, word candidates included


class Keyboard(QQuickWidget):
    """Qt Virtual Keyboard inside the screen: it types into the focused line through the
    ``qtvirtualkeyboard`` input method (``QT_IM_MODULE``; its own window is switched off by
    ``QT_VIRTUALKEYBOARD_DESKTOP_DISABLE``, see kiosk.qt_main). Taking no focus itself, it
    leaves the focus on the line it types into."""

    def __init__(self) -> None:
        super().__init__()
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setResizeMode(QQuickWidget.ResizeMode.SizeRootObjectToView)
        self.setClearColor(QColor(th.BG))
        # QML loads the keyboard's plugins on a thread of its own while this one waits,
        # holding Python's lock: a message from there to a Python message handler (the
        # test harness installs one) would wait for that lock for ever. Nothing is
        # logged while it loads.
        QLoggingCategory.setFilterRules("*=false")
        try:
            self.setSource(QUrl.fromLocalFile(str(KEYBOARD_QML)))
        finally:
            QLoggingCategory.setFilterRules("")
        if self.status() != QQuickWidget.Status.Ready:
            log.warning("on-screen keyboard not available: %s",
                        "; ".join(e.toString() for e in self.errors()))

    def set_width(self, width: int) -> None:
        self.setFixedSize(width, ceil(width * KEYBOARD_RATIO))

    def key_items(self) -> dict[str, QQuickItem]:
        """The keys on show, by the text they type (tests tap them)."""
        out: dict[str, QQuickItem] = {}

        def walk(item: QQuickItem) -> None:
            for c in item.childItems():
                if not isinstance(c, QQuickItem):
                    # An item the keyboard has just deleted (it rebuilds its keys when its
                    # size or mode changes) can come back under a stale wrapper: skip it.
                    continue
                if c.metaObject().className().startswith((
                        "Key_", "SpaceKey_", "EnterKey_", "BackspaceKey_", "HideKeyboardKey_",
                        "SymbolModeKey_")
                ) and c.isVisible():
                    out[str(c.property("text") or c.metaObject().className().split("_")[0])] = c
                walk(c)

        root = self.rootObject()
        if root is not None:
            walk(root)
        return out

    def candidates(self) -> dict[str, QQuickItem]:
        """The words the pinyin typed so far may mean, on show in the row above the keys
        (tests tap them)."""
        root = self.rootObject()
        view = root.findChild(QQuickItem, "wordCandidateView") if root else None
        out: dict[str, QQuickItem] = {}
        for item in view.childItems()[0].childItems() if view and view.childItems() else ():
            words = [c.property("text") for c in item.childItems()
                     if c.metaObject().className().startswith("QQuickText")]
            if item.isVisible() and words and words[0]:
                out.setdefault(str(words[0]), item)
        return out


class KeyboardSlot(QWidget):
    """Where a screen that takes text shows the keyboard. Qt Virtual Keyboard has one input
    engine per process, and with two keyboards on it one goes dead (its keys reach nothing:
    "input method is not set"); so the process has one keyboard, and the screen being shown
    takes it into its slot. The slot keeps the keyboard's size while it is elsewhere, so
    the screen's layout does not change."""

    _keyboard: Keyboard | None = None

    def __init__(self) -> None:
        super().__init__()
        self._lay = QVBoxLayout(self)
        self._lay.setContentsMargins(0, 0, 0, 0)
        self._width = LANDSCAPE_KEYBOARD
        self.set_width(self._width)

    @classmethod
    def keyboard(cls) -> Keyboard:
        k = cls._keyboard
        if k is None or not isValid(k):  # none yet, or gone with the window that held it
            k = cls._keyboard = Keyboard()
        return k

    def take(self) -> Keyboard:
        """The keyboard, here (from wherever it was)."""
        k = self.keyboard()
        if k.parentWidget() is not self:
            self._lay.addWidget(k)
            k.show()
        k.set_width(self._width)
        return k

    def set_width(self, width: int) -> None:
        self._width = width
        self.setFixedSize(width, ceil(width * KEYBOARD_RATIO))
        k = self._keyboard
        if k is not None and isValid(k) and k.parentWidget() is self:
            k.set_width(width)


class SearchEdit(QLineEdit):
    """The search line: pinyin being composed on the keyboard (the preedit, e.g. ``tx``)
    counts as typed, so results follow every key, before any character is chosen."""

    typed = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.preedit = ""
        self.textChanged.connect(lambda _t: self.typed.emit(self.query()))

    def query(self) -> str:
        return self.text() + self.preedit

    def inputMethodEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().inputMethodEvent(event)
        preedit = event.preeditString()
        if preedit != self.preedit or event.commitString():
            self.preedit = preedit
            self.typed.emit(self.query())

    def clear_all(self) -> None:
        self.preedit = ""
        self.clear()


class GuideSearchScreen(Screen):
    """搜索: a line typed on the on-screen keyboard; results as tiles; nothing found →
    suggestions and a way to a person."""

    name = "guide_search"
    help_key = "guide.help.search"
    typed = Signal(str)
    chosen = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self._state = "empty"  # "empty", "hits", "none"
        self._query = ""
        self.village_phone = ""
        self.lay = lay = QVBoxLayout(self)
        lay.setSpacing(10)
        self.title = label("Title")
        self.edit = SearchEdit()
        self.edit.setObjectName("SearchEdit")
        self.edit.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.edit.typed.connect(self._typed)
        self.clear_btn = button()
        self.clear_btn.clicked.connect(self._clear)
        row = QHBoxLayout()
        row.setSpacing(16)
        row.addWidget(self.edit, 1)
        row.addWidget(self.clear_btn)
        self.hint = label("Hint")
        self.person = label("Hint")
        self.results = TileGrid()
        # Beside the keyboard (landscape) one column; under the line (portrait) two.
        self.results.caps = {False: (2, 1), True: (4, 2)}
        self.results.chosen.connect(self.chosen.emit)
        self.keyboard_slot = KeyboardSlot()
        self.keyboard = self.keyboard_slot.take()
        lay.addWidget(self.title)
        lay.addLayout(row)
        self.body = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.body.setSpacing(24)
        self.found = found = QVBoxLayout()
        found.setSpacing(14)
        found.addWidget(self.hint)
        found.addWidget(self.results, 1)
        self.typing = QVBoxLayout()  # the keyboard, and under it (landscape) the way to a person
        self.typing.setSpacing(14)
        self.typing.addWidget(self.keyboard_slot)
        self.typing.addStretch(1)
        self.body.addLayout(self.typing)
        self.body.addLayout(found, 1)
        lay.addLayout(self.body, 1)
        self.set_portrait(False)
        QGuiApplication.inputMethod().visibleChanged.connect(self._keep_keyboard)
        self.retranslate()

    def _keep_keyboard(self) -> None:
        """The keyboard is part of this screen: its 隐藏键盘 key must not leave dead keys."""
        im = QGuiApplication.inputMethod()
        if self.isVisible() and not im.isVisible():
            self.edit.setFocus()
            im.show()

    def set_portrait(self, portrait: bool) -> None:
        d = QBoxLayout.Direction
        self.results.portrait = portrait
        self.results.rebuild()
        # Landscape: the keyboard on the left, what it finds on the right; portrait: the
        # results under the line, the keyboard at the bottom, across the screen.
        self.body.setDirection(d.BottomToTop if portrait else d.LeftToRight)
        for lay in (self.typing, self.found):
            lay.removeWidget(self.person)
        if portrait:
            self.found.addWidget(self.person)
        else:
            self.typing.insertWidget(1, self.person)
        self.portrait = portrait
        side = PORTRAIT_MARGIN if portrait else 60
        self.lay.setContentsMargins(side, 20, side, 16)
        self._size_keyboard()

    def _size_keyboard(self) -> None:
        # 大字 mode: the same keys (the screen has no height for bigger ones beside the
        # larger line and title); they are above the 80 px floor either way.
        self.keyboard_slot.set_width(PORTRAIT_KEYBOARD if self.portrait else LANDSCAPE_KEYBOARD)

    def hideEvent(self, event) -> None:  # noqa: N802 - Qt API
        # Pinyin half typed is dropped, not committed into a screen nobody sees.
        QGuiApplication.inputMethod().reset()
        self.edit.clearFocus()
        super().hideEvent(event)

    def set_village(self, phone: str) -> None:
        self.village_phone = phone

    def _typed(self, text: str) -> None:
        self._query = text
        self.typed.emit(text)

    def _clear(self) -> None:
        QGuiApplication.inputMethod().reset()
        self.edit.clear_all()
        self.edit.setFocus()
        self._typed("")

    def show_results(self, hits: list[Choice], suggestions: list[Choice]) -> None:
        if not self._query.strip():
            self._state = "empty"
            self.results.set_choices(suggestions)
        elif hits:
            self._state = "hits"
            self.results.set_choices(hits)
        else:
            self._state = "none"
            self.results.set_choices(suggestions)
        self.retranslate()

    def on_enter(self) -> None:
        self.keyboard = self.keyboard_slot.take()
        self.edit.setFocus()
        QGuiApplication.inputMethod().show()

    def reset(self) -> None:
        self.edit.clear_all()
        self._query = ""
        self._state = "empty"

    def apply_theme(self, theme: Theme) -> None:
        super().apply_theme(theme)
        self.edit.setStyleSheet(
            f"font-size: {theme.px(40)}px; min-height: {theme.px(80)}px; padding: 4px 16px; "
            f"border: 3px solid {th.BLUE}; border-radius: 12px; background: white;")
        self.results.theme = theme
        self.results.page = 0
        self.results.rebuild()
        self._size_keyboard()

    def retranslate(self) -> None:
        self.title.setText(tr("guide.search_title"))
        self.edit.setPlaceholderText(tr("guide.search_placeholder"))
        self.clear_btn.setText(tr("guide.search_clear"))
        if self._state == "none":
            self.hint.setText(tr("guide.search_none", text=self._query.strip()))
        elif self._state == "hits":
            self.hint.setText(tr("guide.search_hits", n=len(self.results.choices)))
        else:
            self.hint.setText(tr("guide.search_common"))
        self.person.setText(tr("guide.ask_phone", phone=self.village_phone)
                            if self.village_phone else tr("guide.ask_staff"))
        self.person.setVisible(self._state == "none")
        self.results.retranslate()


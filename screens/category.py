"""Pick the business category for a queue ticket; a page at a time in elder mode."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QVBoxLayout

from kiosk.flows.queue import CategoryChoice
from kiosk.i18n import tr, translator
from screens.theme import Theme
from screens.widgets import Screen, Tile, button, label


class CategoryScreen(Screen):
    name = "category"
    help_key = "help.category"
    category_chosen = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self._choices: list[CategoryChoice] = []
        self._page = 0
        lay = QVBoxLayout(self)
        lay.setContentsMargins(60, 40, 60, 30)
        lay.setSpacing(24)
        self.title = label("Title")
        lay.addWidget(self.title)
        self.grid = QGridLayout()
        self.grid.setSpacing(24)
        lay.addLayout(self.grid, 1)
        pager = QHBoxLayout()
        self.prev = button()
        self.next = button()
        self.page_label = label("Hint", wrap=False)
        self.prev.clicked.connect(lambda: self._turn(-1))
        self.next.clicked.connect(lambda: self._turn(1))
        pager.addWidget(self.prev)
        pager.addStretch(1)
        pager.addWidget(self.page_label)
        pager.addStretch(1)
        pager.addWidget(self.next)
        lay.addLayout(pager)
        self.tiles: list[Tile] = []
        self.retranslate()

    def set_choices(self, choices: list[CategoryChoice]) -> None:
        self._choices = choices
        self._page = 0
        self._rebuild()

    def apply_theme(self, theme: Theme) -> None:
        super().apply_theme(theme)
        self._page = 0
        self._rebuild()

    def _pages(self) -> int:
        per = self.theme.tiles_per_page
        return max(1, -(-len(self._choices) // per))

    def _turn(self, step: int) -> None:
        self._page = min(max(0, self._page + step), self._pages() - 1)
        self._rebuild()

    def _rebuild(self) -> None:
        for t in self.tiles:
            t.setParent(None)
            t.deleteLater()
        self.tiles = []
        per = self.theme.tiles_per_page
        cols = 2 if per == 4 else 3
        shown = self._choices[self._page * per : (self._page + 1) * per]
        for i, c in enumerate(shown):
            t = Tile(c.prefix)
            t.set_theme(self.theme)
            t.set_compact(self.theme.elder)
            t.clicked.connect(lambda _=False, p=c.prefix: self.category_chosen.emit(p))
            t.setProperty("prefix", c.prefix)
            self.grid.addWidget(t, i // cols, i % cols)
            self.tiles.append(t)
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(tr("category.title"))
        per = self.theme.tiles_per_page
        shown = self._choices[self._page * per : (self._page + 1) * per]
        for t, c in zip(self.tiles, shown, strict=True):
            t.set_text(c.names.get(translator.language, c.prefix),
                       tr("category.waiting", n=c.waiting))
        pages = self._pages()
        for w in (self.prev, self.next, self.page_label):
            w.setVisible(pages > 1)
        self.prev.setText(tr("category.prev"))
        self.next.setText(tr("category.next"))
        self.prev.setEnabled(self._page > 0)
        self.next.setEnabled(self._page < pages - 1)
        self.page_label.setText(tr("category.page", page=self._page + 1, pages=pages))

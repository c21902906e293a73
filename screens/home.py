"""Home: the services on offer and where to put the ID card to begin."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QBoxLayout, QFrame, QGridLayout, QHBoxLayout, QVBoxLayout

from kiosk.i18n import tr
from kiosk.voice import Prompt, say
from screens.theme import Theme
from screens.widgets import DeviceIllustration, Screen, Tile, button, label, tr_or


@dataclass(frozen=True)
class HomeTile:
    """A service on the home screen; its words are the catalog's ``service.<id>``."""

    id: str
    glyph: str
    primary: bool = False


class HomeScreen(Screen):
    name = "home"
    help_key = "help.home"
    service_chosen = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self._greeting = ""
        self._portrait = False
        outer = QVBoxLayout(self)
        outer.setContentsMargins(60, 40, 60, 40)
        outer.setSpacing(24)
        self.title = label("Title")
        head = QHBoxLayout()
        head.setSpacing(16)
        head.addWidget(self.title, 1)
        outer.addLayout(head)
        # A service paused (a device it needs is down): what, and where to go instead.
        self.notice = label("Notice")
        self.notice.hide()
        outer.addWidget(self.notice)
        self.row = row = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        row.setSpacing(40)
        outer.addLayout(row, 1)
        self.grid = grid = QGridLayout()
        grid.setSpacing(24)
        self.tiles: dict[str, Tile] = {}
        services = QVBoxLayout()
        services.setSpacing(24)
        services.addLayout(grid, 1)
        # 办不成事 is where a visit went wrong, not a service: a plain button, not a tile.
        self.report = button()
        self.report.clicked.connect(lambda: self.service_chosen.emit("report"))
        # Elder mode shows four services at a time (docs/UI.md); ◀ ▶ beside the title turn.
        self.page = 0
        self.prev_btn = button("◀")
        self.next_btn = button("▶")
        for b in (self.prev_btn, self.next_btn):  # no taller than the title's line
            b.setStyleSheet("min-height: 84px; max-height: 84px; min-width: 110px;")
        self.prev_btn.clicked.connect(lambda: self.turn(-1))
        self.next_btn.clicked.connect(lambda: self.turn(1))
        # 视频咨询, where the hall offers it: a person, not a service either. Under the card
        # reader's picture, where the eye rests when a citizen does not know what to do.
        self.video = button()
        self.video.setObjectName("VideoHelp")
        self.video.clicked.connect(lambda: self.service_chosen.emit("video_help"))
        self.video.hide()
        services.addWidget(self.report)
        head.addWidget(self.prev_btn)
        head.addWidget(self.next_btn)
        row.addLayout(services, 3)
        panel = QFrame()
        panel.setObjectName("Dialog")
        pl = QVBoxLayout(panel)
        pl.setContentsMargins(30, 30, 30, 30)
        self.card_title = label("Title")
        self.card_title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.card_hint = label("Hint")
        self.card_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.reader = DeviceIllustration("idcard")
        pl.addWidget(self.card_title)
        pl.addWidget(self.reader, 1)
        pl.addWidget(self.card_hint)
        pl.addWidget(self.video)
        row.addWidget(panel, 2)
        self.retranslate()

    def set_services(self, services: list[HomeTile]) -> None:
        """The services this kiosk offers, in order (the flows' tiles)."""
        for t in self.tiles.values():
            t.setParent(None)
            t.deleteLater()
        self.tiles = {}
        for s in services:
            t = Tile(s.glyph, primary=s.primary)
            t.clicked.connect(lambda _=False, sid=s.id: self.service_chosen.emit(sid))
            self.tiles[s.id] = t
        self.page = 0
        self.apply_theme(self.theme)
        self.retranslate()

    def set_video_help(self, offered: bool) -> None:
        """Show 视频咨询 (the hall's staff answer video calls: config ``remote_help``).
        The card reader's picture gives up height for it (it scales)."""
        self.video.setVisible(offered)
        self.reader.setMinimumHeight(150 if offered else 230)

    def set_notice(self, text: str) -> None:
        self.notice.setText("\n".join(f"▲ {line}" for line in text.splitlines()))
        self.notice.setVisible(bool(text))

    def per_page(self) -> int:
        """Services a page: four in elder mode (docs/UI.md), all of them otherwise."""
        return self.theme.tiles_per_page if self.theme.elder else max(len(self.tiles), 1)

    def pages(self) -> int:
        return max(1, -(-len(self.tiles) // self.per_page()))

    def turn(self, step: int) -> None:
        self.page = min(max(0, self.page + step), self.pages() - 1)
        self._place_tiles()

    def _place_tiles(self) -> None:
        """The services of the page shown, two a row."""
        per = self.per_page()
        self.page = min(self.page, self.pages() - 1)
        for t in self.tiles.values():
            self.grid.removeWidget(t)
            t.hide()
        shown = list(self.tiles.values())[self.page * per:(self.page + 1) * per]
        for i, t in enumerate(shown):
            self.grid.addWidget(t, i // 2, i % 2)
            t.show()
        for r in range(max(self.grid.rowCount(), 3)):  # rows of one height
            self.grid.setRowStretch(r, 1 if r < -(-len(shown) // 2) else 0)
        paged = self.pages() > 1
        self.prev_btn.setVisible(paged)
        self.next_btn.setVisible(paged)
        self.prev_btn.setEnabled(self.page > 0)
        self.next_btn.setEnabled(self.page < self.pages() - 1)

    def set_portrait(self, portrait: bool) -> None:
        """A portrait screen puts the card panel under the services instead of beside."""
        d = QBoxLayout.Direction
        self._portrait = portrait
        self.row.setDirection(d.TopToBottom if portrait else d.LeftToRight)
        self.apply_theme(self.theme)

    def voice_prompt(self) -> Prompt:
        """Never the citizen's name: the greeting is said without it."""
        if self._greeting:
            return (say("care.voice.home"),)
        return (say("home.title"), say("home.card_title"))

    def set_greeting(self, masked_name: str) -> None:
        self._greeting = masked_name
        self.retranslate()

    def reset(self) -> None:
        self.set_greeting("")
        self.turn(-self.page)

    def retranslate(self) -> None:
        if self._greeting:
            self.title.setText(tr("home.greeting", name=self._greeting))
            self.card_title.setText(tr("home.card_done"))
            self.card_hint.setText(tr("home.card_done_hint"))
        else:
            self.title.setText(tr("home.title"))
            self.card_title.setText(tr("home.card_title"))
            self.card_hint.setText(tr("home.card_hint"))
        self.reader.setVisible(not self._greeting)
        crowded = (self.theme.elder and len(self.tiles) > 2  # the name alone, in big type
                   or len(self.tiles) > 6)  # or in four rows
        for sid, t in self.tiles.items():
            t.set_text(tr_or(f"service.{sid}", sid),
                       "" if crowded else tr_or(f"service.{sid}_sub", ""))
        self.report.setText(tr("service.report"))
        self.video.setText(tr("video.home"))

    def apply_theme(self, theme: Theme) -> None:
        super().apply_theme(theme)
        self.page = 0
        self._place_tiles()
        for t in self.tiles.values():
            t.set_theme(theme)
            # More than two services: in elder mode the glyph goes on the title's line
            # and the line under it goes, or two rows of tiles would not fit the height.
            t.set_compact(theme.elder and len(self.tiles) > 2)
            if not theme.elder and len(self.tiles) > 4:
                # Three rows or more in landscape: no glyph, each row lower; four rows:
                # the name alone.
                # Portrait: four rows under the two-row footer, the glyph on the title's line.
                t.set_compact(self._portrait and len(self.tiles) > 6)
                t.glyph.setVisible(self._portrait and len(self.tiles) <= 6)
                t.setMinimumHeight(150 if len(self.tiles) <= 6 else 120)
        self.grid.setSpacing(16 if theme.elder and len(self.tiles) > 2 else 24)
        self.retranslate()

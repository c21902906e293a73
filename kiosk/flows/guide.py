"""办事指南: find an item the ways people look (个人/法人 → 主题, 按部门, search), read its
guide, take it away as a QR (码上告知) or print the 一次性告知单. No card needed.

What the screens show comes from ``kiosk.guide_view`` (worded in both languages, Qt-free);
the catalog is read from the copy on disk at once and refreshed from the platform meanwhile.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future
from typing import Any

from kiosk.flow import Flow, Needs, NetworkNeed, Tile
from kiosk.guide import CachedCatalog, GuideUnavailable
from kiosk.guide_view import GuideView, PrintOutcome
from screens.guide import both_tr, start_choices

log = logging.getLogger(__name__)

_CHOICE = "screens.guide:GuideChoiceScreen"


class GuideFlow(Flow):
    id = "guide"
    tile = Tile("指", order=30)
    has_end = False  # reading is the service
    needs = Needs(network=NetworkNeed.CACHED_OK)
    steps = {
        "guide_start": f"{_CHOICE}:guide_start",
        "guide_topics": f"{_CHOICE}:guide_topics",
        "guide_depts": f"{_CHOICE}:guide_depts",
        "guide_items": f"{_CHOICE}:guide_items",
        "guide_page": "screens.guide:GuidePageScreen",
        "guide_more": "screens.guide:GuideMoreScreen",
        "guide_qr": "screens.guide:GuideQrScreen",
        "guide_search": "screens.guide:GuideSearchScreen",
    }

    def __init__(self, host: Any) -> None:
        super().__init__(host)
        self.guide = GuideView(self.ctx)
        self.audience = "person"
        self.entry: str | None = None
        self._wanted = ""  # the item to open once the catalog is there

    def bind(self, step: str, screen: Any) -> None:
        signals = {
            "guide_start": ("chosen", self.choose_start),
            "guide_topics": ("chosen", self.choose_topic),
            "guide_depts": ("chosen", self.choose_department),
            "guide_items": ("chosen", self.open_entry),
            "guide_search": ("chosen", self.open_entry),
        }
        if step in signals:
            name, slot = signals[step]
            getattr(screen, name).connect(slot)
        if step == "guide_search":
            screen.typed.connect(self.typed)
            term = self.ctx.config.terminal
            if term.mode == "village":
                screen.set_village(term.help_phone)
        elif step == "guide_page":
            screen.print_requested.connect(self.print_notice)
            screen.qr_requested.connect(lambda: self._open("guide_qr"))
            screen.more_requested.connect(lambda: self._open("guide_more"))
            screen.apply_requested.connect(lambda: self.host.start("apply", self.entry or ""))

    def start(self) -> None:
        """The first question at once from the copy on disk; the platform is asked
        meanwhile whether there is a newer catalog."""
        if not self.guide.ready:
            self.guide.load()
        self._show_start()
        self.host.go("guide_start")
        self.host.run(self.guide.fetch, on_done=self._fetched, keep_on_leave=True)
        self._wanted = self.arg  # an item asked for (sent by staff in a video call)
        if self.guide.ready:
            self._open_wanted()

    def _open_wanted(self) -> None:
        wanted, self._wanted = self._wanted, ""
        if wanted and self.host.step == "guide_start":
            try:
                self.open_entry(wanted)
            except KeyError:
                log.warning("service guide: no item %r to open", wanted)

    def left(self) -> None:
        self.entry = None
        self._wanted = ""

    def close(self) -> None:
        self.guide.close()

    def _show_start(self, problem: str = "") -> None:
        screen = self.host.screen("guide_start")
        if problem:
            screen.set_content(both_tr(f"error.{problem}"), [])
        elif not self.guide.ready:
            screen.set_content(both_tr("guide.loading"), [])
        else:
            screen.set_content(both_tr("guide.start_title"), start_choices(),
                               self.guide.freshness())

    def _fetched(self, fut: Future[CachedCatalog]) -> None:
        before = (self.guide.ready, self.guide.freshness())
        try:
            self.guide.adopt(fut.result())
        except GuideUnavailable as e:
            log.warning("service guide unavailable: %s", e.tech)
            if not self.guide.ready:
                self._show_start(e.code)
            return
        except Exception:
            log.exception("service guide: reading the catalog failed")
            if not self.guide.ready:
                self._show_start("kiosk.internal")
            return
        if before != (True, self.guide.freshness()):
            self._show_start()
            if self.host.step == "guide_start":
                self.host.content_changed()  # the tiles moved under the finger
        self._open_wanted()

    def choose_start(self, key: str) -> None:
        if key == "search":
            search = self.host.screen("guide_search")
            search.reset()
            self.typed("")
            self.host.go("guide_search")
        elif key == "department":
            self.host.screen("guide_depts").set_content(
                both_tr("guide.depts_title"), self.guide.departments(), self.guide.freshness())
            self.host.go("guide_depts")
        else:
            self.audience = key
            self.host.screen("guide_topics").set_content(
                both_tr("guide.topics_title", audience=self.guide.audience_name(key)),
                self.guide.topics(key), self.guide.freshness())  # type: ignore[arg-type]
            self.host.go("guide_topics")

    def choose_topic(self, topic: str) -> None:
        self.host.screen("guide_items").set_content(
            both_tr("guide.items_title", topic=self.guide.topic_name(topic)),
            self.guide.entries(self.audience, topic),  # type: ignore[arg-type]
            self.guide.freshness())
        self.host.go("guide_items")

    def choose_department(self, department: str) -> None:
        self.host.screen("guide_items").set_content(
            both_tr("guide.items_title", topic=self.guide.department_name(department)),
            self.guide.entries(department=department), self.guide.freshness())
        self.host.go("guide_items")

    def open_entry(self, entry_id: str) -> None:
        self.entry = entry_id
        self.host.screen("guide_page").show_entry(self.guide.page(entry_id),
                                                  self.guide.freshness())
        self.host.go("guide_page")

    def _open(self, step: str) -> None:
        self.host.screen(step).show_entry(self.host.screen("guide_page").views)
        self.host.go(step)

    def typed(self, text: str) -> None:
        if self.guide.ready:
            self.host.screen("guide_search").show_results(*self.guide.search(text))

    def print_notice(self) -> None:
        entry = self.entry
        if entry is None:
            return
        page = self.host.screen("guide_page")
        page.set_print_state("printing")

        def done(fut: Future[PrintOutcome]) -> None:
            if self.entry != entry:
                return  # the citizen went on to another item meanwhile
            try:
                out = fut.result()
            except Exception:
                log.exception("guide notice failed")
                out = PrintOutcome(False, "kiosk.internal")
            page.set_print_state("printed" if out.printed else out.error_code)

        self.host.run(self.guide.print_notice, entry, on_done=done, keep_on_leave=True)

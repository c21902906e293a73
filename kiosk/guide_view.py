"""The 办事指南 service on the kiosk, without Qt: what the guide screens show and do.

The screens ask this module for choices (audiences, topics, departments, entries, search
hits) and for the guide page of one entry, each already worded in both languages so that a
switch of language re-labels a screen without asking again. The blocking calls (the
platform, the printer) run on the window's task runner. The catalog, its cache and the
notice come from ``kiosk.guide``; nothing here is drawn.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import uuid4

from kiosk.catalog import Audience, Entry, Item, label
from kiosk.context import KioskContext
from kiosk.flow import Flow
from kiosk.guide import (
    CachedCatalog,
    CatalogCache,
    GuideIndex,
    fee_text,
    material_note,
    notice_for,
    open_catalog_cache,
    time_limit_text,
)
from printer_templates.guide_notice import render_guide_notice

LANGS = ("zh_CN", "en")

Text = dict[str, str]  # by language


def both(zh: str, en: str) -> Text:
    return {"zh_CN": zh, "en": en}


@dataclass(frozen=True)
class Choice:
    """One tile: what it opens (``key``), its name and a line under it, by language."""

    key: str
    title: Text
    sub: Text = field(default_factory=lambda: both("", ""))
    glyph: str = ""
    bundle: bool = False


@dataclass(frozen=True)
class Section:
    """One block of the guide's second page: a heading and its lines."""

    heading: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class GuidePage:
    """What the guide page of one entry shows, in one language."""

    entry_id: str
    title: str
    where: str  # "here" (本机可办), "soon" (terminal supported, not on this kiosk yet), "window"
    online: bool  # 是否网办
    materials: tuple[tuple[str, str], ...]  # (name, 原件 · 1 份 and notes)
    time_limit: str
    fee: str
    location: str
    hours: str
    phone: str
    more: tuple[Section, ...]  # 受理条件, 办理流程, 设定依据 … (the second page)
    guide_url: str


@dataclass(frozen=True)
class PrintOutcome:
    printed: bool
    error_code: str = ""


def _en_time_limit(entry: Entry) -> str:
    if entry.promised_days == 0:
        return "Done on the spot"
    days = entry.promised_days
    return f"{days} working day{'s' if days > 1 else ''}"


def _copies(n: int, language: str) -> str:
    if language == "en":
        return f"{n} cop{'ies' if n != 1 else 'y'}"
    return f"{n} 份"


class GuideView:
    """The catalog as the screens use it: loaded once, refreshed in the background."""

    def __init__(self, ctx: KioskContext, cache: CatalogCache | None = None) -> None:
        self.ctx = ctx
        url = ctx.link.url if ctx.link is not None else None
        self.cache = cache or open_catalog_cache(ctx.config, url)
        self.cached: CachedCatalog | None = None
        self.index: GuideIndex | None = None

    def close(self) -> None:
        self.cache.close()

    # --- the catalog ----------------------------------------------------------------------
    def load(self) -> CachedCatalog | None:
        """The copy on disk (instant); None if there is none yet."""
        cached = self.cache.load()
        if cached is not None:
            self.adopt(cached)
        return cached

    def fetch(self) -> CachedCatalog:
        """The current catalog from the platform, or the copy on disk (blocks: run it off
        the GUI thread); GuideUnavailable if there is neither."""
        return self.cache.current()

    def adopt(self, cached: CachedCatalog) -> None:
        """Use ``cached`` from now on (on the GUI thread)."""
        self.cached = cached
        self.index = self.cache.index(cached)

    @property
    def ready(self) -> bool:
        return self.index is not None

    def freshness(self) -> Text:
        """The catalog's age when the platform has not confirmed it for a while, calmly
        (目录更新于 3 天前); empty when it is current."""
        c = self.cached
        if c is None or not c.stale():
            return both("", "")
        return {lang: c.age_text(lang) for lang in LANGS}

    # --- choices --------------------------------------------------------------------------
    def audience_name(self, audience: str) -> Text:
        return {lang: label("audience", audience, lang) for lang in LANGS}

    def topic_name(self, topic: str) -> Text:
        t = self._ix().catalog.topic(topic)
        return both(t.name, t.name_en)

    def department_name(self, department: str) -> Text:
        d = self._ix().catalog.department(department)
        return both(d.name, d.name_en)

    def _ix(self) -> GuideIndex:
        assert self.index is not None, "the catalog is not loaded"
        return self.index

    def topics(self, audience: Audience) -> list[Choice]:
        cat = self._ix().catalog
        return [Choice(t.id, both(t.name, t.name_en),
                       both(f"{len(cat.browse(audience, t.id))} 项",
                            f"{len(cat.browse(audience, t.id))} services"))
                for t in cat.topics_for(audience)]

    def departments(self) -> list[Choice]:
        cat = self._ix().catalog
        return [Choice(d.id, both(d.name, d.name_en))
                for d in cat.departments if cat.browse(department=d.id)]

    def entries(self, audience: Audience | None = None, topic: str | None = None,
                department: str | None = None) -> list[Choice]:
        cat = self._ix().catalog
        return [self._choice(e) for e in cat.browse(audience, topic, department)]

    def search(self, text: str) -> tuple[list[Choice], list[Choice]]:
        """(hits, suggestions): suggestions only when nothing matched."""
        result = self._ix().search(text)
        hits = [self._choice(h.entry, via=h.via) for h in result.hits]
        return hits, [self._choice(e) for e in result.suggestions]

    def _choice(self, e: Entry, via: str = "") -> Choice:
        """A tile: the name, and under it how long it takes (a bundle: that it is one)."""
        zh, en = time_limit_text(e).split("（")[0], _en_time_limit(e)
        if e.is_bundle:
            zh, en = f"一件事 · {zh}", f"Several in one · {en}"
        if via:
            zh = f"含{via}"
        return Choice(e.id, both(e.name, e.short_en), both(zh, en), bundle=e.is_bundle)

    # --- the guide page -------------------------------------------------------------------
    def entry(self, entry_id: str) -> Entry:
        e = self._ix().catalog.entry(entry_id)
        if e is None:
            raise KeyError(entry_id)
        return e

    def page(self, entry_id: str) -> dict[str, GuidePage]:
        """The guide page of ``entry_id`` in every language."""
        e = self.entry(entry_id)
        return {lang: self._page(e, lang) for lang in LANGS}

    def _page(self, e: Entry, lang: str) -> GuidePage:
        cat = self._ix().catalog
        en = lang == "en"
        # 在本机办理 where the application service runs on this kiosk (it needs a receipt
        # printer); an entry the terminal supports is otherwise said to be coming.
        apply_here = Flow.registry.get("apply") is not None and \
            Flow.registry["apply"].available(self.ctx)
        where = "window" if not e.terminal else "here" if apply_here else "soon"
        materials = []
        for m in e.materials:
            kind = label("type", m.type, lang)
            amount = f"{kind} · {_copies(m.copies, lang)}" if m.copies else kind
            note = "" if en else material_note(m)
            if en and m.necessity != "required":
                note = label("necessity", m.necessity, "en")
            materials.append((m.name_en if en else m.name,
                              f"{amount}（{note}）" if note and not en
                              else f"{amount} ({note})" if note else amount))
        dept = cat.department(e.department)
        more: list[Section] = []
        if en:
            more.append(Section("Conditions (in Chinese)", e.conditions))
            more.append(Section("Steps", tuple(f"{i}. {s.name_en}"
                                               for i, s in enumerate(e.steps, 1))))
        else:
            more.append(Section("受理条件", tuple(f"{i}. {c}"
                                              for i, c in enumerate(e.conditions, 1))))
            more.append(Section("办理流程", tuple(f"{i}. {s.name}" + (f"：{s.detail}"
                                                                   if s.detail else "")
                                              for i, s in enumerate(e.steps, 1))))
        members = cat.members(e)
        if members:
            more.append(Section("Includes" if en else "包含事项",
                                tuple((m.name_en if en else m.name) for m in members)))
        if isinstance(e, Item):
            more.append(Section("Legal basis" if en else "设定依据", e.legal_basis))
        facts = [
            ("Department" if en else "实施主体", dept.name_en if en else dept.name),
            ("Visits needed" if en else "到现场次数",
             f"{e.visits}" if en else f"{e.visits} 次"),
            ("Online" if en else "网上办理", ("yes" if e.online else "no") if en
             else ("可以" if e.online else "不可以")),
            ("Result by post" if en else "快递送达", ("yes" if e.delivery else "no") if en
             else ("可以" if e.delivery else "不可以")),
            ("Where it can be done" if en else "通办范围", label("scope", e.scope, lang)),
            ("Complaints" if en else "监督投诉电话", e.complaint_phone),
        ]
        more.append(Section("Other facts" if en else "其他信息",
                            tuple(f"{k}：{v}" if not en else f"{k}: {v}" for k, v in facts)))
        return GuidePage(
            entry_id=e.id, title=e.title(lang), where=where, online=e.online,
            materials=tuple(materials),
            time_limit=_en_time_limit(e) if en else time_limit_text(e),
            fee=("Free" if not e.charged else fee_text(e)) if en else fee_text(e),
            location=e.location, hours=e.hours, phone=e.phone, more=tuple(more),
            guide_url=e.guide_url)

    # --- the 一次性告知单 -------------------------------------------------------------------
    def print_notice(self, entry_id: str) -> PrintOutcome:
        """Print the entry's notice on the receipt printer (blocks until it is out)."""
        ctx = self.ctx
        cat = self._ix().catalog
        term = ctx.config.terminal
        notice = notice_for(cat, self.entry(entry_id), term.hall_name, term.id)
        job_id = f"guide-{uuid4().hex[:12]}"
        data = render_guide_notice(notice, job_id, ctx.receipt_profile)
        error = ctx.print_receipt(job_id, data, f"guide notice {entry_id}")
        return PrintOutcome(not error, error)

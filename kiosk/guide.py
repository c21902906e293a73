"""The service guide (办事指南) on the kiosk: the platform's catalog kept on disk, and search.

``CatalogCache`` asks the platform for ``/v1/catalog`` with the ETag of the copy it holds
(``If-None-Match``), stores a new copy atomically under ``<data>/guide/`` and answers from
that copy when the platform cannot be reached, saying how old it is. A catalog the kiosk
cannot read never replaces a good one. The kiosk's screens and ``kiosk guide`` read the
same file. ``GuideIndex`` finds entries the ways citizens look: by what they call a thing
(生孩子), by characters, by pinyin (``tx`` → 退休, ``chusheng`` → 出生). No Qt here.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pypinyin import lazy_pinyin

from kiosk.catalog import Catalog, Entry, Item, Material, label, parse_catalog
from kiosk.config import KioskConfig
from offline_cache.client import OutcomeUnknown, PlatformClient, PlatformRefused
from offline_cache.durable import atomic_write
from printer_templates.guide_notice import GuideNotice, NoticeMaterial

log = logging.getLogger(__name__)

STALE_AFTER = 24 * 3600.0  # a copy the platform has not confirmed for a day shows its age
RECHECK_AFTER = 300.0  # ``current()`` asks the platform again after this many seconds
GUIDE_DEADLINE = 8.0  # seconds a citizen waits for the platform before the cached copy


class GuideUnavailable(Exception):
    """No catalog at all: the platform cannot be reached and nothing is cached.

    ``code`` is the key of the citizen's message (``error.guide.unavailable``)."""

    code = "guide.unavailable"

    def __init__(self, tech: str) -> None:
        super().__init__(f"[{self.code}] {tech}")
        self.tech = tech


@dataclass(frozen=True)
class CachedCatalog:
    """A catalog and what is known about its freshness."""

    catalog: Catalog
    etag: str
    fetched_at: float  # when this copy was downloaded
    checked_at: float  # when the platform last said it is current
    online: bool = False  # the platform confirmed it during this call
    problem: str = ""  # why it could not be confirmed (technician text), if it could not

    def age(self, now: float | None = None) -> float:
        """Seconds since the platform last confirmed this copy."""
        return max((time.time() if now is None else now) - self.checked_at, 0.0)

    def stale(self, now: float | None = None) -> bool:
        return self.age(now) > STALE_AFTER

    def age_text(self, language: str = "zh_CN", now: float | None = None) -> str:
        return age_text(self.age(now), language)

    def describe(self) -> dict[str, Any]:
        return {"version": self.catalog.version, "etag": self.etag, "online": self.online,
                "age_s": round(self.age()), "stale": self.stale(), "problem": self.problem}


def age_text(seconds: float, language: str = "zh_CN") -> str:
    """目录更新于 3 天前 / catalog updated 3 days ago."""
    for unit_s, zh, en in ((86400, "天", "day"), (3600, "小时", "hour"), (60, "分钟", "minute")):
        n = int(seconds // unit_s)
        if n >= 1:
            if language == "en":
                return f"catalog updated {n} {en}{'s' if n > 1 else ''} ago"
            return f"目录更新于 {n} {zh}前"
    return "catalog updated just now" if language == "en" else "目录刚刚更新"


class CatalogCache:
    """The catalog file under ``folder``, kept current from the platform by ``client``.

    Safe to share between threads; other processes see whole files only (atomic writes).
    Network calls (``refresh``, ``current``) block: call them off the GUI thread.
    """

    FILE = "catalog.json"

    def __init__(self, folder: Path, client: PlatformClient | None) -> None:
        self.path = folder / self.FILE
        self.client = client
        self._lock = threading.Lock()
        # The copy last read or written, its file's identity and its document as sent.
        self._memo: tuple[tuple[int, ...], CachedCatalog, dict[str, Any]] | None = None
        self._index: tuple[Catalog, GuideIndex] | None = None

    def close(self) -> None:
        if self.client is not None:
            self.client.close()

    def load(self) -> CachedCatalog | None:
        """The copy on disk, without asking the platform; None if there is none usable."""
        with self._lock:
            return self._load()

    def refresh(self) -> CachedCatalog:
        """Ask the platform whether the copy is current (fetch it if not); the copy on disk
        if the platform cannot be reached. GuideUnavailable if there is neither."""
        with self._lock:
            held = self._load()
            if self.client is None:
                return self._offline(held, "no platform configured")
            try:
                etag, doc = self.client.catalog(held.etag if held else None)
            except OutcomeUnknown as e:
                return self._offline(held, f"platform not reachable: {e}")
            except PlatformRefused as e:
                return self._offline(held, f"platform refused: {e}")
            now = time.time()
            if doc is None and held is not None and self._memo is not None:
                # Not modified: the copy just read (never one another process wrote since).
                return self._store(held.catalog, etag, held.fetched_at, now, self._memo[2])
            try:
                catalog = parse_catalog(doc or {})
            except ValidationError as e:
                log.warning("the platform's catalog %s is not usable, keeping %s: %s", etag,
                            held.etag if held else "none", e)
                return self._offline(held, f"the platform's catalog is not valid: {e}")
            return self._store(catalog, etag, now, now, doc or {})

    def current(self, max_age: float = RECHECK_AFTER) -> CachedCatalog:
        """The copy on disk if the platform confirmed it less than ``max_age`` seconds
        ago, else ``refresh()``."""
        held = self.load()
        if held is not None and held.age() < max_age:
            return held
        return self.refresh()

    def index(self, cached: CachedCatalog) -> GuideIndex:
        """The search index of ``cached``'s catalog, built once per catalog."""
        with self._lock:
            if self._index is None or self._index[0] is not cached.catalog:
                self._index = (cached.catalog, GuideIndex(cached.catalog))
            return self._index[1]

    # --- the file --------------------------------------------------------------------------
    def _load(self) -> CachedCatalog | None:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
        if self._memo is not None and self._memo[0] == stamp:
            return self._memo[1]
        try:
            saved = json.loads(self.path.read_bytes())
            cached = CachedCatalog(parse_catalog(saved["catalog"]), str(saved["etag"]),
                                   float(saved["fetched_at"]), float(saved["checked_at"]))
        except (OSError, ValueError, KeyError, TypeError) as e:  # ValidationError included
            log.warning("cached catalog %s unreadable, ignoring it: %s", self.path, e)
            return None
        self._memo = (stamp, cached, saved["catalog"])
        return cached

    def _store(self, catalog: Catalog, etag: str, fetched_at: float, checked_at: float,
               doc: dict[str, Any]) -> CachedCatalog:
        saved = {"etag": etag, "fetched_at": fetched_at, "checked_at": checked_at,
                 "catalog": doc}
        atomic_write(self.path, json.dumps(saved, ensure_ascii=False).encode("utf-8"),
                     mode=0o644)
        st = self.path.stat()
        cached = CachedCatalog(catalog, etag, fetched_at, checked_at, online=True)
        self._memo = ((st.st_ino, st.st_mtime_ns, st.st_size), cached, doc)
        return cached

    def _offline(self, held: CachedCatalog | None, why: str) -> CachedCatalog:
        if held is None:
            raise GuideUnavailable(f"no cached catalog and {why}")
        return CachedCatalog(held.catalog, held.etag, held.fetched_at, held.checked_at,
                             online=False, problem=why)


def guide_folder(config: KioskConfig) -> Path:
    return config.data_dir / "guide"


def open_catalog_cache(config: KioskConfig, platform_url: str | None) -> CatalogCache:
    """The kiosk's catalog cache, asking the platform at ``platform_url`` (None: never)."""
    client = None
    if platform_url:
        from kiosk.link import terminal_secret

        client = PlatformClient(platform_url, config.terminal.id, terminal_secret(config),
                                ca_file=config.platform.ca_file,
                                deadline=min(GUIDE_DEADLINE, config.platform.request_deadline))
    return CatalogCache(guide_folder(config), client)


# --- search ----------------------------------------------------------------------------------
# How an entry matched, best first: the order of the results.
MATCHES = ("exact", "name_start", "name", "english", "pinyin_start", "pinyin", "keyword",
           "department")
SUGGESTIONS = 6


@dataclass(frozen=True)
class Hit:
    entry: Entry
    match: str  # one of MATCHES
    via: str = ""  # a bundle ranked by one of its items: that item's name

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.entry.id, "name": self.entry.name, "name_en": self.entry.name_en,
                "bundle": self.entry.is_bundle, "match": self.match, "via": self.via}


@dataclass(frozen=True)
class SearchResult:
    query: str
    hits: tuple[Hit, ...]
    suggestions: tuple[Entry, ...]  # the most common entries, when nothing matched


def normalize(text: str) -> str:
    """Lower case, half-width, without spaces or the apostrophes of typed pinyin."""
    text = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in text if not ch.isspace() and ch != "'")


def syllables(text: str) -> tuple[str, ...]:
    """``text`` in toneless pinyin, one syllable per character (ü as v, as typed); runs of
    letters or digits stay one piece; punctuation drops out."""
    out: list[str] = []
    for piece in lazy_pinyin(normalize(text)):
        run = ""
        for ch in piece:
            if ch.isascii() and ch.isalnum():
                run += ch
            elif run:
                out.append(run)
                run = ""
        if run:
            out.append(run)
    return tuple(out)


def pinyin_start(query: str, syl: tuple[str, ...], whole: bool = False) -> int | None:
    """The first syllable from which ``query`` spells consecutive syllables, each by a
    prefix of its pinyin (initials ``cs``, ``chsh``, full ``chusheng``, mixed ``chus``);
    None if it spells none. ``whole``: it must spell all of them, from the first."""
    for start in range(1 if whole else len(syl)):
        if _spells(query, syl, start, whole, {}):
            return start
    return None


def _spells(q: str, syl: tuple[str, ...], i: int, whole: bool,
            memo: dict[tuple[int, int], bool]) -> bool:
    if not q:
        return not whole or i == len(syl)
    if i >= len(syl):
        return False
    key = (len(q), i)
    if key not in memo:
        s = syl[i]
        memo[key] = any(q[:k] == s[:k] and _spells(q[k:], syl, i + 1, whole, memo)
                        for k in range(min(len(s), len(q)), 0, -1))
    return memo[key]


@dataclass(frozen=True)
class _Indexed:
    name: str
    syllables: tuple[str, ...]
    english_words: tuple[str, ...]
    keywords: tuple[tuple[str, tuple[str, ...]], ...]
    department: tuple[str, tuple[str, ...]]


class GuideIndex:
    """Browse and search one catalog."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._entries = catalog.entries()
        self._rank = {p: i for i, p in enumerate(catalog.popular)}
        self._indexed = {e.id: self._index(e) for e in self._entries}

    def _index(self, e: Entry) -> _Indexed:
        dept = self.catalog.department(e.department).name
        return _Indexed(normalize(e.name), syllables(e.name), _words(e.name_en),
                        tuple((normalize(k), syllables(k)) for k in e.keywords),
                        (normalize(dept), syllables(dept)))

    def search(self, text: str, limit: int = 20) -> SearchResult:
        """Entries matching ``text``, best first; the most common entries as suggestions
        when none match, so a screen is never empty."""
        q, words = normalize(text), _words(text)
        found: list[tuple[tuple[int, ...], Hit]] = []
        if q:
            for order, e in enumerate(self._entries):
                ranked = self._match(e, q, words)
                if ranked is not None:
                    (tier, loose), hit = ranked
                    key = (tier, 1 if hit.via else 0, loose,
                           self._rank.get(e.id, len(self._rank)), order)
                    found.append((key, hit))
        hits = tuple(h for _, h in sorted(found, key=lambda kh: kh[0])[:limit])
        return SearchResult(text, hits, () if hits else self.suggestions())

    def suggestions(self, n: int = SUGGESTIONS) -> tuple[Entry, ...]:
        return tuple((self.catalog.popular_entries() or self._entries)[:n])

    def _match(self, e: Entry, q: str, words: tuple[str, ...]
               ) -> tuple[tuple[int, int], Hit] | None:
        """How well ``e`` (or, for a bundle, its best item) matches: ((tier, loose), hit)."""
        own = self._how(self._indexed[e.id], q, words)
        best = (own, Hit(e, MATCHES[own[0]])) if own else None
        for m in self.catalog.members(e):
            how = self._how(self._indexed[m.id], q, words)
            if how and (best is None or how < best[0]):
                best = (how, Hit(e, MATCHES[how[0]], via=m.name))
        return best

    @staticmethod
    def _how(ix: _Indexed, q: str, words: tuple[str, ...]) -> tuple[int, int] | None:
        """(index in MATCHES, 0 if ``q`` is the whole of what it matched else 1), or None.
        ``q`` is the normalized query, ``words`` its words (for English names)."""
        tier = MATCHES.index
        spelled = q.isascii() and q.isalnum()
        if q == ix.name:
            return tier("exact"), 0
        if ix.name.startswith(q):
            return tier("name_start"), 1
        if q in ix.name:
            return tier("name"), 1
        if spelled or (q.isascii() and len(words) > 1):
            english = _english(words, ix.english_words)
            if english is not None:
                return tier("english"), english
        if spelled:
            start = pinyin_start(q, ix.syllables)
            if start is not None:
                whole = pinyin_start(q, ix.syllables, whole=True) == 0
                return tier("pinyin_start" if start == 0 else "pinyin"), 0 if whole else 1
        keyword = [0 if q == kw or (len(kw) >= 2 and kw in q) or
                   (spelled and pinyin_start(q, syl, whole=True) == 0) else 1
                   for kw, syl in ix.keywords
                   if q in kw or (len(kw) >= 2 and kw in q) or
                   (spelled and pinyin_start(q, syl) == 0)]
        if keyword:
            return tier("keyword"), min(keyword)
        dept, dept_syl = ix.department
        if (not spelled and q in dept) or (spelled and len(q) >= 2 and
                                           pinyin_start(q, dept_syl) == 0):
            return tier("department"), 1
        return None


def _english(words: tuple[str, ...], name_words: tuple[str, ...]) -> int | None:
    """0 if every word is a word of the name, 1 if each starts one, None if not (a query
    of fewer than 3 letters is taken for pinyin, not English)."""
    if sum(map(len, words)) < 3 or not all(any(n.startswith(w) for n in name_words)
                                           for w in words):
        return None
    return 0 if set(words) <= set(name_words) else 1


def _words(english: str) -> tuple[str, ...]:
    return tuple(w for w in "".join(ch if ch.isalnum() else " "
                                    for ch in english.lower()).split())


# --- the 一次性告知单 ----------------------------------------------------------------------------
def time_limit_text(entry: Entry) -> str:
    """承诺办结时限 as a citizen reads it: 即办, or N个工作日, with the note if any."""
    text = "即办" if entry.promised_days == 0 else f"{entry.promised_days}个工作日"
    return f"{text}（{entry.time_note}）" if entry.time_note else text


def fee_text(entry: Entry) -> str:
    if not entry.charged:
        return "不收费"
    return "；".join(f"{f.name}{f.standard}" + ("（符合条件的可减免）" if f.waivable else "")
                    for f in entry.fees)


def material_note(m: Material, necessity: bool = True) -> str:
    """What a citizen must know about one material beyond its name (its necessity too,
    unless ``necessity`` is False), or ''."""
    notes = []
    if necessity and m.necessity != "required":
        notes.append({"optional": "如有", "deferrable": "可容缺后补"}[m.necessity])
    if m.promise_allowed:
        notes.append("可告知承诺代替")
    if m.e_license:
        notes.append("有电子证照的免交")
    return "，".join(notes)


def notice_for(catalog: Catalog, entry: Entry, hall_name: str, terminal_id: str,
               printed_at: datetime | None = None) -> GuideNotice:
    """The 一次性告知单 of ``entry``: everything to bring and know, once."""
    materials = tuple(NoticeMaterial(m.name, label("type", m.type), m.copies,
                                     "；".join(x for x in (material_note(m), m.notes) if x))
                      for m in entry.materials)
    includes = tuple(m.name for m in catalog.members(entry))
    department = catalog.department(entry.department).name
    return GuideNotice(
        hall_name=hall_name, terminal_id=terminal_id, matter=entry.name,
        department=department if isinstance(entry, Item) else f"{department}（牵头）",
        location=entry.location, hours=entry.hours, time_limit=time_limit_text(entry),
        fee=fee_text(entry), materials=materials, phone=entry.phone,
        complaint_phone=entry.complaint_phone, guide_url=entry.guide_url,
        printed_at=printed_at or datetime.now().astimezone().replace(tzinfo=None),
        includes=includes)

"""``kiosk guide``: the service guide (办事指南) as the kiosk's screens see it.

    kiosk guide search TEXT [--json] [--limit N]   items and 一件事 matching TEXT, best first
                                                  (words, what people call it, pinyin: tx)
    kiosk guide show CODE [--json]                 one guide: id, 基本编码 or 实施编码

Both read the catalog copy the screens read (``<data>/guide/catalog.json``). When the
platform answers they bring that copy up to date first (an unchanged catalog is not sent
again); when it does not, they answer from the copy and say how old it is. With
``[platform] url = "embedded"`` the reference platform runs for the command. Exit codes:
0 found, 1 nothing found or no catalog at all.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import sys
from collections.abc import Iterator
from typing import Any

from kiosk.catalog import Catalog, Entry, Item, label
from kiosk.config import KioskConfig
from kiosk.guide import (
    CachedCatalog,
    CatalogCache,
    GuideUnavailable,
    fee_text,
    material_note,
    open_catalog_cache,
    time_limit_text,
)
from kiosk.link import connect_platform
from kiosk.privacy import install_log_masking


def register(sub: argparse._SubParsersAction) -> None:
    guide = sub.add_parser("guide", help="the service guide (办事指南): find and show items")
    guide_sub = guide.add_subparsers(dest="guide_command")
    search = guide_sub.add_parser("search", help="items matching a text, best first")
    search.add_argument("text", help="words, a nickname (生孩子) or pinyin (tx, chusheng)")
    search.add_argument("--limit", type=int, default=20, help="at most this many results")
    search.add_argument("--json", action="store_true", help="machine-readable output")
    search.set_defaults(handler=cmd_search)
    show = guide_sub.add_parser("show", help="one item's or bundle's guide")
    show.add_argument("code", help="id (e.g. birth), 基本编码 or 实施编码")
    show.add_argument("--json", action="store_true", help="machine-readable output")
    show.set_defaults(handler=cmd_show)


@contextlib.contextmanager
def _guide(config: KioskConfig) -> Iterator[tuple[CatalogCache, CachedCatalog | None]]:
    """The cache, brought up to date if the platform answers; None if there is no catalog."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    install_log_masking()
    link = connect_platform(config)
    cache = open_catalog_cache(config, link.url)
    try:
        try:
            cached: CachedCatalog | None = cache.refresh()
        except GuideUnavailable as e:
            print(f"no service guide: {e.tech}", file=sys.stderr)
            cached = None
        yield cache, cached
    finally:
        cache.close()
        link.stop()


def _status(cached: CachedCatalog) -> str:
    if cached.online:
        return f"catalog {cached.catalog.version}, checked with the platform just now"
    return (f"offline ({cached.problem}): catalog {cached.catalog.version}, "
            f"{cached.age_text('en')} ({cached.age_text()})")


def _about(cached: CachedCatalog) -> dict[str, Any]:
    return {**cached.describe(), "age_text": cached.age_text()}


def cmd_search(args: argparse.Namespace, config: KioskConfig) -> int:
    with _guide(config) as (cache, cached):
        if cached is None:
            return 1
        result = cache.index(cached).search(args.text, limit=args.limit)
    if args.json:
        print(json.dumps({"query": args.text, "catalog": _about(cached),
                          "hits": [h.as_dict() for h in result.hits],
                          "suggestions": [_brief(e) for e in result.suggestions]},
                         ensure_ascii=False, indent=2))
        return 0 if result.hits else 1
    print(_status(cached))
    c = cached.catalog
    for i, h in enumerate(result.hits, 1):
        via = f" — via {h.via}" if h.via else ""
        print(f"{i:>3}. {_name(c, h.entry)}{via}")
    if not result.hits:
        print(f"nothing matches {args.text!r}; most asked:")
        for i, e in enumerate(result.suggestions, 1):
            print(f"{i:>3}. {_name(c, e)}")
    return 0 if result.hits else 1


def cmd_show(args: argparse.Namespace, config: KioskConfig) -> int:
    with _guide(config) as (_, cached):
        if cached is None:
            return 1
    c = cached.catalog
    entry = c.entry(args.code)
    if entry is None:
        print(f"no item or bundle with the code {args.code!r} in catalog {c.version}",
              file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps({"catalog": _about(cached), "kind": _kind(entry),
                          "entry": entry.model_dump(mode="json"),
                          "department": c.department(entry.department).name,
                          "members": [_brief(m) for m in c.members(entry)],
                          "in_bundles": [_brief(b) for b in c.bundles_with(entry)]},
                         ensure_ascii=False, indent=2))
        return 0
    print(_status(cached))
    print("\n".join(guide_text(c, entry)))
    return 0


def _kind(entry: Entry) -> str:
    return "bundle" if entry.is_bundle else "item"


def _brief(e: Entry) -> dict[str, Any]:
    return {"id": e.id, "name": e.name, "name_en": e.name_en, "kind": _kind(e)}


def _name(c: Catalog, e: Entry) -> str:
    tag = "[一件事] " if e.is_bundle else ""
    return f"{tag}{e.name} ({e.id}) {c.department(e.department).name}"


def _yes(flag: bool) -> str:
    return "是" if flag else "否"


def guide_text(c: Catalog, e: Entry) -> list[str]:
    """The whole guide of ``e`` as lines, under the 实施清单's field names."""
    dept = c.department(e.department).name
    out = [f"{e.name}  {e.name_en}", ""]
    if isinstance(e, Item):
        out += [f"基本编码：{e.basic_code}", f"实施编码：{e.impl_code}",
                f"事项类型：{label('kind', e.kind)}", f"实施主体：{dept}",
                f"设定依据：{'；'.join(e.legal_basis)}"]
    else:
        out += [f"一件事，牵头部门：{dept}", "包含事项："]
        out += [f"  {i}. {m.name} ({m.id})" for i, m in enumerate(c.members(e), 1)]
    out += [f"服务对象：{'、'.join(label('audience', a) for a in e.audience)}",
            f"主题：{'、'.join(c.topic(t).name for t in e.topics)}", "受理条件："]
    out += [f"  - {x}" for x in e.conditions]
    out.append(f"申请材料（共{len(e.materials)}项）：")
    for i, m in enumerate(e.materials, 1):
        facts = [f"{label('type', m.type)}{m.copies}份", m.spec, label("source", m.source),
                 label("necessity", m.necessity), material_note(m, necessity=False)]
        out.append(f"  {i}. {m.name}（{'，'.join(f for f in facts if f)}）")
        out += [f"     {x}" for x in (m.notes, m.blank_form_url and f"空白表格 {m.blank_form_url}",
                                      m.sample_url and f"示例样表 {m.sample_url}") if x]
    out.append("办理流程：")
    out += [f"  {i}. {s.name}：{s.detail}" if s.detail else f"  {i}. {s.name}"
            for i, s in enumerate(e.steps, 1)]
    if isinstance(e, Item):
        out.append(f"法定办结时限：{e.legal_days}个工作日")
    out += [f"承诺办结时限：{time_limit_text(e)}", f"收费：{fee_text(e)}"]
    out += [f"  收费依据：{f.basis}" for f in e.fees]
    out += [f"办理地点：{e.location}", f"办理时间：{e.hours}", f"咨询电话：{e.phone}",
            f"监督投诉电话：{e.complaint_phone}", f"到现场次数：{e.visits}",
            f"是否网办：{_yes(e.online)}；是否支持终端办理：{_yes(e.terminal)}；"
            f"是否支持物流快递：{_yes(e.delivery)}；是否支持预约：{_yes(e.appointment)}",
            f"通办范围：{label('scope', e.scope)}", f"办事指南：{e.guide_url}"]
    bundles = c.bundles_with(e)
    if bundles:
        out.append(f"也可一件事联办：{'、'.join(f'{b.name} ({b.id})' for b in bundles)}")
    return out

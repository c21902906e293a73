"""The 一次性告知单 on the receipt printer: what to bring, wrapped to the paper, with a QR
of the public guide page that a phone reads back."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
import zxingcpp

from central.app import CATALOG_PATH
from drivers.escpos import spec
from drivers.escpos.profiles import ReceiptProfile, get_profile
from drivers.escpos.render import EscPosInterpreter
from kiosk.catalog import Catalog, parse_catalog
from kiosk.guide import notice_for
from printer_templates.data import from_mapping
from printer_templates.guide_notice import GuideNotice, render_guide_notice

SAMPLE = Path(__file__).parents[2] / "printer_templates" / "samples" / "guide_notice.json"
CLOSING = set("，。、；：？！）》」』】”’,.;:?!)")
PROFILES = [("standard", 80), ("basic-gbk", 58), ("utf8", 80), ("partial-cut", 58)]


class LinePrinter(EscPosInterpreter):
    """The virtual printer's interpreter, also noting the text of each printed line and
    every break the printer had to make itself (a line wider than the paper)."""

    def __init__(self, width_dots: int, chinese: bool) -> None:
        self.pages: list = []
        super().__init__(width_dots=width_dots, chinese_default=chinese,
                         on_cut=lambda page, _job: self.pages.append(page))
        self.lines: list[str] = [""]
        self.forced_breaks: list[str] = []

    def _put_char(self, ch: str, full: bool) -> None:
        cell = (spec.FONT_A_FULL_WIDTH if full else spec.FONT_A_HALF_WIDTH) * self._style.width
        if self._line_x + cell > self.width:
            self.forced_breaks.append(self.lines[-1] + ch)
        super()._put_char(ch, full)
        self.lines[-1] += ch

    def _print_line(self, lines: int = 0, extra_dots: int = 0) -> None:
        if self.lines[-1]:
            self.lines.append("")
        super()._print_line(lines, extra_dots)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return parse_catalog(json.loads(CATALOG_PATH.read_text(encoding="utf-8")))


def printed(notice: GuideNotice, profile: ReceiptProfile) -> LinePrinter:
    p = LinePrinter(profile.width_dots, profile.encoding != "utf-8")
    p.feed(render_guide_notice(notice, "job-7", profile))
    p.finish()
    return p


def notice(catalog: Catalog, code: str) -> GuideNotice:
    return notice_for(catalog, catalog.entry(code), "滨江区政务服务中心", "KIOSK-03",
                      datetime(2026, 3, 2, 10, 15))


def text(p: LinePrinter) -> str:
    return "".join(line.strip() for line in p.lines)


@pytest.mark.parametrize(("profile", "mm"), PROFILES)
def test_one_page_whose_qr_opens_the_public_guide(catalog, profile, mm):
    n = notice(catalog, "birth")
    p = get_profile(profile, mm)
    (page,) = printed(n, p).pages
    assert page.width == p.width_dots
    assert [r.text for r in zxingcpp.read_barcodes(page.convert("L"))] == [n.guide_url]


@pytest.mark.parametrize(("profile", "mm"), [("basic-gbk", 58), ("utf8", 80)])
def test_every_line_of_every_item_fits_the_paper(catalog, profile, mm):
    """The printer never breaks a line itself (that would cut a hanging indent and split
    words anywhere), and no line starts with a closing mark."""
    p = get_profile(profile, mm)
    for entry in catalog.entries():
        out = printed(notice(catalog, entry.id), p)
        assert out.forced_breaks == [], entry.id
        starts = [line for line in out.lines if line.strip()[:1] in CLOSING]
        assert starts == [], entry.id


def test_it_says_what_to_bring_where_when_how_long_and_the_cost(catalog):
    out = text(printed(notice(catalog, "birth"), get_profile("basic-gbk", 58)))
    assert "一次性告知单" in out and "新生儿出生一件事" in out
    assert "一次办理以下6个事项" in out and "2. 出生登记（新生儿落户）" in out
    assert "请带齐以下材料（共5项）" in out
    assert "1. 父母双方居民身份证（原件1份）有电子证照的免交" in out
    assert "3. 结婚证（原件1份）可容缺后补" in out
    assert "承诺时限：5个工作日" in out and "收费：不收费" in out
    assert "办理地点：滨江区政务服务中心" in out and "办理时间：周一至周六" in out
    assert "咨询电话：0731-88761000" in out and "监督投诉：12345" in out


def test_fees_and_immediate_items_read_as_a_citizen_expects(catalog):
    out = text(printed(notice(catalog, "id-card-renewal"), get_profile()))
    assert "收费：居民身份证工本费20元/证（符合条件的可减免）" in out
    assert "承诺时限：20个工作日" in out
    out = text(printed(notice(catalog, "household-certificate"), get_profile()))
    assert "承诺时限：即办" in out and "一次办理" not in out
    out = text(printed(notice(catalog, "divorce-registration"), get_profile()))
    assert "承诺时限：30个工作日（含30日离婚冷静期）" in out


def test_the_sample_data_prints(tmp_path):
    data = json.loads(SAMPLE.read_text(encoding="utf-8"))
    n = from_mapping(GuideNotice, data)
    (page,) = printed(n, get_profile()).pages
    assert [r.text for r in zxingcpp.read_barcodes(page.convert("L"))] == [data["guide_url"]]

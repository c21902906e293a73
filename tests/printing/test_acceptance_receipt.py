"""The 受理回执 receipt and the receipt templates fed from JSON samples."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import zxingcpp

from drivers.escpos.profiles import get_profile
from drivers.escpos.render import render_escpos
from printer_templates.data import TemplateDataError
from printer_templates.receipts import RECEIPT_TEMPLATES, render_receipt

SAMPLES = Path(__file__).parents[2] / "printer_templates" / "samples"


def sample(name: str) -> dict:
    return json.loads((SAMPLES / f"{name}.json").read_text(encoding="utf-8"))


def _text(data: bytes) -> str:
    return data.decode("gb18030", errors="replace")  # the logo's raster bytes are not text


@pytest.mark.parametrize("name", sorted(RECEIPT_TEMPLATES))
@pytest.mark.parametrize(("profile", "mm"), [("standard", 80), ("basic-gbk", 58)])
def test_every_sample_prints_one_page_whose_qr_reads_back(name: str, profile: str,
                                                          mm: int) -> None:
    data = sample(name)
    p = get_profile(profile, mm)
    (page,) = render_escpos(render_receipt(name, data, "job-1", p), width_dots=p.width_dots)
    url = data.get("progress_url") or data.get("guide_url") or data["qr_data"]
    assert page.width == p.width_dots
    assert [r.text for r in zxingcpp.read_barcodes(page.convert("L"))] == [url]


def test_acceptance_receipt_says_what_was_received_and_what_is_owed_by_when() -> None:
    text = _text(render_receipt("acceptance_receipt", sample("acceptance_receipt")))
    assert "受理回执" in text and "BJ20240506-00127" in text
    assert "已收材料（共3项）" in text and "出生医学证明（复印件1份）" in text
    assert "户口簿首页及新生儿本人页" in text and "补交期限：2024年5月20日前" in text
    assert "承诺办结：2024年5月13日前" in text
    # What is not received but shown at the window later is not listed as received.
    assert "领取结果时请带原件核验" in text and "1. 申请人户口簿原件" in text


def test_acceptance_receipt_masks_the_applicants_name() -> None:
    data = render_receipt("acceptance_receipt", sample("acceptance_receipt"))
    assert "李*英".encode("gb18030") in data
    assert "李秀英".encode("gb18030") not in data


def test_acceptance_receipt_without_deferred_items_has_no_deferred_section() -> None:
    data = sample("acceptance_receipt")
    data["deferred"] = []
    assert "容缺" not in _text(render_receipt("acceptance_receipt", data))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("case_number"), "case_number: missing"),
        (lambda d: d.update(accepted_at="yesterday"), "accepted_at: not an ISO date"),
        (lambda d: d["materials"][0].update(copies="one"), r"materials\[0\].copies"),
        (lambda d: d.update(materials="身份证"), "materials: expected a list"),
        (lambda d: d.update(colour="red"), r"unknown field\(s\) \['colour'\]"),
    ],
)
def test_wrong_data_names_the_field(change, message: str) -> None:
    data = sample("acceptance_receipt")
    change(data)
    with pytest.raises(TemplateDataError, match=message):
        render_receipt("acceptance_receipt", data)


def test_unknown_template_lists_the_known_ones() -> None:
    with pytest.raises(TemplateDataError, match="acceptance_receipt, |queue_ticket"):
        render_receipt("cert", {})

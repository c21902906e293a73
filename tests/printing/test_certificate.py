"""A4 certificates: templates filled from data, the digest and code, and the PDF as printed."""

from __future__ import annotations

import json
import re
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from printer_templates.certificate import (
    fill_certificate,
    load_template,
    sm3_hex,
    template_names,
    verification_code,
)
from printer_templates.certificate_pdf import render_certificate, render_pdf
from printer_templates.data import TemplateDataError

SAMPLES = Path(__file__).parents[2] / "printer_templates" / "samples"
PRINTED_AT = datetime(2024, 5, 6, 9, 42, 30)
SAMPLE_OF = {  # certificate template -> its sample data
    "social_insurance_payment": "social_insurance_payment",
    "household_registration": "household_registration",
    "medical_insurance": "medical_insurance",
    "acceptance_receipt": "acceptance_receipt",
}


def sample(name: str) -> dict:
    return json.loads((SAMPLES / f"{SAMPLE_OF[name]}.json").read_text(encoding="utf-8"))


def render(name: str, data: dict | None = None, **kw):
    return render_certificate(name, data or sample(name), terminal_id="KIOSK-03",
                              printed_at=kw.get("printed_at", PRINTED_AT))


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    """The text in drawing order (-raw keeps a rotated watermark's characters together),
    without white space."""
    path = tmp_path / "cert.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True,
                         text=True, check=True, timeout=60).stdout
    return re.sub(r"\s+", "", out)


def page_images(pdf: bytes, tmp_path: Path) -> list[Image.Image]:
    (tmp_path / "cert.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "150", str(tmp_path / "cert.pdf"),
                    str(tmp_path / "page")], check=True, timeout=60)
    return [Image.open(p) for p in sorted(tmp_path.glob("page-*.png"))]


def test_sm3_known_answer() -> None:
    # GB/T 32905-2016 example 1.
    assert sm3_hex(b"abc") == (
        "66C7F0F462EEEDD9D1F2D46BDC10E4E24167C4875CF2F7A2297DA02B8F4BA8E0")


def test_every_template_has_a_sample_and_renders() -> None:
    assert set(template_names()) == set(SAMPLE_OF)
    for name in template_names():
        assert render(name).pdf.startswith(b"%PDF-")


def test_digest_and_code_are_stable_and_change_with_the_content() -> None:
    a, b = render("household_registration"), render("household_registration")
    assert a.pdf == b.pdf and a.filled.digest == b.filled.digest
    assert re.fullmatch(r"[0-9A-F]{64}", a.filled.digest)
    assert re.fullmatch(r"([A-Z2-7]{4}-){3}[A-Z2-7]{4}", a.filled.code)
    assert a.filled.code == verification_code(a.filled.digest)
    assert a.filled.digest == sm3_hex(a.filled.canonical)
    changed = sample("household_registration") | {"address": "湖南省长沙市芙蓉区滨江路88号3栋503室"}
    later = render("household_registration", printed_at=datetime(2024, 5, 6, 9, 43))
    assert render("household_registration", changed).filled.digest != a.filled.digest
    assert later.filled.digest != a.filled.digest


def test_canonical_content_is_the_data_with_when_where_and_until_when() -> None:
    filled = render("household_registration").filled
    content = json.loads(filled.canonical)
    assert content == {
        "template": "household_registration", "data": sample("household_registration"),
        "terminal": "KIOSK-03", "printed_at": "2024-05-06T09:42:30",
        "expires_on": "2024-08-04",  # 90 days
    }


def test_pdf_carries_title_fields_validity_code_digest_and_page_numbers(tmp_path) -> None:
    cert = render("social_insurance_payment")
    text = pdf_text(cert.pdf, tmp_path)
    f = cert.filled
    assert cert.pages == 2
    assert "社会保险参保缴费证明" in text and "陈晓梅" in text
    assert "2024年4月" in text and "1,807.20" in text and "长沙市社会保险服务中心" in text
    assert "打印时间：2024年5月6日09:42" in text and "有效期至：2024年6月5日（30天）" in text
    for page in (1, 2):
        assert f"第{page}页/共2页" in text
    assert text.count(f"验证码：{f.code}") == 2  # on every page
    assert text.count(f.digest[:8]) == 2
    assert "社会保险参保缴费证明（续）" in text  # a loose second page says what it is
    assert "样章" in text
    assert text.count("仅供子女入学使用·终端KIOSK-03") >= 4  # the watermark, tiled


def test_font_is_embedded_as_a_subset_and_nothing_else_is_needed(tmp_path) -> None:
    (tmp_path / "c.pdf").write_bytes(render("household_registration").pdf)
    out = subprocess.run(["pdffonts", str(tmp_path / "c.pdf")], capture_output=True,
                         text=True, check=True, timeout=60).stdout
    fonts = out.splitlines()[2:]
    assert fonts, out
    for line in fonts:
        name, *_, emb, sub, uni, _obj, _gen = line.split()
        assert (emb, sub, uni) == ("yes", "yes", "yes"), line
        assert re.match(r"[A-Z]{6}\+", name), line  # the subset tag


def test_verification_qr_reads_back_on_every_page(tmp_path) -> None:
    cert = render("social_insurance_payment")
    url = f"https://zwfw.example.gov.cn/verify?code={cert.filled.code}"
    for page in page_images(cert.pdf, tmp_path):
        footer = page.crop((0, int(page.height * 0.85), page.width // 3, page.height))
        assert [r.text for r in zxingcpp.read_barcodes(footer.convert("L"))] == [url]


def test_acceptance_receipt_a4_masks_the_name_and_has_the_progress_qr(tmp_path) -> None:
    cert = render("acceptance_receipt")
    text = pdf_text(cert.pdf, tmp_path)
    assert cert.pages == 1
    assert "李*英" in text and "李秀英" not in text
    assert "户口簿首页及新生儿本人页" in text and "2024年5月20日前" in text
    (page,) = page_images(cert.pdf, tmp_path)
    found = {r.text for r in zxingcpp.read_barcodes(page.convert("L"))}
    assert "https://zwfw.example.gov.cn/progress?case=BJ20240506-00127" in found


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("address"), "address: missing"),
        (lambda d: d.update(birth_date="1975/11/02"), "'1975/11/02' is not a valid date"),
        (lambda d: d.update(name=["周志强"]), "name: a list or object"),
    ],
)
def test_wrong_data_names_the_field(change, message: str) -> None:
    data = sample("household_registration")
    change(data)
    with pytest.raises(TemplateDataError, match=re.escape(message)):
        render("household_registration", data)


def test_table_source_must_be_a_list_of_objects() -> None:
    data = sample("social_insurance_payment") | {"payments": "none"}
    with pytest.raises(TemplateDataError, match="payments: expected a list of objects"):
        render("social_insurance_payment", data)


def test_a_character_the_font_lacks_stops_the_print_rather_than_blank_it() -> None:
    data = sample("household_registration") | {"name": "周\U00030000强"}  # CJK ext. G
    with pytest.raises(TemplateDataError, match=re.escape("(U+30000)")):
        render("household_registration", data)


def test_unknown_template_lists_the_known_ones() -> None:
    with pytest.raises(TemplateDataError, match="household_registration"):
        load_template("../kiosk/kiosk.example")


def test_markup_in_data_is_printed_as_text(tmp_path) -> None:
    data = sample("household_registration") | {"moved_in": "<b>2009</b> & 迁来"}
    filled = fill_certificate(load_template("household_registration"), data,
                              terminal_id="T-1", printed_at=PRINTED_AT)
    assert "<b>2009</b>&迁来" in pdf_text(render_pdf(filled).pdf, tmp_path)

"""Printer profiles: each model's encoding, cut and QR, and the paper width, drive the bytes."""

from __future__ import annotations

import pytest
import zxingcpp
from PIL import Image, ImageChops

from drivers.escpos.profiles import get_profile, profiles
from drivers.escpos.render import render_escpos
from printer_templates.escpos import EscPosBuilder
from printer_templates.queue_ticket import render_queue_ticket

from .conftest import FOLLOW_URL, sample_ticket


def _same(a: Image.Image, b: Image.Image) -> bool:
    diff = ImageChops.difference(a.convert("L"), b.convert("L"))
    return a.size == b.size and diff.getbbox() is None


def _ink(img: Image.Image) -> Image.Image:
    gray = img.convert("L")
    return gray.crop(gray.point(lambda v: 255 - v).getbbox())


def test_every_profile_is_valid_and_the_default_is_standard() -> None:
    assert {"standard", "partial-cut", "basic-gbk", "utf8"} <= set(profiles())
    p = get_profile()
    assert (p.name, p.encoding, p.cut, p.qr, p.paper_mm) == (
        "standard", "gb18030", "full", "native", 80)
    assert (p.width_dots, p.chars_per_line) == (576, 48)
    narrow = get_profile("standard", 58)
    assert (narrow.width_dots, narrow.chars_per_line) == (384, 32)


def test_unknown_profile_or_width_is_refused_with_what_is_allowed() -> None:
    with pytest.raises(ValueError, match="standard"):
        get_profile("epson-t88")
    with pytest.raises(ValueError, match="58 or 80"):
        get_profile("standard", 76)


def test_init_selects_the_encoding_the_profile_names() -> None:
    init = {name: EscPosBuilder.for_profile(get_profile(name)).init().to_bytes()
            for name in ("standard", "basic-gbk", "utf8")}
    assert init["standard"] == init["basic-gbk"] == bytes.fromhex("1B 40 1C 26")
    # UTF-8: leave Chinese mode, then FS ( C fn 0x30 m 2.
    assert init["utf8"] == bytes.fromhex("1B 40 1C 2E 1C 28 43 02 00 30 02")


def test_cut_follows_the_profile_unless_asked() -> None:
    partial = EscPosBuilder.for_profile(get_profile("partial-cut"))
    assert partial.cut().to_bytes() == bytes.fromhex("1D 56 42 00")
    full = EscPosBuilder.for_profile(get_profile("standard"))
    assert full.cut().to_bytes() == bytes.fromhex("1D 56 41 00")
    assert full.cut(partial=True).to_bytes().endswith(bytes.fromhex("1D 56 42 00"))


def test_raster_qr_prints_the_same_symbol_as_native_qr() -> None:
    native = EscPosBuilder.for_profile(get_profile("standard")).init().align("center")
    raster = EscPosBuilder.for_profile(get_profile("basic-gbk")).init().align("center")
    for b in (native, raster):
        b.qr(FOLLOW_URL, size=6).cut()
    assert b"\x1d(k" not in raster.to_bytes() and b"\x1dv0" in raster.to_bytes()
    (page_native,) = render_escpos(native.to_bytes())
    (page_raster,) = render_escpos(raster.to_bytes())
    # The same dots; the image may sit a dot aside, centred by its whole-byte width.
    assert _same(_ink(page_native), _ink(page_raster))
    assert [r.text for r in zxingcpp.read_barcodes(page_raster.convert("L"))] == [FOLLOW_URL]


def test_utf8_profile_prints_the_same_chinese_as_gb18030() -> None:
    pages = []
    for name in ("standard", "utf8"):
        b = EscPosBuilder.for_profile(get_profile(name)).init()
        b.size(2, 2).line("受理回执 ￥25").size(1, 1).line("户口簿、出生医学证明").cut()
        pages.append(render_escpos(b.to_bytes())[0])
    assert _same(*pages)


def test_gbk_profile_prints_what_gbk_lacks_as_a_question_mark() -> None:
    b = EscPosBuilder.for_profile(get_profile("basic-gbk"))
    assert b.text("张䶮").to_bytes() == "张?".encode("gbk")


def test_58mm_ticket_is_384_dots_wide_and_keeps_lines_whole() -> None:
    profile = get_profile("standard", 58)
    data = render_queue_ticket(sample_ticket(), "job-1", profile)
    # "前面还有 5 人等候" is 17 columns: too wide at double width on 32 columns, so it
    # prints at single width, double height (GS ! 01) on one line instead of wrapping.
    assert b"\x1d!\x01" + "前面还有 5 人等候\n".encode("gb18030") in data
    (page,) = render_escpos(data, width_dots=profile.width_dots)
    assert page.width == 384
    assert [r.text for r in zxingcpp.read_barcodes(page.convert("L"))] == [FOLLOW_URL]


def test_fit_uses_the_widest_size_that_keeps_one_line() -> None:
    wide = EscPosBuilder.for_profile(get_profile("standard", 80))
    narrow = EscPosBuilder.for_profile(get_profile("standard", 58))
    assert wide.fitting_width("滨江区政务服务中心", 2) == 2  # 18 columns of 24
    assert narrow.fitting_width("滨江区政务服务中心", 2) == 1  # of 16
    assert narrow.fitting_width("A012", 6) == 6

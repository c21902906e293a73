"""The ESC/POS renderer: tickets come out readable, garbage never crashes it."""

from __future__ import annotations

import random

import pytest
import zxingcpp
from PIL import Image

from drivers.escpos import spec
from drivers.escpos.render import EscPosInterpreter, render_escpos
from printer_templates.escpos import EscPosBuilder
from printer_templates.queue_ticket import render_queue_ticket

from .conftest import FOLLOW_URL, sample_ticket


def _ink(img: Image.Image) -> tuple[int, int, int, int]:
    box = img.convert("L").point(lambda v: 255 - v).getbbox()
    assert box is not None, "nothing printed"
    return box


def _black(img: Image.Image) -> int:
    return img.convert("L").histogram()[0]


def test_ticket_renders_one_page_whose_qr_reads_back(tmp_path) -> None:
    pages = render_escpos(render_queue_ticket(sample_ticket(), job_id="ticket-2024-05-01-A012"))
    assert len(pages) == 1
    page = pages[0]
    assert page.width == 576 and 600 < page.height < 1600
    path = tmp_path / "ticket.png"
    page.save(path)
    results = zxingcpp.read_barcodes(Image.open(path).convert("L"))
    assert [r.text for r in results] == [FOLLOW_URL]


def test_offline_ticket_carries_the_extra_note() -> None:
    online = render_escpos(render_queue_ticket(sample_ticket()))[0]
    offline = render_escpos(render_queue_ticket(sample_ticket(offline=True)))[0]
    assert offline.height > online.height


def test_long_number_still_fits_on_one_line() -> None:
    short = render_escpos(render_queue_ticket(sample_ticket(number="A012")))[0]
    long = render_escpos(render_queue_ticket(sample_ticket(number="VIP00012")))[0]
    assert long.height <= short.height


def _line(builder_steps) -> Image.Image:
    b = EscPosBuilder().init()
    builder_steps(b)
    (page,) = render_escpos(b.to_bytes())
    return page


def test_alignment_is_honoured() -> None:
    left = _ink(_line(lambda b: b.align("left").line("办事")))
    centre = _ink(_line(lambda b: b.align("center").line("办事")))
    right = _ink(_line(lambda b: b.align("right").line("办事")))
    assert left[0] < 4
    assert abs((centre[0] + centre[2]) / 2 - 288) < 6
    assert right[2] > 572


def test_size_magnifies_the_cell() -> None:
    small = _ink(_line(lambda b: b.line("A012")))
    big = _ink(_line(lambda b: b.size(4, 4).line("A012")))
    assert (big[2] - big[0]) > 3.5 * (small[2] - small[0])
    assert (big[3] - big[1]) > 3.5 * (small[3] - small[1])


def test_bold_prints_more_ink() -> None:
    assert _black(_line(lambda b: b.bold(True).line("政务服务"))) > _black(
        _line(lambda b: b.line("政务服务"))
    )


def test_chinese_mode_decides_how_high_bytes_print() -> None:
    data = "服务".encode("gb18030") + b"\n"
    chinese = render_escpos(b"\x1c&" + data)[0].tobytes()
    codepage = render_escpos(b"\x1c." + data)[0].tobytes()
    assert chinese != codepage
    assert render_escpos(data)[0].tobytes() == chinese  # Chinese mode at power-up
    assert render_escpos(data, chinese_default=False)[0].tobytes() == codepage
    assert render_escpos(b"\x1c&\x1b@" + data, chinese_default=False)[0].tobytes() == codepage


def test_raster_image_is_drawn_where_aligned() -> None:
    # GS v 0: 2 bytes (16 dots) wide, 8 dots high, all black, centred.
    data = b"\x1ba\x01\x1dv0\x00\x02\x00\x08\x00" + b"\xff" * 16
    (page,) = render_escpos(data)
    top = spec.HEAD_TO_CUTTER_DOTS
    assert _ink(page) == (280, top, 296, top + 8)


def test_cut_splits_pages_and_feed_counts_lines() -> None:
    data = EscPosBuilder().init().line("一").cut().line("二").feed(3).cut().to_bytes()
    first, second = render_escpos(data)
    assert second.height >= first.height + 3 * 30


def test_unknown_commands_are_skipped_and_text_after_them_prints() -> None:
    clean = render_escpos(b"AB\n")[0]
    noisy = render_escpos(b"\x1b\x01\x1d\x02\x1c\x03AB\n")[0]
    assert clean.tobytes() == noisy.tobytes()


def test_chunked_input_renders_the_same_as_whole() -> None:
    data = render_queue_ticket(sample_ticket())
    whole = render_escpos(data)[0]
    pages: list[Image.Image] = []
    interp = EscPosInterpreter(on_cut=lambda page, _job: pages.append(page))
    for i in range(0, len(data), 7):
        interp.feed(data[i : i + 7])
    interp.finish()
    assert [p.tobytes() for p in pages] == [whole.tobytes()]


def test_queries_reach_hooks_and_stay_out_of_the_job_bytes() -> None:
    asked: list[tuple[str, int]] = []
    jobs: list[bytes] = []
    interp = EscPosInterpreter(
        on_status_request=lambda n: asked.append(("dle", n)),
        on_paper_sensor=lambda n: asked.append(("gsr", n)),
        on_cut=lambda _page, job: jobs.append(job),
    )
    job = b"\x1b@X\n\x1dVA\x00"
    interp.feed(b"\x10\x04\x01" + job[:4] + b"\x10\x04\x04" + job[4:] + b"\x1dr\x01")
    assert asked == [("dle", 1), ("dle", 4), ("gsr", 1)]
    assert jobs == [job]


def test_no_paper_loses_the_page() -> None:
    cuts: list[Image.Image | None] = []
    interp = EscPosInterpreter(take_paper=lambda dots: False, on_cut=lambda p, _j: cuts.append(p))
    interp.feed(EscPosBuilder().init().line("A012").cut().to_bytes())
    assert cuts == [None]


@pytest.mark.parametrize("seed", range(6))
def test_garbage_never_crashes(seed: int) -> None:
    rng = random.Random(seed)
    ticket = render_queue_ticket(sample_ticket())
    # Random bytes, biased towards command prefixes so that parsers are exercised.
    alphabet = bytes([0x1B, 0x1D, 0x1C, 0x10, 0x0A, 0x28, 0x6B, 0x76, 0x30, 0x56, 0x21])
    noise = bytes(
        rng.choice(alphabet) if rng.random() < 0.3 else rng.randrange(256) for _ in range(6000)
    )
    cut_at = rng.randrange(len(ticket))
    for data in (noise, ticket[:cut_at], ticket[:cut_at] + noise + ticket):
        pages = render_escpos(data)
        assert all(p.width == 576 for p in pages)


def test_the_glyph_cache_keeps_the_most_recent_characters_not_every_one_ever_printed():
    from drivers.escpos.fonts import GlyphCache

    glyphs = GlyphCache(limit=3)
    first = glyphs.cell("国", True, False, 1, 1)
    for ch in "一二":
        glyphs.cell(ch, True, False, 1, 1)
    assert glyphs.cell("国", True, False, 1, 1) is first  # used again: kept, now the newest
    glyphs.cell("三", True, False, 1, 1)  # pushes out "一", the least recently used
    assert len(glyphs) == 3
    assert glyphs.cell("国", True, False, 1, 1) is first
    glyphs.cell("一", True, False, 1, 1)  # drawn again, and "二" goes
    assert len(glyphs) == 3


def test_receipts_after_the_first_open_no_font_again(monkeypatch) -> None:
    """The kiosk renders every receipt it prints (paper used): opening the two 20 MB CJK
    faces for each one made the process map and read them again and again."""
    from PIL import ImageFont

    render_escpos(render_queue_ticket(sample_ticket()))  # the first may open them
    opened: list[str] = []
    real = ImageFont.truetype

    def spy(*args, **kwargs):
        opened.append(str(args[0] if args else kwargs.get("font")))
        return real(*args, **kwargs)

    monkeypatch.setattr(ImageFont, "truetype", spy)
    for number in ("A013", "B200", "C007"):
        (page,) = render_escpos(render_queue_ticket(sample_ticket(number=number)))
        assert page.width == 576
    assert opened == []

"""EscPosBuilder against literal ESC/POS bytes (PROTOCOLS.md §4)."""

from __future__ import annotations

import pytest

from printer_templates.escpos import EscPosBuilder


def test_init_resets_then_enters_chinese_mode() -> None:
    assert EscPosBuilder().init().to_bytes() == bytes.fromhex("1B 40 1C 26")


def test_init_leaves_chinese_mode_for_a_code_page_encoding() -> None:
    assert EscPosBuilder(encoding="cp437").init().to_bytes() == bytes.fromhex("1B 40 1C 2E")


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda b: b.align("left"), "1B 61 00"),
        (lambda b: b.align("center"), "1B 61 01"),
        (lambda b: b.align("right"), "1B 61 02"),
        (lambda b: b.bold(True), "1B 45 01"),
        (lambda b: b.bold(False), "1B 45 00"),
        (lambda b: b.size(1, 1), "1D 21 00"),
        (lambda b: b.size(2, 3), "1D 21 12"),
        (lambda b: b.size(8, 8), "1D 21 77"),
        (lambda b: b.feed(3), "1B 64 03"),
        (lambda b: b.cut(), "1D 56 41 00"),
        (lambda b: b.cut(partial=True, feed=5), "1D 56 42 05"),
    ],
)
def test_command_bytes(call, expected: str) -> None:
    assert call(EscPosBuilder()).to_bytes() == bytes.fromhex(expected)


@pytest.mark.parametrize(
    "call",
    [
        lambda b: b.size(0, 1),
        lambda b: b.size(1, 9),
        lambda b: b.align("middle"),
        lambda b: b.feed(256),
        lambda b: b.qr("x", size=17),
        lambda b: b.qr("x", ecc="X"),
        lambda b: b.qr(""),
    ],
)
def test_out_of_range_arguments_are_refused(call) -> None:
    with pytest.raises(ValueError):
        call(EscPosBuilder())


def test_qr_sequence_literal() -> None:
    data = "https://a.b"  # 11 bytes: store length = 11 + 3 = 14
    expected = (
        "1D 28 6B 04 00 31 41 32 00"  # model 2
        "1D 28 6B 03 00 31 43 06"  # module size 6
        "1D 28 6B 03 00 31 45 31"  # ECC M
        "1D 28 6B 0E 00 31 50 30" + data.encode().hex() + "1D 28 6B 03 00 31 51 30"  # print
    )
    assert EscPosBuilder().qr(data).to_bytes() == bytes.fromhex(expected)


def test_qr_store_length_spans_both_bytes() -> None:
    data = "x" * 300  # 303 = 0x012F -> pL 2F, pH 01
    out = EscPosBuilder().qr(data, size=3, ecc="H").to_bytes()
    assert bytes.fromhex("1D 28 6B 2F 01 31 50 30") + data.encode() in out
    assert bytes.fromhex("1D 28 6B 03 00 31 45 33") in out


def test_yen_sign_is_printed_full_width() -> None:
    assert EscPosBuilder().text("¥5").to_bytes() == "￥5".encode("gb18030")
    assert EscPosBuilder().text("¥5").to_bytes() == bytes.fromhex("A3 A4 35")


def test_unencodable_characters_become_a_visible_question_mark() -> None:
    assert EscPosBuilder(encoding="gbk").text("办😀").to_bytes() == "办?".encode("gbk")
    assert EscPosBuilder().text("a\ud800b").to_bytes() == b"a?b"


def test_control_characters_cannot_inject_commands() -> None:
    assert EscPosBuilder().text("A\x1b@\x1dV\x00").to_bytes() == b"A?@?V?"


def test_line_ends_with_lf_and_wraps_by_display_width() -> None:
    b = EscPosBuilder(chars_per_line=8)
    assert b.line("一二三四五").to_bytes() == "一二三四\n五\n".encode("gb18030")


def _lines(b: EscPosBuilder) -> list[str]:
    return b.to_bytes().decode("gb18030").split("\n")[:-1]


def test_columns_align_mixed_cjk_and_ascii_by_display_width() -> None:
    b = EscPosBuilder()
    b.columns("社保卡补办", "¥25.00").columns("Fee 手续费", "3")
    first, second = _lines(b)
    assert b.width_of(first) == b.width_of(second) == 48
    assert first == "社保卡补办" + " " * (48 - 10 - 7) + "￥25.00"
    assert second.endswith(" 3") and second.startswith("Fee 手续费 ")


def test_columns_follow_the_character_width() -> None:
    b = EscPosBuilder().size(2, 2).columns("号码", "A012")
    line = b.to_bytes()[3:].decode("gb18030")
    assert line == "号码" + " " * (24 - 4 - 4) + "A012\n"


def test_columns_too_long_go_on_two_lines_right_text_flush_right() -> None:
    b = EscPosBuilder(chars_per_line=16).columns("不动产登记业务办理", "¥1.00")
    assert _lines(b) == ["不动产登记业务办", "理", " " * 10 + "￥1.00"]


def test_rule_fills_the_line() -> None:
    assert EscPosBuilder().rule().to_bytes() == b"-" * 48 + b"\n"
    assert EscPosBuilder().size(2, 1).rule("=").to_bytes()[3:] == b"=" * 24 + b"\n"
    assert EscPosBuilder().rule("—").to_bytes() == "—".encode("gb18030") * 24 + b"\n"

"""Text-block layouts, code tables, the ID-number check and masking."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from drivers.idcard.card import (
    IdentityCard,
    encode_appended_address,
    encode_text_block,
    parse_appended_address,
    parse_text_block,
)
from drivers.idcard.codes import NATIONALITIES, NATIONS, SEXES, check_id_number, id_check_char
from drivers.idcard.errors import IdCardDataError
from drivers.idcard.privacy import mask_id_number, mask_name
from sim.id_samples import SAMPLE_CARDS

TODAY = date(2026, 1, 1)


def ucs2(text: str, size: int) -> bytes:
    """Space-padded UCS-2LE, written independently of the driver."""
    return (text + " " * (size // 2 - len(text))).encode("utf-16-le")


def text_only(card: IdentityCard) -> IdentityCard:
    return dataclasses.replace(card, photo=b"", fingerprint=b"", appended_address="")


@pytest.mark.parametrize("key", sorted(SAMPLE_CARDS))
def test_layout_round_trip(key: str) -> None:
    card = SAMPLE_CARDS[key]
    block = encode_text_block(card)
    assert len(block) == 256
    assert parse_text_block(block) == text_only(card)


def test_resident_offsets() -> None:
    card = SAMPLE_CARDS["resident_long_term"]
    block = encode_text_block(card)
    assert block[0:30] == ucs2(card.name, 30)
    assert block[30:32] == b"2\x00"
    assert block[32:36] == "03".encode("utf-16-le")
    assert block[36:52] == "19491001".encode("utf-16-le")
    assert block[122:158] == card.id_number.encode("utf-16-le")
    assert block[204:220] == ucs2("长期", 16)
    assert block[248:250] == b" \x00"


def test_permit_and_residence_offsets() -> None:
    fp17 = encode_text_block(SAMPLE_CARDS["foreign_permanent_2017"])
    assert fp17[0:120] == ucs2("LEBLANC, ELODIE MARIE", 120)
    assert fp17[122:152] == "FRA318704220015".encode("utf-16-le")
    assert fp17[152:158] == "FRA".encode("utf-16-le")
    assert fp17[220:236] == "19870422".encode("utf-16-le")
    assert fp17[248:250] == b"I\x00"

    fp23 = SAMPLE_CARDS["foreign_permanent_2023"]
    block = encode_text_block(fp23)
    assert block[52:122].decode("utf-16-le") == fp23.name_en[:35]
    assert block[220:242].decode("utf-16-le").rstrip() == fp23.name_en[35:]
    assert block[242:248] == "NGA".encode("utf-16-le")
    assert block[248:250] == b"Y\x00"

    hmt = encode_text_block(SAMPLE_CARDS["hmt_residence"])
    assert hmt[220:238] == "H60123456".encode("utf-16-le")
    assert hmt[238:242] == "01".encode("utf-16-le")
    assert hmt[248:250] == b"J\x00"


def test_english_name_split_keeps_space_at_boundary() -> None:
    name = "A" * 34 + " " + "LONGSURNAME"  # the space is the last character of slot 1
    card = dataclasses.replace(SAMPLE_CARDS["foreign_permanent_2023"], name_en=name)
    assert parse_text_block(encode_text_block(card)).name_en == name


def test_unknown_flag_is_resident_and_nul_padding_is_stripped() -> None:
    block = bytearray(encode_text_block(SAMPLE_CARDS["resident"]))
    block[248:250] = b"Z\x00"
    block[20:30] = bytes(10)  # NUL padding instead of spaces
    card = parse_text_block(bytes(block))
    assert card.card_type == "resident"
    assert card.name == "王小明"


@pytest.mark.parametrize(
    ("offset", "raw"),
    [(36, "1990XX07".encode("utf-16-le")), (188, "20161340".encode("utf-16-le")),
     (0, b"\x00\xd8\x41\x00")],  # a lone surrogate is not UCS-2
)  # fmt: skip
def test_bad_text_block(offset: int, raw: bytes) -> None:
    block = bytearray(encode_text_block(SAMPLE_CARDS["resident"]))
    block[offset : offset + len(raw)] = raw
    with pytest.raises(IdCardDataError) as err:
        parse_text_block(bytes(block))
    assert err.value.code == "idcard.bad_data"
    assert "王" not in err.value.tech


def test_bad_block_length() -> None:
    with pytest.raises(IdCardDataError):
        parse_text_block(bytes(255))


def test_too_long_field_is_refused() -> None:
    card = dataclasses.replace(SAMPLE_CARDS["resident"], name="名" * 16)
    with pytest.raises(ValueError):
        encode_text_block(card)


def test_appended_address() -> None:
    raw = encode_appended_address("上海市示例路1号")
    assert len(raw) == 70
    assert parse_appended_address(raw) == "上海市示例路1号"
    with pytest.raises(IdCardDataError):
        parse_appended_address(b"\x41")


def test_code_tables() -> None:
    assert (NATIONS["01"], NATIONS["46"], NATIONS["56"]) == ("汉", "德昂", "基诺")
    assert (NATIONS["97"], NATIONS["98"]) == ("其他", "外国血统中国籍人士")
    assert sorted(NATIONS) == [f"{i:02d}" for i in range(1, 57)] + ["97", "98"]
    assert not any("昴" in n for n in NATIONS.values())
    assert SEXES == {"0": "未知", "1": "男", "2": "女", "9": "未说明"}
    assert len(NATIONALITIES) >= 60
    assert all(len(k) == 3 and k.isupper() for k in NATIONALITIES)
    assert NATIONALITIES["FRA"] == "法国"


def test_id_check() -> None:
    assert id_check_char("11010519491231002") == "X"
    assert check_id_number("11010519491231002X")
    assert check_id_number("11010519491231002x")
    assert check_id_number("360426199101010071")
    assert not check_id_number("360426199101010072")
    assert not check_id_number("36042619910101007")
    assert not check_id_number("3604261991010100٧1")  # a non-ASCII digit
    with pytest.raises(ValueError):
        id_check_char("1234")


def test_samples_are_consistent() -> None:
    assert set(SAMPLE_CARDS) == {
        "resident", "resident_long_term", "foreign_permanent_2017",
        "foreign_permanent_2023", "hmt_residence", "expired_resident",
    }  # fmt: skip
    for card in SAMPLE_CARDS.values():
        assert card.id_number_valid
        assert len(card.photo) == 1024
    assert SAMPLE_CARDS["foreign_permanent_2023"].id_number.startswith("9")
    assert SAMPLE_CARDS["resident_long_term"].valid_to is None
    assert SAMPLE_CARDS["resident_long_term"].birth.year == 1949
    assert SAMPLE_CARDS["expired_resident"].is_expired(date.today())
    assert SAMPLE_CARDS["resident"].photo != SAMPLE_CARDS["expired_resident"].photo


def test_masking() -> None:
    assert mask_id_number("43010219880815123X") == "4301**********123X"
    assert mask_id_number("FRA318704220015") == "FRA3*******0015"
    assert mask_id_number("12345678") == "********"
    assert mask_name("张三丰") == "张*丰"
    assert mask_name("欧阳中华") == "欧**华"
    assert mask_name("张三") == "张*"
    assert mask_name("张") == "*"
    assert mask_name("LEBLANC, ELODIE") == "L***"
    assert mask_name("") == ""


def test_repr_never_leaks_personal_data() -> None:
    card = SAMPLE_CARDS["resident"]
    for text in (repr(card), str(card), f"{card}", repr([card])):
        assert card.name not in text
        assert card.id_number not in text
        assert card.id_number[4:14] not in text
        assert "王*明" in text


def test_expiry() -> None:
    card = SAMPLE_CARDS["resident"]
    assert card.valid_to is not None
    assert not card.is_expired(card.valid_to)
    assert card.is_expired(date.fromordinal(card.valid_to.toordinal() + 1))
    assert not SAMPLE_CARDS["resident_long_term"].is_expired(date(2999, 1, 1))


def test_json_resident() -> None:
    d = SAMPLE_CARDS["resident_long_term"].to_json_dict(TODAY)
    assert d["valid_to"] == "长期"
    assert d["birth"] == "1949-10-01"
    assert (d["nation_code"], d["nation"], d["sex"], d["sex_text"]) == ("03", "回", "2", "女")
    assert d["id_number_valid"] is True and d["expired"] is False
    assert "name_en" not in d and "nationality" not in d and "pass_number" not in d
    assert "appended_address" not in d
    assert SAMPLE_CARDS["resident"].to_json_dict(TODAY)["appended_address"]
    assert SAMPLE_CARDS["expired_resident"].to_json_dict(TODAY)["expired"] is True


def test_json_permits_and_residence() -> None:
    d17 = SAMPLE_CARDS["foreign_permanent_2017"].to_json_dict(TODAY)
    assert (d17["name_en"], d17["nationality"]) == ("LEBLANC, ELODIE MARIE", "FRA")
    assert d17["nationality_text"] == "法国" and "nation" not in d17
    d23 = SAMPLE_CARDS["foreign_permanent_2023"].to_json_dict(TODAY)
    assert d23["nationality"] == "NGA" and d23["id_number_valid"] is True
    dj = SAMPLE_CARDS["hmt_residence"].to_json_dict(TODAY)
    assert (dj["pass_number"], dj["issue_count"]) == ("H60123456", "01")
    assert "nationality" not in dj and "nation" not in dj
    for d in (d17, d23, dj):
        assert {"card_type", "name", "sex", "birth", "id_number", "valid_from", "valid_to",
                "id_number_valid", "expired"} <= d.keys()  # fmt: skip

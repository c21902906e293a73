"""Pure protocol code of the 社保卡 reader: literal APDUs, status words, TLV and field coding."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from drivers.sscard.card import RECORDS, Record, decode_field, encode_field, read_card
from drivers.sscard.errors import SsCardDataError, SsCardStatusError
from drivers.sscard.protocol import (
    EF_HOLDER,
    EF_ISSUER,
    exchange,
    get_response,
    parse_record,
    read_record,
    select_aid,
    select_file,
)
from sim.ss_samples import SAMPLE_SSCARDS
from sim.sscard_virtual import VirtualSsCard, make_atr

THIRD_GEN = SAMPLE_SSCARDS["third_gen"].card
assert THIRD_GEN is not None


def test_command_apdus_are_the_spec_bytes() -> None:
    assert select_aid() == bytes.fromhex("00A404000F7378312E73682EC9E7BBE1B1A3D5CF")
    assert select_file(EF_ISSUER) == bytes.fromhex("00A4020002EF05")
    assert select_file(EF_HOLDER) == bytes.fromhex("00A4020002EF06")
    assert read_record(0x09) == bytes.fromhex("00B2090000")
    assert get_response(0x13) == bytes.fromhex("00C0000013")


class Script:
    """A card that answers from a list, recording what it was sent."""

    def __init__(self, *replies: str) -> None:
        self.replies = [bytes.fromhex(r) for r in replies]
        self.sent: list[str] = []

    def __call__(self, capdu: bytes) -> bytes:
        self.sent.append(capdu.hex().upper())
        return self.replies.pop(0)


def test_exchange_fetches_61xx_with_get_response() -> None:
    card = Script("6105", "0102036102", "04059000")
    assert exchange(card, select_aid(), "SELECT") == bytes.fromhex("0102030405")
    assert card.sent[1:] == ["00C0000005", "00C0000002"]


def test_exchange_resends_with_the_le_a_6cxx_names() -> None:
    card = Script("6C04", "AABBCCDD9000")
    assert exchange(card, read_record(0x07), "READ") == bytes.fromhex("AABBCCDD")
    assert card.sent == ["00B2070000", "00B2070004"]


def test_endless_61xx_is_a_data_error_not_a_hang() -> None:
    card = Script(*["6101"] * 40)
    with pytest.raises(SsCardDataError):
        exchange(card, select_aid(), "SELECT")


@pytest.mark.parametrize(("sw", "code", "detail"), [
    ("6982", "sscard.needs_auth", "security status not satisfied"),
    ("63C2", "sscard.needs_auth", "2 tries left"),
    ("6983", "sscard.locked", "blocked"),
    ("6283", "sscard.card_blocked", "invalidated"),
    ("6A83", "sscard.record_missing", "record not found"),
    ("6F00", "sscard.sw_unknown", "SW=6F00"),
])
def test_status_words_become_typed_errors(sw: str, code: str, detail: str) -> None:
    with pytest.raises(SsCardStatusError) as info:
        exchange(Script(sw), read_record(0x08), "READ RECORD 08")
    assert info.value.code == code
    assert info.value.sw == int(sw, 16)
    assert detail in info.value.tech and "READ RECORD 08" in info.value.tech


def test_a_card_without_ssse_is_named_as_such() -> None:
    with pytest.raises(SsCardStatusError) as info:
        read_card(Script("6A82"))
    assert info.value.code == "sscard.not_ssse"


def test_tlv_records() -> None:
    assert parse_record(bytes.fromhex("0A0131"), 0x0A) == b"1"
    assert parse_record(bytes.fromhex("09810200FF"), 0x09) == b"\x00\xff"  # BER long form
    for raw, tag in (("0B0101", 0x0A), ("0A0231", 0x0A), ("0A", 0x0A)):
        with pytest.raises(SsCardDataError):
            parse_record(bytes.fromhex(raw), tag)


def test_field_coding() -> None:
    bcd = Record(0x0D, "birth", "date", 4)
    assert decode_field(bcd, bytes.fromhex("19780416")) == date(1978, 4, 16)
    assert decode_field(Record(0x0B, "nation_code", "cn", 2), bytes.fromhex("08FF")) == "08"
    name = Record(0x09, "name", "gbk", 30)
    assert decode_field(name, "孙丽华".encode("gbk") + bytes(24)) == "孙丽华"
    assert decode_field(Record(0x07, "card_number", "an", 9), b"G0051234 ") == "G0051234"
    assert decode_field(Record(0x01, "card_id", "b", 2), b"\xd1\x56") == "D156"
    assert decode_field(Record(0x06, "expires", "date", 4), b"\xff" * 4) is None
    for rec, raw in ((bcd, "1978A416"), (bcd, "19781332"), (name, "FFFE")):
        with pytest.raises(SsCardDataError):
            decode_field(rec, bytes.fromhex(raw))
    for recs in RECORDS.values():
        for rec in recs:
            value = getattr(THIRD_GEN, rec.field)
            assert decode_field(rec, encode_field(rec, value)) == value


@pytest.mark.parametrize("key", [k for k, s in SAMPLE_SSCARDS.items() if s.card and
                                 not s.protected])
def test_every_sample_reads_back_from_the_virtual_card(key: str) -> None:
    sample = SAMPLE_SSCARDS[key]
    card = sample.virtual()
    assert read_card(card.process) == sample.card
    assert sample.card is not None and sample.card.id_number_valid


def test_the_virtual_t0_card_behaves_like_t0() -> None:
    card = VirtualSsCard(THIRD_GEN, protocol=0)
    assert card.process(select_aid())[-2] == 0x61  # FCI waits for GET RESPONSE
    assert card.process(get_response(0x13))[-2:] == b"\x90\x00"
    card.process(select_file(EF_HOLDER))
    assert card.process(read_record(0x08)) == bytes.fromhex("6C14")  # 18 chars + tag + len
    assert card.process(read_record(0x08, 0x14))[:2] == b"\x08\x12"
    assert card.process(bytes.fromhex("80B2080000")) == bytes.fromhex("6E00")
    assert make_atr(0) != make_atr(1)


def test_card_json_and_repr() -> None:
    data = THIRD_GEN.to_json_dict()
    assert list(data) == ["card_id", "region_code", "card_version", "card_number", "ssn", "name",
                          "sex", "nation", "birth", "issued", "expires"]
    assert data["region_code"] == "110100" and data["nation"] == "汉" and data["sex"] == "2"
    assert data["birth"] == "1978-04-16" and data["expires"] == "2032-03-15"
    shown = repr(THIRD_GEN)
    assert THIRD_GEN.name not in shown and THIRD_GEN.ssn not in shown
    assert "孙*华" in shown


def test_expiry_and_ssn_check() -> None:
    expired = SAMPLE_SSCARDS["expired"].card
    assert expired is not None and expired.is_expired(date(2026, 1, 1))
    assert not THIRD_GEN.is_expired(date(2032, 3, 15))
    assert THIRD_GEN.is_expired(date(2032, 3, 16))
    wrong = dataclasses.replace(THIRD_GEN, ssn=THIRD_GEN.ssn[:-1] + "0")
    assert THIRD_GEN.id_number_valid and not wrong.id_number_valid

"""Invented card holders for the simulator, demos and tests. None of them is a real person.

ID numbers get their check character from ``id_check_char`` so they stay valid if edited.
"""

from __future__ import annotations

import hashlib
from datetime import date

from drivers.idcard.card import (
    FOREIGN_PERMANENT_2017,
    FOREIGN_PERMANENT_2023,
    HMT_RESIDENCE,
    RESIDENT,
    IdentityCard,
)
from drivers.idcard.codes import id_check_char
from drivers.idcard.protocol import PHOTO_BYTES


def _id(first17: str) -> str:
    return first17 + id_check_char(first17)


def pseudo_random_bytes(seed: str, size: int) -> bytes:
    """Deterministic filler (stands in for WLT photos and fingerprints)."""
    out = bytearray()
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(f"{seed}:{counter}".encode()).digest()
        counter += 1
    return bytes(out[:size])


SAMPLE_CARDS: dict[str, IdentityCard] = {
    "resident": IdentityCard(
        card_type=RESIDENT,
        name="王小明",
        sex="1",
        nation_code="01",
        birth=date(1990, 3, 7),
        address="北京市朝阳区望京示例路18号院3号楼2单元501室",
        id_number=_id("11010519900307531"),
        authority="北京市公安局朝阳分局",
        valid_from=date(2016, 5, 20),
        valid_to=date(2036, 5, 20),
        appended_address="北京市海淀区示例大街100号院7号楼1201室",
        photo=pseudo_random_bytes("resident.photo", PHOTO_BYTES),
        fingerprint=pseudo_random_bytes("resident.fingerprint", 1024),
    ),
    "resident_long_term": IdentityCard(
        card_type=RESIDENT,
        name="马秀兰",
        sex="2",
        nation_code="03",
        birth=date(1949, 10, 1),
        address="宁夏回族自治区银川市兴庆区示例巷6号",
        id_number=_id("64010419491001062"),
        authority="银川市公安局兴庆区分局",
        valid_from=date(2010, 1, 15),
        valid_to=None,
        photo=pseudo_random_bytes("resident_long_term.photo", PHOTO_BYTES),
    ),
    "foreign_permanent_2017": IdentityCard(
        card_type=FOREIGN_PERMANENT_2017,
        name="勒布朗·埃洛迪",
        name_en="LEBLANC, ELODIE MARIE",
        sex="2",
        nationality="FRA",
        birth=date(1987, 4, 22),
        id_number="FRA318704220015",
        authority="1500",
        valid_from=date(2018, 6, 1),
        valid_to=date(2028, 6, 1),
        photo=pseudo_random_bytes("foreign_permanent_2017.photo", PHOTO_BYTES),
    ),
    "foreign_permanent_2023": IdentityCard(
        card_type=FOREIGN_PERMANENT_2023,
        name="奥卡福·埃梅卡",
        # Longer than the first English-name slot (35 characters) on purpose.
        name_en="OKAFOR, CHINEDU EMEKA OLUWASEUN ADEBAYO",
        sex="1",
        issue_count="01",
        nationality="NGA",
        birth=date(1985, 3, 12),
        id_number=_id("91156619850312011"),
        valid_from=date(2023, 12, 1),
        valid_to=date(2033, 12, 1),
        photo=pseudo_random_bytes("foreign_permanent_2023.photo", PHOTO_BYTES),
    ),
    "hmt_residence": IdentityCard(
        card_type=HMT_RESIDENCE,
        name="陈家豪",
        sex="1",
        birth=date(1992, 3, 15),
        address="广东省深圳市福田区示例三路100号",
        id_number=_id("81000019920315003"),
        authority="深圳市公安局福田分局",
        valid_from=date(2023, 9, 1),
        valid_to=date(2028, 9, 1),
        pass_number="H60123456",
        issue_count="01",
        photo=pseudo_random_bytes("hmt_residence.photo", PHOTO_BYTES),
    ),
    "expired_resident": IdentityCard(
        card_type=RESIDENT,
        name="赵建国",
        sex="1",
        nation_code="01",
        birth=date(1988, 8, 15),
        address="湖南省长沙市芙蓉区示例街道9号",
        id_number=_id("43010219880815041"),
        authority="长沙市公安局芙蓉分局",
        valid_from=date(2006, 5, 10),
        valid_to=date(2016, 5, 10),
        photo=pseudo_random_bytes("expired_resident.photo", PHOTO_BYTES),
    ),
}

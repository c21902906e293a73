"""Invented 社保卡 holders for the virtual card, demos and tests. None of them is a real person.

Social security numbers get their check character from ``id_check_char`` so they stay valid
if edited. Card identification codes are region code + D156000005 + 16 invented hex digits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from drivers.idcard.codes import id_check_char
from drivers.sscard.card import SocialSecurityCard
from drivers.sscard.protocol import EF_HOLDER
from sim.sscard_virtual import VirtualSsCard


def _ssn(first17: str) -> str:
    return first17 + id_check_char(first17)


@dataclass(frozen=True)
class SampleSsCard:
    card: SocialSecurityCard | None  # None: a chip card without the SSSE application
    protocol: int = 1  # 0: T=0, 1: T=1
    protected: dict[int, int] = field(default_factory=dict)  # EF -> SW for READ RECORD

    def virtual(self) -> VirtualSsCard:
        return VirtualSsCard(self.card, self.protocol, self.protected)


_THIRD_GEN = SocialSecurityCard(
    card_id="110100D1560000053A5C0E71B2D4F689",
    card_version="3.00",
    card_number="B20345678",
    issued=date(2022, 3, 15),
    expires=date(2032, 3, 15),
    ssn=_ssn("11010819780416042"),
    name="孙丽华",
    sex="2",
    nation_code="01",
    birth=date(1978, 4, 16),
)

SAMPLE_SSCARDS: dict[str, SampleSsCard] = {
    "third_gen": SampleSsCard(_THIRD_GEN, protocol=1),
    "second_gen_t0": SampleSsCard(
        SocialSecurityCard(
            card_id="450100D1560000057E21C9A0B3D5F417",
            card_version="2.00",
            card_number="G00512345",
            issued=date(2020, 5, 20),
            expires=date(2030, 5, 20),
            ssn=_ssn("45010219580902031"),
            name="覃德福",
            sex="1",
            nation_code="08",
            birth=date(1958, 9, 2),
        ),
        protocol=0,
    ),
    "expired": SampleSsCard(
        SocialSecurityCard(
            card_id="430100D15600000519C4E8A2D7F03B56",
            card_version="2.00",
            card_number="H00876543",
            issued=date(2009, 6, 1),
            expires=date(2019, 6, 1),
            ssn=_ssn("43010319700123051"),
            name="黄志强",
            sex="1",
            nation_code="01",
            birth=date(1970, 1, 23),
        ),
        protocol=0,
    ),
    # A card whose holder file wants PIN/PSAM authentication first.
    "needs_auth": SampleSsCard(
        SocialSecurityCard(
            card_id="330100D156000005C0FFEE12345678AB",
            card_version="3.00",
            card_number="K30012345",
            issued=date(2023, 8, 8),
            expires=date(2033, 8, 8),
            ssn=_ssn("33010619850612082"),
            name="何淑珍",
            sex="2",
            nation_code="03",
            birth=date(1985, 6, 12),
        ),
        protected={EF_HOLDER: 0x6982},
    ),
    "not_ssse": SampleSsCard(None, protocol=1),  # e.g. a bank card put in by mistake
}

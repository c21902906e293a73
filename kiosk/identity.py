"""Who the citizen is, whatever card said so: one ``Identity`` for the ID card (and the
permits the same reader reads) and the 社保卡 alike. Flows and the platform see only this;
the card objects stay in the drivers.

Personal data: never log it; ``repr`` masks it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from drivers.idcard.card import IdentityCard
from drivers.idcard.privacy import mask_id_number, mask_name
from drivers.sscard.card import SocialSecurityCard
from offline_cache.presence import Presence

Source = Literal["idcard", "sscard"]


@dataclass(frozen=True, kw_only=True, repr=False)
class Identity:
    source: Source  # which reader read it
    document: str  # resident, foreign_permanent_2017/2023, hmt_residence, social_security
    id_number: str  # 公民身份号码, the permit number on permits, the 社会保障号码 on a 社保卡
    id_number_valid: bool
    name: str
    name_en: str = ""  # permits for foreigners carry it; a 社保卡 never does
    sex: str = ""  # GB/T 2261.1 code
    birth: date | None = None
    nation: str = ""  # 民族, in words
    address: str = ""  # 住址 (the ID card only)
    valid_to: date | None = None  # None: 长期, or a card that records no expiry
    card: object = field(default=None, compare=False)  # the card read, for what only it has
    # Proof for the platform that this person is at the kiosk (their look-ups carry it).
    presence: Presence = field(default=None, compare=False)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.presence is None:
            object.__setattr__(self, "presence", Presence.unread(self.id_number, self.source))

    @classmethod
    def from_card(cls, card: IdentityCard | SocialSecurityCard) -> Identity:
        # What the reader read, digested: the card read the platform's presence is bound to.
        read = repr(dataclasses.astuple(card)).encode()
        if isinstance(card, SocialSecurityCard):
            return cls(source="sscard", document="social_security", id_number=card.ssn,
                       id_number_valid=card.id_number_valid, name=card.name, sex=card.sex,
                       birth=card.birth, nation=card.nation, valid_to=card.expires, card=card,
                       presence=Presence.of_read(card.ssn, read, "sscard"))
        return cls(source="idcard", document=card.card_type, id_number=card.id_number,
                   id_number_valid=card.id_number_valid, name=card.name, name_en=card.name_en,
                   sex=card.sex, birth=card.birth, nation=card.nation, address=card.address,
                   valid_to=card.valid_to, card=card,
                   presence=Presence.of_read(card.id_number, read, "idcard"))

    def is_expired(self, today: date) -> bool:
        return self.valid_to is not None and today > self.valid_to

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    def __repr__(self) -> str:
        return (f"Identity(source={self.source!r}, document={self.document!r}, "
                f"name={self.masked_name!r}, id_number={self.masked_id_number!r})")

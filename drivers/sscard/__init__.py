"""Social-security-card (社保卡) reader over PC/SC: pcscd through pyscard, T=0 and T=1.

``protocol`` holds the APDUs and status words, ``card`` the SSSE records and
``SocialSecurityCard``, ``reader`` the PC/SC transport. The simulator is a ``virtual_card``
behind a ``vpcd`` slot of a private ``pcscd``, so tests and the dev kiosk run the real stack.
"""

from drivers.sscard.card import SocialSecurityCard
from drivers.sscard.errors import (
    SsCardDataError,
    SsCardError,
    SsCardGone,
    SsCardStatusError,
    SsCardTimeout,
)
from drivers.sscard.reader import SocialSecurityCardReader

__all__ = [
    "SocialSecurityCard",
    "SocialSecurityCardReader",
    "SsCardDataError",
    "SsCardError",
    "SsCardGone",
    "SsCardStatusError",
    "SsCardTimeout",
]

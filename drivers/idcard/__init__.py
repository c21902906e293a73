"""ID-card reader: GA/T 467 SAM module on a serial line (居民身份证, 永居证, 港澳台居住证).

``protocol`` is the pure wire format, ``card`` the text block and ``IdentityCard``, ``reader``
the pyserial transport, ``probe`` finds the reader for port "auto", ``photo`` is the hook for a
vendor's WLT photo decoder and ``simulator`` a SAM module on a pty that speaks the same bytes.
"""

from drivers.idcard.card import IdentityCard
from drivers.idcard.errors import (
    IdCardDataError,
    IdCardError,
    IdCardFrameError,
    IdCardGone,
    IdCardStatusError,
    IdCardTimeout,
)
from drivers.idcard.reader import IdCardReader

__all__ = [
    "IdCardDataError",
    "IdCardError",
    "IdCardFrameError",
    "IdCardGone",
    "IdCardReader",
    "IdCardStatusError",
    "IdCardTimeout",
    "IdentityCard",
]

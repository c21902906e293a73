"""The card photo: 1024 bytes of WLT, a proprietary format no open decoder reads.

The photo stays opaque bytes in ``IdentityCard.photo``. A reader vendor's library can decode
it: its path is the ``[devices.idcard] photo_decoder`` setting, loaded with ctypes. Without
one (or when it fails) a neutral placeholder of the same size stands in, never a guess.

UNCERTAIN: wlt_library_abi. The Linux vendor SDKs seen export
``int unpack(char *wlt, char *bmp, int bmp_save)``: with ``bmp_save`` 1 it fills ``bmp`` with a
whole BMP file of the 102×126 24-bit photo (rows padded to 308 bytes) and returns 1. The
symbol and the sizes are in the constants below, the one place to correct.
"""

from __future__ import annotations

import ctypes
import logging
import struct
import threading
from collections.abc import Callable
from functools import cache

from drivers.idcard.errors import IdCardDataError, IdCardError
from drivers.idcard.protocol import PHOTO_BYTES

log = logging.getLogger(__name__)

PHOTO_WIDTH, PHOTO_HEIGHT = 102, 126
_ROW_BYTES = (PHOTO_WIDTH * 3 + 3) // 4 * 4  # BMP rows are padded to 4 bytes
_BMP_HEADER_BYTES = 54
BMP_BYTES = _BMP_HEADER_BYTES + _ROW_BYTES * PHOTO_HEIGHT  # 38862
UNPACK_SYMBOL = "unpack"
UNPACK_OK = 1
CODE_DECODER = "idcard.photo_decoder"
CODE_DECODE_FAILED = "idcard.photo_decode_failed"


class WltDecoder:
    """A vendor's WLT decoding library. Calls are serialised: such libraries keep state."""

    def __init__(self, library_path: str) -> None:
        try:
            unpack = getattr(ctypes.CDLL(library_path), UNPACK_SYMBOL)
        except (OSError, AttributeError) as exc:
            tech = f"cannot use WLT decoder {library_path}: {exc}"
            raise IdCardError(CODE_DECODER, tech) from exc
        unpack.argtypes = (ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int)
        unpack.restype = ctypes.c_int
        self.library_path = library_path
        self._unpack = unpack
        self._lock = threading.Lock()

    def decode(self, wlt: bytes) -> bytes:
        """The photo as a BMP file."""
        if len(wlt) != PHOTO_BYTES:
            raise IdCardDataError(CODE_DECODE_FAILED, f"WLT photo of {len(wlt)} bytes, "
                                  f"expected {PHOTO_BYTES}")
        out = ctypes.create_string_buffer(BMP_BYTES)
        with self._lock:
            rc = self._unpack(wlt, out, 1)
        if rc != UNPACK_OK or out.raw[:2] != b"BM":
            raise IdCardDataError(CODE_DECODE_FAILED,
                                  f"{self.library_path}: {UNPACK_SYMBOL} returned {rc}")
        return out.raw


def _bmp(pixel: Callable[[int, int], tuple[int, int, int]]) -> bytes:
    """A 24-bit BMP of the photo's size; ``pixel(x, y)`` gives (b, g, r), y from the top."""
    header = struct.pack("<2sIHHI", b"BM", BMP_BYTES, 0, 0, _BMP_HEADER_BYTES)
    info = struct.pack("<IiiHHIIiiII", 40, PHOTO_WIDTH, PHOTO_HEIGHT, 1, 24, 0,
                       BMP_BYTES - _BMP_HEADER_BYTES, 2835, 2835, 0, 0)
    rows = bytearray()
    for y in reversed(range(PHOTO_HEIGHT)):  # BMP rows go bottom-up
        row = b"".join(bytes(pixel(x, y)) for x in range(PHOTO_WIDTH))
        rows += row + bytes(_ROW_BYTES - len(row))
    return header + info + bytes(rows)


def _silhouette(x: int, y: int) -> tuple[int, int, int]:
    """Head and shoulders in a lighter grey on grey: clearly not a person's photo."""
    head = (x - 51) ** 2 / 22**2 + (y - 50) ** 2 / 27**2 <= 1
    shoulders = y > 88 and (x - 51) ** 2 / 46**2 + (y - 126) ** 2 / 38**2 <= 1
    return (0xDD, 0xDD, 0xDD) if head or shoulders else (0xB8, 0xB8, 0xB8)


@cache
def placeholder_bmp() -> bytes:
    return _bmp(_silhouette)


def portrait(wlt: bytes, decoder: WltDecoder | None) -> tuple[bytes, bool]:
    """The holder's photo as a BMP, and whether it is the real one (False: placeholder)."""
    if decoder is None or not wlt:
        return placeholder_bmp(), False
    try:
        return decoder.decode(wlt), True
    except IdCardDataError as exc:
        log.warning("photo not decoded, placeholder shown: %s", exc)
        return placeholder_bmp(), False

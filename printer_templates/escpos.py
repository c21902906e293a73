"""A small ESC/POS byte builder for Chinese 58/80 mm receipt printers.

Hand-written rather than python-escpos's ``Escpos`` because python-escpos 3.1 sends any
text containing Chinese as GB18030 without first entering Chinese mode (``FS &``), so
printers that start in a code page print mojibake, and it has no display-width aware
column alignment (a CJK character takes two columns). Byte values come from
``drivers.escpos.spec`` so the builder and the virtual printer cannot disagree; what a
model can do (encoding, cut, native QR) comes from its profile (``drivers.escpos.profiles``).
"""

from __future__ import annotations

import unicodedata
from typing import Literal

from PIL import Image

from drivers.escpos import spec
from drivers.escpos.profiles import ReceiptProfile
from drivers.escpos.raster import qr_image

Align = Literal["left", "center", "right"]

# Characters the printer fonts lack, mapped to ones they have (PROTOCOLS.md §4: U+00A5 has
# no GBK code, the full-width form does).
_SUBSTITUTIONS = {"\u00a5": "\uffe5"}
_REPLACEMENT = "?"
_CHINESE_ENCODINGS = {"gb18030", "gbk", "gb2312", "cp936"}
_UTF8 = "utf8"
_INVERT = bytes(255 - i for i in range(256))  # PIL's 1-bit images store white as 1


class EscPosBuilder:
    """Accumulates ESC/POS commands; every method returns ``self`` so calls chain."""

    def __init__(
        self,
        encoding: str = "gb18030",
        width_dots: int = 576,
        chars_per_line: int = 48,
        *,
        partial_cut: bool = False,
        native_qr: bool = True,
    ) -> None:
        self.encoding = encoding
        self.width_dots = width_dots
        self.chars_per_line = chars_per_line
        self.partial_cut = partial_cut
        self.native_qr = native_qr
        self._chinese = encoding.lower().replace("-", "") in _CHINESE_ENCODINGS
        self._utf8 = encoding.lower().replace("-", "") == _UTF8
        self._buf = bytearray()
        self._width_mult = 1

    @classmethod
    def for_profile(cls, profile: ReceiptProfile) -> EscPosBuilder:
        return cls(
            profile.encoding,
            profile.width_dots,
            profile.chars_per_line,
            partial_cut=profile.partial_cut,
            native_qr=profile.native_qr,
        )

    # --- modes -------------------------------------------------------------------------
    def init(self) -> EscPosBuilder:
        """Reset the printer, then select Chinese mode, or UTF-8, or a one-byte code page.

        Selected explicitly every time: printers start in whatever mode their DIP switches
        or last user left them in.
        """
        self._buf += spec.INIT
        self._buf += spec.CHINESE_ON if self._chinese else spec.CHINESE_OFF
        if self._utf8:
            self._buf += spec.ENCODING_SYSTEM + bytes([2, 0, spec.ENCODING_SYSTEM_FN])
            self._buf.append(spec.ENCODING_UTF8)
        self._width_mult = 1
        return self

    def align(self, how: Align) -> EscPosBuilder:
        if how not in spec.ALIGN_CODES:
            raise ValueError(f"alignment must be left/center/right, not {how!r}")
        self._buf += spec.ALIGN + bytes([spec.ALIGN_CODES[how]])
        return self

    def bold(self, on: bool = True) -> EscPosBuilder:
        self._buf += spec.BOLD + bytes([1 if on else 0])
        return self

    def size(self, w: int = 1, h: int = 1) -> EscPosBuilder:
        """Character magnification, 1..8 in each direction (GS !)."""
        for value in (w, h):
            if not 1 <= value <= spec.CHAR_SIZE_MAX:
                raise ValueError(f"character size must be 1..{spec.CHAR_SIZE_MAX}, not {value}")
        self._buf += spec.CHAR_SIZE + bytes([(w - 1) << 4 | (h - 1)])
        self._width_mult = w
        return self

    # --- text --------------------------------------------------------------------------
    def printable(self, text: str) -> str:
        """``text`` as the printer will show it: substitutions applied, the rest '?'."""
        out = []
        for ch in text:
            ch = _SUBSTITUTIONS.get(ch, ch)
            # Control characters would be read as commands; only LF is meaningful in text.
            if (ch < " " and ch != "\n") or ch == "\x7f":
                ch = _REPLACEMENT
            else:
                try:
                    ch.encode(self.encoding)
                except UnicodeEncodeError:
                    ch = _REPLACEMENT
            out.append(ch)
        return "".join(out)

    def width_of(self, text: str) -> int:
        """Display width in font-A columns (a CJK character is two)."""
        return sum(self._char_width(ch) for ch in text)

    def _char_width(self, ch: str) -> int:
        if ord(ch) < 0x80:
            return 1
        if unicodedata.combining(ch):
            return 0
        if unicodedata.east_asian_width(ch) in ("W", "F"):
            return 2
        # In Chinese mode the printer draws every multi-byte GB code in a full-width cell,
        # including "ambiguous" ones like · and — that east_asian_width calls narrow-ish.
        return 2 if self._chinese else 1

    def text(self, text: str) -> EscPosBuilder:
        self._buf += self.printable(text).encode(self.encoding)
        return self

    def line(self, text: str = "", indent: int = 0) -> EscPosBuilder:
        """Print ``text`` and a line feed, wrapped by display width at the current size.

        Wrapping here, not on the printer, keeps each wrapped piece centred/right-aligned;
        continuation lines start ``indent`` columns in (a hanging indent under a label).
        """
        cols = self._columns()
        indent = min(max(indent, 0), cols // 2)
        pieces = self._wrap(self.printable(text), cols, indent)
        for i, piece in enumerate(pieces):
            prefix = " " * indent if i and piece else ""
            self._buf += (prefix + piece).encode(self.encoding) + bytes([spec.LF])
        return self

    def fitting_width(self, text: str, max_width: int) -> int:
        """The largest width magnification up to ``max_width`` at which ``text`` fits one
        line (at least 1): a word broken over two lines reads worse than a narrower one."""
        width = max(self.width_of(self.printable(text)), 1)
        return max(min(max_width, self.chars_per_line // width, spec.CHAR_SIZE_MAX), 1)

    def fit(self, text: str, max_width: int = 2, height: int = 2) -> EscPosBuilder:
        """``text`` at ``height``, as wide as fits on one line up to ``max_width``."""
        return self.size(self.fitting_width(text, max_width), height).line(text)

    def columns(self, left: str, right: str) -> EscPosBuilder:
        """``left`` flush left and ``right`` flush right on one line, or two if too long."""
        cols = self._columns()
        left, right = self.printable(left), self.printable(right)
        gap = cols - self.width_of(left) - self.width_of(right)
        if gap >= 1:
            return self._raw_line(left + " " * gap + right)
        self.line(left)
        pad = max(cols - self.width_of(right), 0)
        return self.line(" " * pad + right)

    def rule(self, char: str = "-") -> EscPosBuilder:
        char = self.printable(char[:1] or "-")
        return self._raw_line(char * (self._columns() // max(self.width_of(char), 1)))

    def _raw_line(self, printable_text: str) -> EscPosBuilder:
        self._buf += printable_text.encode(self.encoding) + bytes([spec.LF])
        return self

    def _columns(self) -> int:
        return max(self.chars_per_line // self._width_mult, 1)

    def _wrap(self, text: str, cols: int, indent: int = 0) -> list[str]:
        """Pieces of ``text`` that fit: the first ``cols`` wide, the rest ``cols - indent``."""
        pieces: list[str] = []
        for paragraph in text.split("\n"):
            current, width = "", 0
            for ch in paragraph:
                w = self._char_width(ch)
                limit = cols - indent if pieces else cols
                if width + w > limit and current:
                    pieces.append(current)
                    current, width = "", 0
                current += ch
                width += w
            pieces.append(current)
        return pieces

    # --- graphics and paper ---------------------------------------------------------------
    def qr(self, data: str, size: int = 6, ecc: str = "M") -> EscPosBuilder:
        """A model-2 QR code at the current alignment: GS ( k, or an image where the
        profile says the firmware lacks it (both print the same symbol)."""
        if size not in spec.QR_SIZE_RANGE:
            raise ValueError(f"QR module size must be 1..16, not {size}")
        if ecc not in spec.QR_ECC_CODES:
            raise ValueError(f"QR error correction must be L/M/Q/H, not {ecc!r}")
        payload = data.encode("utf-8")
        if not payload or len(payload) > spec.QR_MAX_DATA:
            raise ValueError(f"QR data must be 1..{spec.QR_MAX_DATA} bytes, got {len(payload)}")
        if not self.native_qr:
            return self.image(qr_image(payload, size, ecc))
        self._qr_function(spec.QR_FN_MODEL, bytes([spec.QR_MODEL_2, 0]))
        self._qr_function(spec.QR_FN_SIZE, bytes([size]))
        self._qr_function(spec.QR_FN_ECC, bytes([spec.QR_ECC_CODES[ecc]]))
        self._qr_function(spec.QR_FN_STORE, bytes([spec.QR_STORE_M]) + payload)
        self._qr_function(spec.QR_FN_PRINT, bytes([spec.QR_STORE_M]))
        return self

    def _qr_function(self, fn: int, params: bytes) -> None:
        length = len(params) + 2  # cn and fn count in pL/pH
        self._buf += spec.QR_PREFIX + length.to_bytes(2, "little") + bytes([spec.QR_CN, fn])
        self._buf += params

    def feed(self, n: int = 1) -> EscPosBuilder:
        if not 0 <= n <= 255:
            raise ValueError(f"feed must be 0..255 lines, not {n}")
        self._buf += spec.FEED_LINES + bytes([n])
        return self

    def image(self, img: Image.Image) -> EscPosBuilder:
        """A raster image (GS v 0) at the current alignment, sent in strips.

        Dark pixels print; an image wider than the paper is scaled down to fit. Line art
        (logos, QR codes) is thresholded, not dithered, so edges stay sharp.
        """
        mono = _to_mono(img, self.width_dots)
        width_bytes = (mono.width + 7) // 8
        padded = Image.new("1", (width_bytes * 8, mono.height), 1)
        padded.paste(mono, (0, 0))
        for top in range(0, padded.height, spec.RASTER_STRIP_ROWS):
            strip = padded.crop((0, top, padded.width, min(top + spec.RASTER_STRIP_ROWS,
                                                           padded.height)))
            self._buf += spec.RASTER + bytes([0]) + width_bytes.to_bytes(2, "little")
            self._buf += strip.height.to_bytes(2, "little")
            self._buf += strip.tobytes().translate(_INVERT)
        return self

    def cut(self, partial: bool | None = None, feed: int = 0) -> EscPosBuilder:
        """Feed to the cutter plus ``feed`` motion units, then cut (GS V 41/42 n).

        ``partial=None`` cuts the way the profile says the model can.
        """
        if not 0 <= feed <= 255:
            raise ValueError(f"cut feed must be 0..255, not {feed}")
        partial = self.partial_cut if partial is None else partial
        mode = spec.CUT_FEED_PARTIAL if partial else spec.CUT_FEED_FULL
        self._buf += spec.CUT + bytes([mode, feed])
        return self

    def raw(self, data: bytes) -> EscPosBuilder:
        """Append bytes as they are, for commands this builder does not cover."""
        self._buf += data
        return self

    def to_bytes(self) -> bytes:
        return bytes(self._buf)


def _to_mono(img: Image.Image, max_width: int) -> Image.Image:
    if img.mode in ("RGBA", "LA", "P"):
        # Transparent pixels are paper, not ink.
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(white, rgba)
    gray = img.convert("L")
    if gray.width > max_width:
        height = max(round(gray.height * max_width / gray.width), 1)
        gray = gray.resize((max_width, height), Image.Resampling.LANCZOS)
    return gray.point(lambda v: 255 if v >= 128 else 0, mode="1")

"""Interpret an ESC/POS byte stream the way an 80 mm Chinese printer would, and draw it.

``EscPosInterpreter`` is incremental (bytes may arrive in any chunks) so the virtual printer
can answer real-time status queries as they come; ``render_escpos`` is the pure function
tests use. Unknown or malformed commands are skipped and logged at debug level: the
interpreter must never raise on garbage, whatever a client sends.
"""

from __future__ import annotations

import logging
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image

from drivers.escpos import spec
from drivers.escpos.fonts import GlyphCache
from drivers.escpos.raster import qr_image

log = logging.getLogger(__name__)

ALIGN_NAMES = {v: k for k, v in spec.ALIGN_CODES.items()}
_QR_ECC_NAMES = {v: k for k, v in spec.QR_ECC_CODES.items()}
_MAX_COMMAND_BYTES = 4 * 1024 * 1024  # a longer declared length is garbage, not data
_MAX_PAGE_DOTS = 16_000  # 2 m of paper: cut there so garbage cannot exhaust memory
_MAX_RASTER_WIDTH_BYTES = 255
_MAX_RASTER_HEIGHT = 4095
_TAB_DOTS = 8 * spec.FONT_A_HALF_WIDTH

# Commands we accept and ignore: prefix -> {total length in bytes: command letters}.
_IGNORED_BY_LENGTH = {
    spec.ESC: {2: "LSv", 3: " %-=?KMRTUVrtu{", 4: "$\\c", 5: "p", 10: "W"},
    spec.GS: {2: ":", 3: "/BEHITabfhw", 4: "$LPW\\", 5: "^"},
    spec.FS: {3: "!-CW", 4: "Sp", 76: "2"},
    spec.DLE: {3: "\x05"},  # DLE ENQ n: real-time request with nothing to answer
}
_IGNORED_FIXED = {
    bytes([prefix, ord(name)]): length
    for prefix, table in _IGNORED_BY_LENGTH.items()
    for length, names in table.items()
    for name in names
}

# Queries: excluded from the job bytes a page is reported with.
_QUERIES = {
    spec.STATUS_REQUEST,
    bytes([spec.DLE, 0x05]),
    spec.PAPER_SENSOR_REQUEST[:2],
    bytes([spec.GS, ord("I")]),
}


@dataclass
class _Style:
    bold: bool = False
    width: int = 1
    height: int = 1
    align: int = 0
    spacing: int = spec.DEFAULT_LINE_SPACING


@dataclass
class _Qr:
    module: int = 3
    ecc: int = spec.QR_ECC_CODES["L"]
    data: bytes = b""


class EscPosInterpreter:
    """Feed bytes in; pages come out through ``on_cut`` as 1-bit images, 576 dots wide.

    Hooks (all optional): ``on_status_request(n)`` for DLE EOT n, ``on_paper_sensor(n)``
    for GS r n, ``take_paper(dots) -> bool`` asked before each strip is printed (False:
    no paper, the strip and its page are lost), ``on_cut(image or None, job_bytes)``.
    """

    def __init__(
        self,
        *,
        width_dots: int = spec.PAPER_WIDTH_DOTS,
        chinese_default: bool = True,
        on_status_request: Callable[[int], None] | None = None,
        on_paper_sensor: Callable[[int], None] | None = None,
        take_paper: Callable[[int], bool] | None = None,
        on_cut: Callable[[Image.Image | None, bytes], None] | None = None,
        glyphs: GlyphCache | None = None,
    ) -> None:
        self.width = width_dots
        self.chinese_default = chinese_default
        self.on_status_request = on_status_request
        self.on_paper_sensor = on_paper_sensor
        self.take_paper = take_paper
        self.on_cut = on_cut
        self.glyphs = glyphs if glyphs is not None else GlyphCache()  # an empty one is falsy
        self._buf = bytearray()
        self._job = bytearray()
        self._strips: list[Image.Image] = []
        self._page_height = 0
        self._page_ink = False
        self._spoiled = False
        self._line: list[tuple[int, Image.Image]] = []
        self._line_x = 0
        self._line_align = 0
        self._qr = _Qr()
        self._cut_pages: list[Image.Image | None] = []
        self._reset()
        self._handlers: dict[bytes, Callable[[int], int]] = {
            spec.INIT: self._esc_init,
            spec.PRINT_MODE: self._esc_print_mode,
            spec.BOLD: self._esc_bold,
            bytes([spec.ESC, ord("G")]): self._esc_bold,
            spec.ALIGN: self._esc_align,
            spec.FEED_LINES: self._esc_feed_lines,
            spec.FEED_DOTS: self._esc_feed_dots,
            spec.LINE_SPACING_DEFAULT: self._esc_spacing_default,
            spec.LINE_SPACING_SET: self._esc_spacing,
            bytes([spec.ESC, ord("i")]): self._esc_cut,
            bytes([spec.ESC, ord("m")]): self._esc_cut,
            bytes([spec.ESC, ord("D")]): self._esc_tabs,
            bytes([spec.ESC, ord("*")]): self._esc_bit_image,
            bytes([spec.ESC, ord("&")]): self._esc_user_chars,
            spec.CHAR_SIZE: self._gs_size,
            spec.QR_PREFIX[:2]: self._gs_paren,
            spec.CUT: self._gs_cut,
            spec.RASTER[:2]: self._gs_raster,
            spec.PAPER_SENSOR_REQUEST[:2]: self._gs_paper_sensor,
            bytes([spec.GS, ord("k")]): self._gs_barcode,
            bytes([spec.GS, ord("*")]): self._gs_define_image,
            bytes([spec.GS, ord("8")]): self._gs_8,
            spec.CHINESE_ON: self._fs_chinese_on,
            spec.CHINESE_OFF: self._fs_chinese_off,
            spec.ENCODING_SYSTEM[:2]: self._fs_paren,
            spec.STATUS_REQUEST: self._dle_status,
            bytes([spec.DLE, 0x14]): self._dle_dc4,
        }

    # --- driving -------------------------------------------------------------------------
    def feed(self, data: bytes) -> None:
        self._buf += data
        pos = 0
        while pos < len(self._buf):
            try:
                used = self._step(pos)
            except Exception:  # a client's bytes must never kill the printer
                log.exception("escpos: failed on byte %d (%02X); skipping it", pos, self._buf[pos])
                used = 1
            if used == 0:
                break  # incomplete command: wait for more bytes
            if bytes(self._buf[pos : pos + 2]) not in _QUERIES:
                self._job += self._buf[pos : pos + used]
            pos += used
            try:
                self._deliver_cut()
            except Exception:  # e.g. a full disk in the hook: log it, keep serving
                log.exception("escpos: handing out a cut page failed")
        del self._buf[:pos]

    def finish(self) -> None:
        """End of stream: drop an incomplete command, deliver uncut content as a page."""
        if self._buf:
            log.debug("escpos: dropping %d bytes of an incomplete command", len(self._buf))
            self._buf.clear()
        self._print_line()
        if self._page_ink or self._spoiled:
            self._emit_page()
        self._deliver_cut()

    # --- dispatch ------------------------------------------------------------------------
    def _step(self, pos: int) -> int:
        b = self._buf[pos]
        if b in (spec.ESC, spec.GS, spec.FS, spec.DLE):
            if not self._has(pos, 2):
                return 0
            key = bytes(self._buf[pos : pos + 2])
            handler = self._handlers.get(key)
            if handler is not None:
                return handler(pos)
            fixed = _IGNORED_FIXED.get(key)
            if fixed is not None:
                return fixed if self._has(pos, fixed) else 0
            if b == spec.DLE:
                return 1  # a lone DLE is an ordinary control byte
            log.debug("escpos: unknown command %s, skipping 2 bytes", key.hex(" "))
            return 2
        if b in (spec.LF, spec.FF):
            self._print_line(lines=1)
            return 1
        if b == spec.HT:
            self._line_x = min((self._line_x // _TAB_DOTS + 1) * _TAB_DOTS, self.width)
            return 1
        if b < 0x20 or b == 0x7F:
            return 1  # CR and other control bytes print nothing
        return self._text(pos)

    def _has(self, pos: int, n: int) -> bool:
        return len(self._buf) - pos >= n

    def _sized(self, pos: int, total: int, name: str) -> int:
        """Length of a variable command, 0 if incomplete, or 2 (skip) if absurd."""
        if total > _MAX_COMMAND_BYTES:
            log.debug("escpos: %s declares %d bytes; skipping its name only", name, total)
            return 2
        return total if self._has(pos, total) else 0

    # --- text ----------------------------------------------------------------------------
    def _text(self, pos: int) -> int:
        b = self._buf[pos]
        if b < 0x80:
            self._put_char(chr(b), full=False)
            return 1
        if self._utf8:
            return self._utf8_char(pos)
        if not self._chinese:
            self._put_char(bytes([b]).decode("cp437"), full=False)
            return 1
        if not 0x81 <= b <= 0xFE:
            return 1  # 0x80 and 0xFF lead no GB18030 code
        if not self._has(pos, 2):
            return 0
        size = 4 if 0x30 <= self._buf[pos + 1] <= 0x39 else 2
        if not self._has(pos, size):
            return 0
        code = bytes(self._buf[pos : pos + size])
        try:
            ch = code.decode("gb18030")
        except UnicodeDecodeError:
            ch = "?"  # what a printer shows for a code its font lacks varies; keep it visible
        self._put_char(ch if len(ch) == 1 else "?", full=True)
        return size

    def _utf8_char(self, pos: int) -> int:
        b = self._buf[pos]
        size = 2 if b < 0xE0 else 3 if b < 0xF0 else 4
        if not 0xC2 <= b <= 0xF4:
            return 1  # a continuation or invalid lead byte prints nothing
        if not self._has(pos, size):
            return 0
        try:
            ch = bytes(self._buf[pos : pos + size]).decode("utf-8")
        except UnicodeDecodeError:
            self._put_char("?", full=False)
            return 1
        self._put_char(ch, full=unicodedata.east_asian_width(ch) in ("W", "F"))
        return size

    def _put_char(self, ch: str, full: bool) -> None:
        s = self._style
        cell_w = (spec.FONT_A_FULL_WIDTH if full else spec.FONT_A_HALF_WIDTH) * s.width
        if self._line_x + cell_w > self.width:
            self._print_line(lines=1)  # the printer wraps at the end of the print area
            if cell_w > self.width:
                return
        if not self._line and self._line_x == 0:
            self._line_align = s.align
        if ch != " ":
            self._line.append((self._line_x, self.glyphs.cell(ch, full, s.bold, s.width, s.height)))
        else:
            blank = Image.new("1", (cell_w, spec.FONT_A_HEIGHT * s.height), 1)
            self._line.append((self._line_x, blank))
        self._line_x += cell_w

    # --- page building -------------------------------------------------------------------
    def _print_line(self, lines: int = 0, extra_dots: int = 0) -> None:
        """Print the line buffer, then feed; an empty buffer just feeds ``lines`` lines."""
        gap = max(self._style.spacing - spec.FONT_A_HEIGHT, 0)
        if self._line:
            tallest = max(img.height for _, img in self._line)
            strip = Image.new("1", (self.width, tallest + (gap if lines else 0)), 1)
            offset = self._align_offset(self._line_x, self._line_align)
            for x, img in self._line:
                strip.paste(img, (x + offset, tallest - img.height))
            self._add_strip(strip, ink=True)
            lines -= 1
        self._line, self._line_x = [], 0
        blank = max(lines, 0) * self._style.spacing + extra_dots
        if blank:
            self._add_strip(Image.new("1", (self.width, blank), 1), ink=False)

    def _align_offset(self, content_width: int, align: int) -> int:
        free = max(self.width - content_width, 0)
        return {1: free // 2, 2: free}.get(align, 0)

    def _add_image(self, img: Image.Image) -> None:
        self._print_line()
        if img.width > self.width:
            img = img.crop((0, 0, self.width, img.height))
        strip = Image.new("1", (self.width, img.height), 1)
        strip.paste(img, (self._align_offset(img.width, self._style.align), 0))
        self._add_strip(strip, ink=True)

    def _add_strip(self, strip: Image.Image, ink: bool) -> None:
        if self.take_paper is not None and not self.take_paper(strip.height):
            self._spoiled = True
            return
        self._strips.append(strip)
        self._page_height += strip.height
        self._page_ink = self._page_ink or ink
        if self._page_height > _MAX_PAGE_DOTS:
            log.debug("escpos: page longer than %d dots, cutting it", _MAX_PAGE_DOTS)
            self._emit_page()

    def _emit_page(self, tail_dots: int = 0) -> None:
        page: Image.Image | None = None
        if self._spoiled:
            log.info("escpos: page lost (no paper while printing it)")
        elif self._page_ink:
            top = spec.HEAD_TO_CUTTER_DOTS
            page = Image.new("1", (self.width, top + self._page_height + tail_dots), 1)
            y = top
            for strip in self._strips:
                page.paste(strip, (0, y))
                y += strip.height
        self._strips, self._page_height, self._page_ink, self._spoiled = [], 0, False, False
        self._cut_pages.append(page)

    def _deliver_cut(self) -> None:
        """Hand cut pages out once the cutting command itself is in the job bytes."""
        if not self._cut_pages:
            return
        pages, self._cut_pages = self._cut_pages, []
        job = bytes(self._job)
        self._job.clear()
        for page in pages:
            if self.on_cut is not None and (page is not None or job):
                self.on_cut(page, job)
            job = b""

    def _reset(self) -> None:
        self._style = _Style()
        self._chinese = self.chinese_default
        self._utf8 = False  # FS ( C: ESC @ returns to the power-on encoding
        self._line, self._line_x = [], 0  # ESC @ clears the unprinted line buffer

    # --- ESC -----------------------------------------------------------------------------
    def _arg(self, pos: int, total: int = 3) -> int | None:
        return self._buf[pos + total - 1] if self._has(pos, total) else None

    def _esc_init(self, pos: int) -> int:
        self._reset()
        return 2

    def _esc_print_mode(self, pos: int) -> int:
        if (n := self._arg(pos)) is None:
            return 0
        self._style.bold = bool(n & spec.PRINT_MODE_BOLD)
        self._style.height = 2 if n & spec.PRINT_MODE_DOUBLE_HEIGHT else 1
        self._style.width = 2 if n & spec.PRINT_MODE_DOUBLE_WIDTH else 1
        return 3

    def _esc_bold(self, pos: int) -> int:
        if (n := self._arg(pos)) is None:
            return 0
        self._style.bold = bool(n & 1)
        return 3

    def _esc_align(self, pos: int) -> int:
        if (n := self._arg(pos)) is None:
            return 0
        self._style.align = {0: 0, 1: 1, 2: 2, 48: 0, 49: 1, 50: 2}.get(n, self._style.align)
        if not self._line:
            self._line_align = self._style.align
        return 3

    def _esc_feed_lines(self, pos: int) -> int:
        if (n := self._arg(pos)) is None:
            return 0
        self._print_line(lines=n)
        return 3

    def _esc_feed_dots(self, pos: int) -> int:
        if (n := self._arg(pos)) is None:
            return 0
        self._print_line(extra_dots=n)
        return 3

    def _esc_spacing_default(self, pos: int) -> int:
        self._style.spacing = spec.DEFAULT_LINE_SPACING
        return 2

    def _esc_spacing(self, pos: int) -> int:
        if (n := self._arg(pos)) is None:
            return 0
        self._style.spacing = n
        return 3

    def _esc_cut(self, pos: int) -> int:
        self._print_line()
        self._emit_page()
        return 2

    def _esc_tabs(self, pos: int) -> int:
        # ESC D n1 .. nk NUL with k <= 32: tab stops are not modelled, only skipped.
        end = self._buf.find(spec.NUL, pos + 2, pos + 2 + 33)
        if end >= 0:
            return end - pos + 1
        return 2 if self._has(pos, 2 + 33) else 0

    def _esc_bit_image(self, pos: int) -> int:
        if not self._has(pos, 5):
            return 0
        m, columns = self._buf[pos + 2], self._buf[pos + 3] | self._buf[pos + 4] << 8
        log.debug("escpos: ESC * column image not drawn")
        return self._sized(pos, 5 + columns * (1 if m in (0, 1) else 3), "ESC *")

    def _esc_user_chars(self, pos: int) -> int:
        # ESC & y c1 c2 [x d1..d(y*x)]...: user-defined characters, skipped.
        if not self._has(pos, 5):
            return 0
        y, c1, c2 = self._buf[pos + 2], self._buf[pos + 3], self._buf[pos + 4]
        if not 1 <= y <= 3 or c2 < c1:
            return 5
        at = pos + 5
        for _ in range(c2 - c1 + 1):
            if not self._has(at, 1):
                return 0
            at += 1 + y * self._buf[at]
        return at - pos if self._has(pos, at - pos) else 0

    # --- GS ------------------------------------------------------------------------------
    def _gs_size(self, pos: int) -> int:
        if (n := self._arg(pos)) is None:
            return 0
        self._style.width = (n >> 4 & 0x07) + 1
        self._style.height = (n & 0x07) + 1
        return 3

    def _gs_paren(self, pos: int) -> int:
        # Every GS ( x command is GS ( x pL pH followed by pL + 256 pH bytes.
        if not self._has(pos, 5):
            return 0
        length = self._buf[pos + 3] | self._buf[pos + 4] << 8
        total = self._sized(pos, 5 + length, "GS (")
        if total == 5 + length and self._buf[pos + 2] == ord("k") and length >= 2:
            body = bytes(self._buf[pos + 5 : pos + total])
            if body[0] == spec.QR_CN:
                self._qr_function(body[1], body[2:])
        return total

    def _qr_function(self, fn: int, params: bytes) -> None:
        if fn == spec.QR_FN_MODEL and params and params[0] == spec.QR_MODEL_1:
            log.debug("escpos: QR model 1 requested; drawing model 2")
        elif fn == spec.QR_FN_SIZE and params:
            if params[0] in spec.QR_SIZE_RANGE:
                self._qr.module = params[0]
        elif fn == spec.QR_FN_ECC and params:
            if params[0] in _QR_ECC_NAMES:
                self._qr.ecc = params[0]
        elif fn == spec.QR_FN_STORE and params:
            self._qr.data = params[1:]
        elif fn == spec.QR_FN_PRINT:
            self._print_qr()

    def _print_qr(self) -> None:
        if not self._qr.data:
            log.debug("escpos: QR print with no stored data")
            return
        try:
            img = qr_image(self._qr.data, self._qr.module, _QR_ECC_NAMES[self._qr.ecc])
        except ValueError as exc:  # segno.DataOverflowError is one
            log.debug("escpos: QR data not encodable: %s", exc)
            return
        if img.width > self.width:
            log.debug("escpos: QR of %d dots does not fit the paper; not printed", img.width)
            return
        self._add_image(img)

    def _gs_cut(self, pos: int) -> int:
        if not self._has(pos, 3):
            return 0
        m = self._buf[pos + 2]
        feed = 0
        if m in (spec.CUT_FEED_FULL, spec.CUT_FEED_PARTIAL, 0x61, 0x62, 0x67, 0x68):
            if not self._has(pos, 4):
                return 0
            feed = self._buf[pos + 3]
            used = 4
        elif m in (spec.CUT_FULL, spec.CUT_PARTIAL, spec.CUT_FULL_ASCII, spec.CUT_PARTIAL_ASCII):
            used = 3
        else:
            log.debug("escpos: unknown cut mode %02X", m)
            return 3
        self._print_line()
        self._emit_page(tail_dots=feed)
        return used

    def _gs_raster(self, pos: int) -> int:
        if not self._has(pos, 3):
            return 0
        if self._buf[pos + 2] != ord("0"):
            log.debug("escpos: GS v %02X unknown", self._buf[pos + 2])
            return 3
        if not self._has(pos, 8):
            return 0
        m = self._buf[pos + 3]
        xb = self._buf[pos + 4] | self._buf[pos + 5] << 8
        y = self._buf[pos + 6] | self._buf[pos + 7] << 8
        if not (0 < xb <= _MAX_RASTER_WIDTH_BYTES and 0 < y <= _MAX_RASTER_HEIGHT):
            log.debug("escpos: GS v 0 of %d x %d bytes ignored", xb, y)
            return 8
        total = self._sized(pos, 8 + xb * y, "GS v 0")
        if total != 8 + xb * y:
            return total
        data = bytes(~v & 0xFF for v in self._buf[pos + 8 : pos + total])  # PIL: 1 = white
        img = Image.frombytes("1", (xb * 8, y), data)
        scale_w, scale_h = (2 if m & 1 else 1), (2 if m & 2 else 1)
        if (scale_w, scale_h) != (1, 1):
            img = img.resize((img.width * scale_w, img.height * scale_h), Image.Resampling.NEAREST)
        self._add_image(img)
        return total

    def _gs_paper_sensor(self, pos: int) -> int:
        if (n := self._arg(pos)) is None:
            return 0
        if self.on_paper_sensor is not None:
            self.on_paper_sensor(n)
        return 3

    def _gs_barcode(self, pos: int) -> int:
        if not self._has(pos, 3):
            return 0
        m = self._buf[pos + 2]
        log.debug("escpos: GS k barcode not drawn")
        if m <= 6:
            end = self._buf.find(spec.NUL, pos + 3, pos + 3 + 256)
            if end >= 0:
                return end - pos + 1
            return 3 if self._has(pos, 3 + 256) else 0
        if not self._has(pos, 4):
            return 0
        return self._sized(pos, 4 + self._buf[pos + 3], "GS k")

    def _gs_define_image(self, pos: int) -> int:
        if not self._has(pos, 4):
            return 0
        return self._sized(pos, 4 + self._buf[pos + 2] * self._buf[pos + 3] * 8, "GS *")

    def _gs_8(self, pos: int) -> int:
        # GS 8 L p1 p2 p3 p4 ...: the 32-bit form of GS ( L graphics, skipped.
        if not self._has(pos, 7):
            return 0
        if self._buf[pos + 2] != ord("L"):
            return 3
        length = int.from_bytes(self._buf[pos + 3 : pos + 7], "little")
        return self._sized(pos, 7 + length, "GS 8 L")

    # --- FS and DLE ----------------------------------------------------------------------
    def _fs_chinese_on(self, pos: int) -> int:
        self._chinese = True
        return 2

    def _fs_chinese_off(self, pos: int) -> int:
        self._chinese = False
        return 2

    def _fs_paren(self, pos: int) -> int:
        # FS ( x pL pH data; only C fn 0x30 (select encoding system) changes what we draw.
        if not self._has(pos, 5):
            return 0
        length = self._buf[pos + 3] | self._buf[pos + 4] << 8
        total = self._sized(pos, 5 + length, "FS (")
        if total != 5 + length:
            return total  # incomplete (0) or absurd (2)
        body = self._buf[pos + 5 : pos + total]
        if self._buf[pos + 2] == ord("C") and len(body) == 2 and body[0] == spec.ENCODING_SYSTEM_FN:
            self._utf8 = body[1] in (spec.ENCODING_UTF8, ord("2"))
        return total

    def _dle_status(self, pos: int) -> int:
        if (n := self._arg(pos)) is None:
            return 0
        if self.on_status_request is not None:
            self.on_status_request(n)
        return 3

    def _dle_dc4(self, pos: int) -> int:
        # DLE DC4 fn ...: real-time pulse/power-off/clear; fn 8 carries 7 bytes, others 2.
        if not self._has(pos, 3):
            return 0
        total = 10 if self._buf[pos + 2] == 8 else 5
        return total if self._has(pos, total) else 0


def render_escpos(
    data: bytes, *, chinese_default: bool = True, width_dots: int = spec.PAPER_WIDTH_DOTS
) -> list[Image.Image]:
    """Every page ``data`` prints, cut or not, as 1-bit images ``width_dots`` wide.

    The kiosk calls this after every receipt (how much paper it used): the glyphs and the
    two CJK faces (20 MB each, mapped by FreeType) are the process's one set, not opened
    again for each job. One render at a time: FreeType faces are not shared across threads.
    """
    pages: list[Image.Image] = []

    def keep(page: Image.Image | None, _job: bytes) -> None:
        if page is not None:
            pages.append(page)

    with _SHARED_LOCK:
        interpreter = EscPosInterpreter(
            chinese_default=chinese_default, width_dots=width_dots, on_cut=keep,
            glyphs=_SHARED_GLYPHS,
        )
        interpreter.feed(data)
        interpreter.finish()
    return pages


_SHARED_GLYPHS = GlyphCache()
_SHARED_LOCK = threading.Lock()

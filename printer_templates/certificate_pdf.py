"""Certificates as A4 PDFs (reportlab): the page furniture and how each block looks.

Every page carries a faint diagonal watermark (what the printout is for and which terminal
printed it), a footer with the verification QR and code, the print time and expiry, the SM3
digest of the content, and "第 x 页 / 共 y 页". The first page has the title; later pages a
running title (续) so a loose page still says what it belongs to. After the last block come
the issuing office, the issue date and the specimen seal (``seal.py``).

Sizes are for reading at arm's length by older eyes: body 14 pt with generous leading,
tables 11–12 pt, nothing a citizen needs below 10 pt (the digest, for staff, is smaller).
"""

from __future__ import annotations

import functools
import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

import segno
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from printer_templates.certificate import (
    FilledBlock,
    FilledCertificate,
    fill_certificate,
    load_template,
)
from printer_templates.data import TemplateDataError
from printer_templates.pdf_fonts import FONT_NAME, cjk_font, missing_glyphs
from printer_templates.seal import draw_specimen_seal

PAGE_W, PAGE_H = A4
MARGIN_X = 22 * mm
MARGIN_TOP = 20 * mm
FOOTER_TOP = 36 * mm  # the frame ends here; the footer lives below
FRAME_W = PAGE_W - 2 * MARGIN_X
INK = colors.HexColor("#111111")
GREY = colors.HexColor("#444444")
RULE = colors.HexColor("#8A8F98")
LABEL_BG = colors.HexColor("#EEF2F7")
WATERMARK = colors.HexColor("#1F3A68")
_WATERMARK_ALPHA = 0.08  # over the content, so table shading cannot hide it
_QR_FOOTER = 22 * mm
_FOOTER_FIRST_LINE = FOOTER_TOP - 10 * mm
_FOOTER_LINE_STEP = 13.7  # points: 10.5 pt text and 3.2 pt between lines
_QR_BLOCK = 30 * mm
_CAPTION_W = 46 * mm
_SEAL_RADIUS = 20 * mm
_CELL_PAD = 6  # points left and right inside a table cell


def _style(name: str, size: float, leading: float, **kw: Any) -> ParagraphStyle:
    kw.setdefault("textColor", INK)
    return ParagraphStyle(name, fontName=FONT_NAME, fontSize=size, leading=leading,
                          wordWrap="CJK", **kw)


_BODY = _style("body", 14, 26, firstLineIndent=28, alignment=TA_JUSTIFY, spaceBefore=6,
               spaceAfter=4)
_HEADING = _style("heading", 13.5, 20, spaceBefore=10, spaceAfter=6)
_CELL = _style("cell", 12, 16.5)
_TABLE_CELL = _style("table", 11, 15)
_NOTE = _style("note", 11, 18, textColor=GREY, spaceBefore=6)
_CAPTION = _style("caption", 13, 19)
_CODE = _style("code", 10.5, 14, alignment=TA_RIGHT, textColor=GREY)


@dataclass(frozen=True)
class RenderedCertificate:
    pdf: bytes
    pages: int
    filled: FilledCertificate


def render_certificate(
    name: str,
    data: Mapping[str, Any],
    *,
    terminal_id: str,
    printed_at: datetime | None = None,
) -> RenderedCertificate:
    """Load template ``name``, fill it with ``data`` and render the PDF."""
    filled = fill_certificate(load_template(name), data, terminal_id=terminal_id,
                              printed_at=printed_at or datetime.now())
    return render_pdf(filled)


def render_pdf(filled: FilledCertificate) -> RenderedCertificate:
    cjk_font()
    missing = missing_glyphs(filled.all_text())
    if missing:
        # A name printed with a blank where a rare character should be is a wrong name.
        shown = " ".join(f"{ch} (U+{ord(ch):04X})" for ch in missing)
        raise TemplateDataError(f"characters the certificate font cannot print: {shown}")
    buf = io.BytesIO()
    doc = BaseDocTemplate(
        buf, pagesize=A4, title=filled.title, author=filled.issuer, subject=filled.code,
        # invariant: no creation time or random id inside, so the same certificate always
        # gives the same bytes (a reprint is recognisably identical).
        creator="gov-kiosk", invariant=True, pageCompression=1,
        # Start in the embedded font: reportlab's default (Helvetica) would be listed in the
        # PDF unembedded, and a printer may substitute anything for it.
        initialFontName=FONT_NAME,
        leftMargin=MARGIN_X, rightMargin=MARGIN_X, topMargin=MARGIN_TOP,
        bottomMargin=FOOTER_TOP,
    )
    frame = Frame(MARGIN_X, FOOTER_TOP, FRAME_W, PAGE_H - MARGIN_TOP - FOOTER_TOP,
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    furniture = _Furniture(filled)
    doc.addPageTemplates([PageTemplate("page", [frame], onPage=furniture.header_footer,
                                       onPageEnd=furniture.watermark)])
    doc.build(_story(filled), canvasmaker=_NumberedCanvas)
    return RenderedCertificate(buf.getvalue(), doc.page, filled)


def _story(f: FilledCertificate) -> list[Flowable]:
    story: list[Flowable] = [
        _Title(f.title),
        Paragraph(f"证明编号：{escape(f.code)}", _CODE),
        Spacer(0, 4 * mm),
    ]
    blocks = list(f.blocks)
    qr = blocks.pop() if blocks and blocks[-1].kind == "qr" else None
    for block in blocks[:-1]:
        story += _block(block)
    # The closing words and the issuer stay on one page: a seal alone on a page proves nothing.
    closing = _block(blocks[-1]) if blocks else []
    story.append(KeepTogether([*closing, _IssuerBlock(f.issuer, f.printed_at, qr)]))
    return story


def _block(b: FilledBlock) -> list[Flowable]:
    head: list[Flowable] = [Paragraph(escape(b.heading), _HEADING)] if b.heading else []
    if b.kind == "paragraph":
        return [*head, Paragraph(escape(b.text), _BODY)]
    if b.kind == "note":
        return [*head, Paragraph(escape(b.text), _NOTE)]
    if b.kind == "fields":
        return [KeepTogether([*head, _fields_table(b.rows)])]
    table = _data_table(b)
    # A heading must not be left alone at the foot of a page.
    return [KeepTogether([*head, table])] if len(b.rows) < 8 else [*head, table]


def _fields_table(rows: tuple[tuple[str, ...], ...]) -> Table:
    """Label/value pairs, two pairs per line; a lone pair's value spans the line."""
    label, value = FRAME_W * 0.19, FRAME_W * 0.31
    cells, spans = [], []
    for r, row in enumerate(rows):
        widths = [label, value, label, value] if len(row) > 2 else [label, FRAME_W - label]
        cells.append([_cell(c, _CELL, w) for c, w in zip(row, widths, strict=False)])
        if len(row) <= 2:
            spans += [("SPAN", (1, r), (3, r)), ("BACKGROUND", (1, r), (3, r), colors.white)]
    table = Table(cells, colWidths=[label, value, label, value])
    table.setStyle(TableStyle([
        *_table_base(_CELL, padding=4),
        ("BACKGROUND", (0, 0), (0, -1), LABEL_BG),
        ("BACKGROUND", (2, 0), (2, -1), LABEL_BG),
        *spans,
    ]))
    return table


def _data_table(b: FilledBlock) -> Table:
    total = sum(b.widths) or 1.0
    widths = [FRAME_W * w / total for w in b.widths]
    rows = [[_cell(c, _TABLE_CELL, w, a) for c, w, a in zip(row, widths, b.aligns, strict=True)]
            for row in (b.header, *b.rows)]
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([
        *_table_base(_TABLE_CELL, padding=3),
        *[("ALIGN", (i, 0), (i, -1), a.upper()) for i, a in enumerate(b.aligns)],
        ("BACKGROUND", (0, 0), (-1, 0), LABEL_BG),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#F8F9FB")]),
    ]))
    return table


def _table_base(style: ParagraphStyle, padding: float) -> list[tuple[Any, ...]]:
    return [
        ("GRID", (0, 0), (-1, -1), 0.6, RULE),
        # Plain-text cells are drawn in the table's font: ours, not reportlab's Helvetica.
        ("FONT", (0, 0), (-1, -1), FONT_NAME, style.fontSize, style.leading),
        ("TEXTCOLOR", (0, 0), (-1, -1), INK),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), _CELL_PAD),
        ("RIGHTPADDING", (0, 0), (-1, -1), _CELL_PAD),
        ("TOPPADDING", (0, 0), (-1, -1), padding),
        ("BOTTOMPADDING", (0, 0), (-1, -1), padding + 1),
    ]


def _cell(text: str, style: ParagraphStyle, width: float, align: str = "left") -> str | Paragraph:
    """Plain text where it fits on one line (cheap to lay out and draw), else a Paragraph
    that wraps, aligned like the column."""
    if stringWidth(text, FONT_NAME, style.fontSize) <= width - 2 * _CELL_PAD:
        return text
    return Paragraph(escape(text), _ALIGNED[align] if style is _TABLE_CELL else style)


_ALIGNED = {
    "left": _TABLE_CELL,
    "right": ParagraphStyle("table-right", parent=_TABLE_CELL, alignment=TA_RIGHT),
    "center": ParagraphStyle("table-center", parent=_TABLE_CELL, alignment=TA_CENTER),
}


@functools.lru_cache(maxsize=16)
def _qr_runs(data: str) -> tuple[int, tuple[tuple[int, int, int], ...]]:
    """Module count and the runs of dark modules (row, first column, length) of a QR code."""
    matrix = segno.make(data, error="M", micro=False).matrix
    runs = []
    for r, row in enumerate(matrix):
        start = None
        for col, dark in enumerate([*row, 0]):
            if dark and start is None:
                start = col
            elif not dark and start is not None:
                runs.append((r, start, col - start))
                start = None
    return len(matrix), tuple(runs)


def draw_qr(c: Canvas, x: float, y: float, size: float, data: str) -> None:
    """A QR code as one vector path of rectangles, with 2 modules of white margin."""
    n, runs = _qr_runs(data)
    module = size / (n + 4)
    c.saveState()
    c.setFillColor(colors.white)
    c.rect(x, y, size, size, stroke=0, fill=1)
    path = c.beginPath()
    for r, col, length in runs:
        path.rect(x + (col + 2) * module, y + size - (r + 3) * module, length * module, module)
    c.setFillColor(colors.black)
    c.drawPath(path, stroke=0, fill=1)
    c.restoreState()


class _Title(Flowable):
    """The title, spaced and slightly emboldened (the embedded face has one weight)."""

    def __init__(self, text: str, size: float = 24) -> None:
        super().__init__()
        self.text, self.size = text, size
        self.space = size * 0.35 if len(text) <= 8 else 0

    def wrap(self, avail_w: float, avail_h: float) -> tuple[float, float]:
        self.width = avail_w
        return avail_w, self.size * 1.6

    def draw(self) -> None:
        c = self.canv
        width = stringWidth(self.text, FONT_NAME, self.size) + self.space * (len(self.text) - 1)
        t = c.beginText((self.width - width) / 2, self.size * 0.4)
        t.setFont(FONT_NAME, self.size)
        t.setCharSpace(self.space)
        t.setTextRenderMode(2)  # fill and stroke: a bold look from a regular face
        c.setLineWidth(self.size * 0.03)
        c.setStrokeColor(INK)
        c.setFillColor(INK)
        t.textOut(self.text)
        c.drawText(t)


class _IssuerBlock(Flowable):
    """Issuing office and date at the right, the specimen seal over them as a seal sits;
    a closing QR block (e.g. to follow progress) at the left with its caption beside it."""

    def __init__(self, issuer: str, issued: datetime, qr: FilledBlock | None) -> None:
        super().__init__()
        self.issuer, self.issued, self.qr = issuer, issued, qr
        self.caption = Paragraph(escape(qr.caption), _CAPTION) if qr else None

    def wrap(self, avail_w: float, avail_h: float) -> tuple[float, float]:
        self.width = avail_w
        return avail_w, 2 * _SEAL_RADIUS + 10 * mm

    def draw(self) -> None:
        c = self.canv
        right = self.width - 6 * mm
        date = f"{self.issued.year}年{self.issued.month}月{self.issued.day}日"
        seal_y = _SEAL_RADIUS + 7 * mm
        if self.qr is not None and self.caption is not None:
            draw_qr(c, 0, seal_y - _QR_BLOCK / 2, _QR_BLOCK, self.qr.text)
            _, h = self.caption.wrap(_CAPTION_W, _QR_BLOCK)
            self.caption.drawOn(c, _QR_BLOCK + 3 * mm, seal_y - h / 2)
        c.setFillColor(INK)
        c.setFont(FONT_NAME, 14)
        c.drawRightString(right, seal_y + 3 * mm, self.issuer)
        c.drawRightString(right, seal_y - 6 * mm, date)
        text_w = max(stringWidth(self.issuer, FONT_NAME, 14), stringWidth(date, FONT_NAME, 14))
        draw_specimen_seal(c, right - text_w / 2, seal_y, _SEAL_RADIUS, self.issuer, FONT_NAME)
        c.setFont(FONT_NAME, 10)
        c.setFillColor(GREY)
        c.drawRightString(right, 1 * mm, "印章为样章，仅作示意，不具法律效力")


class _Furniture:
    """What every page carries besides the content."""

    def __init__(self, f: FilledCertificate) -> None:
        self.f = f
        self.mark = f"仅供{f.purpose}使用 · 终端 {f.terminal_id}"

    def header_footer(self, c: Canvas, doc: BaseDocTemplate) -> None:
        f = self.f
        c.saveState()
        if doc.page > 1:
            c.setFont(FONT_NAME, 11)
            c.setFillColor(GREY)
            c.drawString(MARGIN_X, PAGE_H - MARGIN_TOP + 6 * mm, f"{f.title}（续）")
            c.drawRightString(PAGE_W - MARGIN_X, PAGE_H - MARGIN_TOP + 6 * mm,
                              f"证明编号：{f.code}")
        c.setStrokeColor(RULE)
        c.setLineWidth(0.6)
        c.line(MARGIN_X, FOOTER_TOP - 3 * mm, PAGE_W - MARGIN_X, FOOTER_TOP - 3 * mm)
        draw_qr(c, MARGIN_X, FOOTER_TOP - 6 * mm - _QR_FOOTER, _QR_FOOTER, f.verify_url)
        x = MARGIN_X + _QR_FOOTER + 5 * mm
        y = _FOOTER_FIRST_LINE
        expires = f.expires_on
        lines = [
            (10.5, INK, f"验证码：{f.code}　扫描左侧二维码核验真伪"),
            (10.5, INK, f"打印时间：{_when(f.printed_at)}　"
                        f"有效期至：{expires.year}年{expires.month}月{expires.day}日"
                        f"（{f.validity_days}天）"),
            (10, GREY, f"终端 {f.terminal_id} 自助打印　用途：{f.purpose}"),
            (7.5, GREY, "内容摘要(SM3)：" + " ".join(
                f.digest[i : i + 8] for i in range(0, len(f.digest), 8))),
        ]
        for size, color, text in lines:
            c.setFont(FONT_NAME, size)
            c.setFillColor(color)
            c.drawString(x, y, text)
            y -= _FOOTER_LINE_STEP
        c.restoreState()

    def watermark(self, c: Canvas, doc: BaseDocTemplate) -> None:
        c.saveState()
        c.setFillColor(WATERMARK)
        c.setFillAlpha(_WATERMARK_ALPHA)
        c.setFont(FONT_NAME, 20)
        c.rotate(35)
        # Tiles in the rotated frame, enough to cover the page's diagonal.
        for row, y in enumerate(range(-int(PAGE_W), int(PAGE_H + PAGE_W), int(62 * mm))):
            shift = (row % 2) * 60 * mm
            for x in range(-int(PAGE_H), int(PAGE_W + PAGE_H), int(125 * mm)):
                c.drawString(x + shift, y, self.mark)
        c.restoreState()


def _when(t: datetime) -> str:
    return f"{t.year}年{t.month}月{t.day}日 {t:%H:%M}"


class _NumberedCanvas(Canvas):
    """Keeps every page until the end, so each can say how many pages there are."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # noqa: N802 - reportlab's name
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self.setFont(FONT_NAME, 11)
            self.setFillColor(INK)
            # On the footer's third line, which is short: the first two run the full width.
            self.drawRightString(PAGE_W - MARGIN_X, _FOOTER_FIRST_LINE - 2 * _FOOTER_LINE_STEP,
                                 f"第 {self._pageNumber} 页 / 共 {total} 页")
            super().showPage()
        super().save()

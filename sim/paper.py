"""Paper for the simulated camera: invented documents rendered with Chinese text.

Each kind is what citizens put under a 高拍仪: a letter with a red seal, a filled-in form, the
two sides of an ID card (from the invented holders of ``sim.id_samples``), a colour
photo and a blank sheet. Rendering is deterministic for a (kind, seed) and cached, because
the simulated camera shows the same sheet for many frames.
"""

from __future__ import annotations

import functools
import math
import random

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from drivers.camera.formats import A4, ID_CARD, PageFormat
from drivers.escpos.fonts import find_cjk_font
from sim.id_samples import SAMPLE_CARDS

_PX_PER_MM = 150 / 25.4  # texture resolution: 150 dpi is finer than any camera frame of it
_INK = (30, 30, 34)
_BLUE_INK = (20, 50, 120)  # ballpoint blue (RGB)
_SEAL_RED = (200, 30, 36)

_TITLES = ("情况说明", "承诺书", "授权委托书", "居住证明", "收入证明", "申请书")
_PHRASES = (
    "根据有关规定", "本人自愿申请办理相关事项", "现将有关情况说明如下",
    "本人承诺所提供的材料真实有效",
    "如有虚假愿承担相应法律责任", "申请人因工作需要", "长期居住在本社区", "家庭成员情况如下",
    "特此证明", "请予以办理为盼", "经核实情况属实", "委托人因身体原因不能亲自到场",
    "受托人代为办理相关手续", "委托期限自签字之日起三个月", "联系电话见登记表",
    "所附材料共计三页", "办理地点为政务服务中心", "最多跑一次", "一件事一次办",
)
_FORM_FIELDS = ("姓名", "性别", "民族", "出生日期", "联系电话", "身份证号码", "现住址",
                "工作单位", "申请事项", "申请人签字")


@functools.cache
def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    found = find_cjk_font(bold)
    if found is None:
        return ImageFont.load_default(size=size)
    return ImageFont.truetype(found.path, size, index=found.index)


def _canvas(fmt: PageFormat, landscape: bool, colour: tuple[int, int, int]) -> Image.Image:
    w, h = fmt.long_mm, fmt.short_mm
    if not landscape:
        w, h = h, w
    return Image.new("RGB", (round(w * _PX_PER_MM), round(h * _PX_PER_MM)), colour)


_PICTURES: dict[str, np.ndarray] = {}


def show_picture(name: str, bgr: np.ndarray) -> None:
    """A flat picture (a printed 受理回执 with its QR, a phone's screen) becomes the paper
    ``name`` the camera can be shown (``SimulatedCamera.place(name)``)."""
    img = np.ascontiguousarray(bgr)
    img.setflags(write=False)
    _PICTURES[name] = img
    render_paper.cache_clear()


# A few sheets, not dozens: the simulated camera takes a new sheet (a new seed) at every
# placement, so a sheet is only ever asked for again while it lies under the camera, and an
# A4 sheet is 6.5 MB; 32 of them made a long-running kiosk on simulators grow by 200 MB.
@functools.lru_cache(maxsize=4)
def render_paper(kind: str, seed: int = 0) -> np.ndarray:
    """The flat sheet as a BGR image (read-only: it is shared by the cache)."""
    if kind in _PICTURES:
        return _PICTURES[kind]
    rng = random.Random(f"{kind}:{seed}")
    draw_fn = {
        "letter": _letter, "form": _form, "idcard_front": _id_front,
        "idcard_back": _id_back, "photo": _photo, "blank": _blank,
    }[kind]
    img = draw_fn(rng)
    out = np.ascontiguousarray(np.asarray(img)[:, :, ::-1])
    out.setflags(write=False)
    return out


def _paper_white(rng: random.Random) -> tuple[int, int, int]:
    warm = rng.randint(0, 10)  # recycled and office papers differ a little
    return (246 - warm // 3, 245 - warm // 2, 242 - warm)


def _blank(rng: random.Random) -> Image.Image:
    return _canvas(A4, False, _paper_white(rng))


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.ImageFont, width: float):
    line = ""
    for ch in text:
        if draw.textlength(line + ch, font=font) > width:
            yield line
            line = ""
        line += ch
    if line:
        yield line


def _letter(rng: random.Random) -> Image.Image:
    img = _canvas(A4, False, _paper_white(rng))
    d = ImageDraw.Draw(img)
    w, h = img.size
    margin = round(25 * _PX_PER_MM)
    d.text((w / 2, margin + 20), rng.choice(_TITLES), font=_font(48, True), fill=_INK,
           anchor="mm")
    body = _font(26)
    y = margin + 110
    for _ in range(rng.randint(3, 5)):
        para = "　　" + "，".join(rng.choice(_PHRASES) for _ in range(rng.randint(4, 9))) + "。"
        for line in _wrap(d, para, body, w - 2 * margin):
            if y > h - margin - 260:
                break
            d.text((margin, y), line, font=body, fill=_INK)
            y += 46
        y += 20
    d.text((w - margin - 330, h - margin - 200), "申请人（签字）：", font=body, fill=_INK)
    d.text((w - margin - 330, h - margin - 140),
           f"{rng.randint(2023, 2025)}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日",
           font=body, fill=_INK)
    _seal(d, (w - margin - 160, h - margin - 170), 95)
    return img


def _seal(d: ImageDraw.ImageDraw, centre: tuple[float, float], r: float) -> None:
    """A round red seal (公章): ring, star and the (invented) unit's name."""
    cx, cy = centre
    d.ellipse((cx - r, cy - r, cx + r, cy + r), outline=_SEAL_RED, width=7)
    star = [(cx + 0.35 * r * math.cos(math.pi / 2 + i * 4 * math.pi / 5),
             cy - 0.35 * r * math.sin(math.pi / 2 + i * 4 * math.pi / 5)) for i in range(5)]
    d.polygon(star, fill=_SEAL_RED)
    d.text((cx, cy + 0.55 * r), "示例社区居委会", font=_font(20, True), fill=_SEAL_RED,
           anchor="mm")


def _form(rng: random.Random) -> Image.Image:
    img = _canvas(A4, False, _paper_white(rng))
    d = ImageDraw.Draw(img)
    w, _h = img.size
    m = round(20 * _PX_PER_MM)
    d.text((w / 2, m + 30), "个人信息登记表", font=_font(46, True), fill=_INK, anchor="mm")
    card = rng.choice(list(SAMPLE_CARDS.values()))
    values = (card.name, card.sex_text, card.nation or "—", card.birth.isoformat(),
              f"1{rng.randint(3, 9)}{rng.randint(0, 9)}****{rng.randint(1000, 9999)}",
              card.id_number, card.address[:16], "示例科技有限公司", "居住证明", "")
    top, row_h, split = m + 100, 92, m + 300
    label_f, value_f = _font(28), _font(30)
    for i, (field, value) in enumerate(zip(_FORM_FIELDS, values, strict=True)):
        y = top + i * row_h
        d.rectangle((m, y, w - m, y + row_h), outline=_INK, width=3)
        d.line((split, y, split, y + row_h), fill=_INK, width=3)
        d.text((m + 20, y + row_h / 2), field, font=label_f, fill=_INK, anchor="lm")
        d.text((split + 24, y + row_h / 2), value, font=value_f, fill=_BLUE_INK, anchor="lm")
    y = top + len(_FORM_FIELDS) * row_h + 40
    for line in _wrap(d, "填表说明：" + "，".join(rng.sample(_PHRASES, 6)) + "。", _font(24),
                      w - 2 * m):
        d.text((m, y), line, font=_font(24), fill=_INK)
        y += 40
    return img


def _guilloche(d: ImageDraw.ImageDraw, w: int, h: int, colour: tuple[int, int, int]) -> None:
    for k in range(14):
        pts = [(x, h * (0.1 + 0.06 * k) + 12 * math.sin(x / 37 + k)) for x in range(0, w, 6)]
        d.line(pts, fill=colour, width=1)


def _id_front(rng: random.Random) -> Image.Image:
    img = _canvas(ID_CARD, True, (236, 240, 242))
    d = ImageDraw.Draw(img)
    w, h = img.size
    _guilloche(d, w, h, (214, 224, 232))
    card = SAMPLE_CARDS[rng.choice(("resident", "resident_long_term"))]
    lab, val = _font(17), _font(20)
    rows = ((26, "姓名", card.name), (66, "性别", f"{card.sex_text}     民族  {card.nation}"),
            (104, "出生", f"{card.birth.year}年{card.birth.month}月{card.birth.day}日"))
    for y, k, v in rows:
        d.text((34, y + 10), k, font=lab, fill=(70, 110, 150))
        d.text((90, y + 8), v, font=val, fill=_INK)
    d.text((34, 154), "住址", font=lab, fill=(70, 110, 150))
    for i, line in enumerate(_wrap(d, card.address, val, 250)):
        d.text((90, 150 + i * 28), line, font=val, fill=_INK)
    d.text((34, 268), "公民身份号码", font=lab, fill=(70, 110, 150))
    d.text((160, 264), card.id_number, font=_font(24), fill=_INK)
    px = w - 150
    d.rectangle((px, 40, px + 110, 180), fill=(222, 228, 234))
    d.ellipse((px + 30, 62, px + 80, 118), fill=(120, 120, 126))
    d.pieslice((px + 12, 122, px + 98, 220), 180, 360, fill=(120, 120, 126))
    return img


def _id_back(rng: random.Random) -> Image.Image:
    img = _canvas(ID_CARD, True, (238, 241, 238))
    d = ImageDraw.Draw(img)
    w, h = img.size
    _guilloche(d, w, h, (226, 220, 206))
    card = SAMPLE_CARDS[rng.choice(("resident", "resident_long_term"))]
    d.ellipse((34, 24, 124, 114), fill=(196, 32, 40))
    d.ellipse((58, 48, 100, 90), fill=(232, 190, 60))
    d.text((w / 2 + 60, 60), "中华人民共和国", font=_font(30, True), fill=_INK, anchor="mm")
    d.text((w / 2 + 40, 130), "居 民 身 份 证", font=_font(40, True), fill=_INK, anchor="mm")
    until = card.valid_to.strftime("%Y.%m.%d") if card.valid_to else "长期"
    lab, val = _font(17), _font(19)
    for y, k, v in ((214, "签发机关", card.authority),
                    (256, "有效期限", f"{card.valid_from:%Y.%m.%d}-{until}")):
        d.text((100, y), k, font=lab, fill=_INK)
        d.text((190, y - 2), v, font=val, fill=_INK)
    return img


def _photo(rng: random.Random) -> Image.Image:
    img = _canvas(A4, True, (120, 170, 220))
    d = ImageDraw.Draw(img)
    w, h = img.size
    for y in range(0, h // 2, 4):  # sky getting lighter towards the horizon
        t = y / (h / 2)
        d.rectangle((0, y, w, y + 4), fill=(int(90 + 120 * t), int(150 + 70 * t), 230))
    d.ellipse((w * 0.7, h * 0.1, w * 0.8, h * 0.1 + w * 0.1), fill=(250, 210, 80))
    for k in range(3):
        base = h * (0.5 + 0.1 * k)
        pts = [(x, base - 60 * math.sin(x / (180 + 40 * k) + rng.random() * 6))
               for x in range(0, w + 20, 20)]
        d.polygon([*pts, (w, h), (0, h)], fill=(40 + 30 * k, 120 - 20 * k, 50 + 10 * k))
    return img

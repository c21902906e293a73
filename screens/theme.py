"""Sizes and colours for normal and elder (大字) mode, as one Qt style sheet.

Pixel sizes assume the 1920×1080 21.5" panel of docs/UI.md (~102 dpi). Elder mode scales
every text size by 1.5 and shows at most four choices per screen.
"""

from __future__ import annotations

from dataclasses import dataclass

FONT_FAMILY = "Noto Sans CJK SC"

BLUE = "#0B57A4"  # primary actions (white text on it: 7.3:1)
BLUE_DARK = "#083F78"  # pressed state
INK = "#111827"  # body text on the light background (16:1)
MUTED = "#374151"  # secondary text (10:1 on BG)
BG = "#F3F5F8"
CARD = "#FFFFFF"
LINE = "#C8D0DB"
RED = "#A61B1B"  # errors only (7.0:1 on white)
GREEN = "#176B2C"  # "OK" status text (6.9:1 on white)
AMBER = "#8A4B00"  # warnings text (6.9:1 on white)
# A button that cannot be tapped: flat grey with a dashed edge, never the solid blue of an
# action (its word still readable: 4.6:1).
DISABLED_BG = "#E5E7EB"
DISABLED_INK = "#5B6472"


@dataclass(frozen=True)
class Palette:
    blue: str = BLUE
    blue_dark: str = BLUE_DARK
    ink: str = INK
    muted: str = MUTED
    bg: str = BG
    card: str = CARD
    line: str = LINE
    red: str = RED
    disabled_bg: str = DISABLED_BG
    disabled_ink: str = DISABLED_INK
    border: int = 2  # px, buttons' and tiles' edges


# 高对比: black on white, no grey words, darker blue, edges that stand out (every text
# ≥ 10:1; white on the blue 12:1).
HIGH_CONTRAST = Palette(blue="#00336B", blue_dark="#001F42", ink="#000000", muted="#000000",
                        bg="#FFFFFF", card="#FFFFFF", line="#000000", red="#8B0000",
                        disabled_bg="#E5E7EB", disabled_ink="#2B2B2B", border=3)


@dataclass(frozen=True)
class Theme:
    elder: bool = False
    contrast: bool = False  # 高对比

    @property
    def colours(self) -> Palette:
        return HIGH_CONTRAST if self.contrast else Palette()

    @property
    def scale(self) -> float:
        return 1.5 if self.elder else 1.0

    def px(self, normal: int) -> int:
        return round(normal * self.scale)

    # Text sizes (px). UI.md: titles ≥ 40, body ≥ 28, buttons ≥ 32 in normal mode.
    @property
    def title(self) -> int:
        return self.px(44)

    @property
    def body(self) -> int:
        return self.px(30)

    @property
    def button(self) -> int:
        return self.px(32)

    @property
    def small(self) -> int:
        # Header status and error codes: technicians read them, citizens need not, so
        # they do not grow in elder mode (that would push the header off a 1080 px screen).
        return 22

    @property
    def tiles_per_page(self) -> int:
        return 4 if self.elder else 6

    def style_sheet(self) -> str:
        c = self.colours
        b = c.border
        return f"""
QWidget {{ font-family: "{FONT_FAMILY}"; color: {c.ink}; font-size: {self.body}px; }}
#KioskWindow, #Content {{ background: {c.bg}; }}
#Header {{ background: {c.blue}; }}
#Header QLabel {{ color: white; font-size: {self.small}px; }}
#Header #HallName {{ font-size: 30px; font-weight: bold; }}
#Header #Badge {{ background: white; color: {c.blue}; border-radius: 8px; padding: 2px 10px;
                  font-weight: bold; }}
#Header #Clock {{ font-size: 26px; }}
#Header #Countdown {{ background: #FFF4CC; color: {c.ink}; border-radius: 8px;
                      padding: 0px 14px; font-size: {self.px(26) if not self.elder else 32}px;
                      font-weight: bold; }}
#Footer {{ background: {c.card}; border-top: 2px solid {c.line}; }}
#Footer QPushButton {{ min-width: 0px; }}
QLabel#Title {{ font-size: {self.title}px; font-weight: bold; }}
QLabel#Hint {{ font-size: {self.body}px; color: {c.muted}; }}
QLabel#Error {{ font-size: {self.body}px; color: {c.red}; font-weight: bold; }}
QLabel#ErrorCode {{ font-size: {self.small}px; color: {c.muted}; }}
QLabel#BigNumber {{ font-size: {self.px(150)}px; font-weight: bold; color: {c.blue}; }}
QPushButton {{
  font-size: {self.button}px; min-height: {self.px(88)}px; min-width: {self.px(150)}px;
  padding: 8px 24px; border-radius: 14px; border: {b}px solid {c.blue};
  background: {c.card}; color: {c.blue}; font-weight: bold; }}
QPushButton:pressed {{ background: #DCE7F5; }}
QPushButton[primary="true"] {{ background: {c.blue}; color: white; }}
QPushButton[primary="true"]:pressed {{ background: {c.blue_dark}; }}
QPushButton:checked {{ background: {c.blue}; color: white; }}
QPushButton#Tile {{
  background: {c.card}; color: {c.ink}; border: {b}px solid {c.line}; border-radius: 20px;
  font-size: {self.px(40)}px; padding: 16px; text-align: center; }}
QPushButton#Tile:pressed {{ background: #DCE7F5; border-color: {c.blue}; }}
QPushButton#Tile[primary="true"] {{ background: {c.blue}; color: white; border-color: {c.blue}; }}
QPushButton:disabled, QPushButton[primary="true"]:disabled, QPushButton:checked:disabled {{
  background: {c.disabled_bg}; color: {c.disabled_ink}; border: {b}px dashed {c.line}; }}
#Overlay {{ background: rgba(17, 24, 39, 170); }}
#Dialog {{ background: {c.card}; border-radius: 24px; }}
"""

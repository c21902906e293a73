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
class Theme:
    elder: bool = False

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
        return f"""
QWidget {{ font-family: "{FONT_FAMILY}"; color: {INK}; font-size: {self.body}px; }}
#KioskWindow, #Content {{ background: {BG}; }}
#Header {{ background: {BLUE}; }}
#Header QLabel {{ color: white; font-size: {self.small}px; }}
#Header #HallName {{ font-size: 30px; font-weight: bold; }}
#Header #Badge {{ background: white; color: {BLUE}; border-radius: 8px; padding: 2px 10px;
                  font-weight: bold; }}
#Header #Clock {{ font-size: 26px; }}
#Header #Countdown {{ background: #FFF4CC; color: {INK}; border-radius: 8px;
                      padding: 4px 14px; font-size: {self.px(26)}px; font-weight: bold; }}
#Footer {{ background: {CARD}; border-top: 2px solid {LINE}; }}
#Footer QPushButton {{ min-width: 0px; padding: 8px 10px; }}
QLabel#Title {{ font-size: {self.title}px; font-weight: bold; }}
QLabel#Hint {{ font-size: {self.body}px; color: {MUTED}; }}
QLabel#Error {{ font-size: {self.body}px; color: {RED}; font-weight: bold; }}
QLabel#ErrorCode {{ font-size: {self.small}px; color: {MUTED}; }}
QLabel#BigNumber {{ font-size: {self.px(150)}px; font-weight: bold; color: {BLUE}; }}
QPushButton {{
  font-size: {self.button}px; min-height: {self.px(88)}px; min-width: {self.px(150)}px;
  padding: 8px 24px; border-radius: 14px; border: 2px solid {BLUE};
  background: {CARD}; color: {BLUE}; font-weight: bold; }}
QPushButton:pressed {{ background: #DCE7F5; }}
QPushButton[primary="true"] {{ background: {BLUE}; color: white; }}
QPushButton[primary="true"]:pressed {{ background: {BLUE_DARK}; }}
QPushButton:checked {{ background: {BLUE}; color: white; }}
QPushButton#Tile {{
  background: {CARD}; color: {INK}; border: 2px solid {LINE}; border-radius: 20px;
  font-size: {self.px(40)}px; padding: 16px; text-align: center; }}
QPushButton#Tile:pressed {{ background: #DCE7F5; border-color: {BLUE}; }}
QPushButton#Tile[primary="true"] {{ background: {BLUE}; color: white; border-color: {BLUE}; }}
QPushButton:disabled, QPushButton[primary="true"]:disabled, QPushButton:checked:disabled {{
  background: {DISABLED_BG}; color: {DISABLED_INK}; border: 2px dashed {LINE}; }}
#Overlay {{ background: rgba(17, 24, 39, 170); }}
#Dialog {{ background: {CARD}; border-radius: 24px; }}
"""

"""Every ESC/POS byte value this project relies on, in one place (PROTOCOLS.md §4).

The builder (printer_templates/escpos.py), the status parser, the printer driver and the
virtual printer all take their byte values from here, so a model that differs from the spec
is corrected once. Values marked UNCERTAIN come from a single source.
"""

from __future__ import annotations

# Control bytes that start commands.
LF = 0x0A
CR = 0x0D
HT = 0x09
FF = 0x0C
NUL = 0x00
DLE = 0x10
EOT = 0x04
ESC = 0x1B
FS = 0x1C
GS = 0x1D

# Commands sent by the builder (prefix bytes; parameters are appended by the caller).
INIT = bytes([ESC, ord("@")])
CHINESE_ON = bytes([FS, ord("&")])
CHINESE_OFF = bytes([FS, ord(".")])
# Select character encoding system: FS ( C pL pH fn m, fn 0x30; m 1 = one-byte code pages,
# m 2 = UTF-8. Epson-documented; Chinese models that take UTF-8 vary (UNCERTAIN).
ENCODING_SYSTEM = bytes([FS, ord("("), ord("C")])
ENCODING_SYSTEM_FN = 0x30
ENCODING_ONE_BYTE = 1
ENCODING_UTF8 = 2
ALIGN = bytes([ESC, ord("a")])
ALIGN_CODES = {"left": 0, "center": 1, "right": 2}
BOLD = bytes([ESC, ord("E")])
CHAR_SIZE = bytes([GS, ord("!")])  # n = (width-1) << 4 | (height-1)
CHAR_SIZE_MAX = 8
PRINT_MODE = bytes([ESC, ord("!")])  # bit3 bold, bit4 double height, bit5 double width
PRINT_MODE_BOLD = 0x08
PRINT_MODE_DOUBLE_HEIGHT = 0x10
PRINT_MODE_DOUBLE_WIDTH = 0x20
FEED_LINES = bytes([ESC, ord("d")])  # ESC d n: print, then feed n lines
FEED_DOTS = bytes([ESC, ord("J")])  # ESC J n: print, then feed n dots
LINE_SPACING_DEFAULT = bytes([ESC, ord("2")])
LINE_SPACING_SET = bytes([ESC, ord("3")])

# QR code: GS ( k pL pH cn fn [params], cn = 0x31 selects QR.
QR_PREFIX = bytes([GS, ord("("), ord("k")])
QR_CN = 0x31
QR_FN_MODEL = 0x41  # params: n1 n2 (n1 = 0x31 model 1, 0x32 model 2; n2 = 0)
QR_FN_SIZE = 0x43  # param: module size in dots, 1..16
QR_FN_ECC = 0x45  # param: 0x30..0x33 = L/M/Q/H
QR_FN_STORE = 0x50  # param: m = 0x30, then the data; pL+256*pH = len(data) + 3
QR_FN_PRINT = 0x51  # param: m = 0x30
QR_MODEL_1 = 0x31
QR_MODEL_2 = 0x32
QR_SIZE_RANGE = range(1, 17)
QR_ECC_CODES = {"L": 0x30, "M": 0x31, "Q": 0x32, "H": 0x33}
QR_STORE_M = 0x30
QR_STORE_OVERHEAD = 3  # cn, fn, m are counted in pL/pH along with the data
QR_MAX_DATA = 7089  # the largest QR symbol (version 40, numeric, level L)

# Cutting: GS V m [n].
CUT = bytes([GS, ord("V")])
CUT_FULL = 0x00
CUT_PARTIAL = 0x01
CUT_FULL_ASCII = 0x30  # some hosts send '0'/'1' for the same functions
CUT_PARTIAL_ASCII = 0x31
CUT_FEED_FULL = 0x41  # feed to the cutter + n motion units, then full cut
CUT_FEED_PARTIAL = 0x42

# Raster bit image: GS v 0 m xL xH yL yH data (x in bytes, y in dots, 1 bit = black).
RASTER = bytes([GS, ord("v"), ord("0")])
# Rows per GS v 0 command: printers buffer a whole command before printing it, and small
# models have a few KB (UNCERTAIN, model-dependent); 96 rows of 72 bytes is under 7 KB.
RASTER_STRIP_ROWS = 96

# Real-time status: DLE EOT n. Every reply byte has fixed bits 0xx1xx10.
STATUS_REQUEST = bytes([DLE, EOT])
STATUS_PRINTER = 1
STATUS_OFFLINE_CAUSE = 2
STATUS_ERROR_CAUSE = 3
STATUS_PAPER = 4
STATUS_FIXED_MASK = 0b1001_0011
STATUS_FIXED_VALUE = 0b0001_0010
STATUS_BIT_OFFLINE = 0x08  # n=1
STATUS_BIT_COVER_OPEN = 0x04  # n=2
STATUS_BIT_PAPER_STOP = 0x20  # n=2: printing stopped at paper end
STATUS_BIT_ERROR = 0x40  # n=2
STATUS_BIT_CUTTER = 0x08  # n=3
STATUS_BIT_UNRECOVERABLE = 0x20  # n=3
STATUS_BIT_AUTO_RECOVERABLE = 0x40  # n=3, model-dependent
STATUS_BITS_NEAR_END = 0x0C  # n=4
STATUS_BITS_PAPER_END = 0x60  # n=4

# Transmit paper sensor status: GS r 1. Unlike DLE EOT it is processed in stream order,
# after everything sent before it, so its reply marks "the job before it was processed".
# A printer at paper end stalls and may never answer it. Reply bits 4 and 7 are fixed 0,
# which tells it apart from a DLE EOT reply (bit 4 fixed 1).
PAPER_SENSOR_REQUEST = bytes([GS, ord("r"), 1])
PAPER_SENSOR_FIXED_MASK = 0b1001_0000
PAPER_SENSOR_FIXED_VALUE = 0
PAPER_SENSOR_BITS_NEAR_END = 0x03
PAPER_SENSOR_BITS_PAPER_END = 0x0C

# Print geometry at 203 dpi (8 dots/mm), font A 12x24: 80 mm paper prints 72 mm (576 dots),
# 58 mm paper prints 48 mm (384 dots).
PAPER_WIDTH_DOTS = 576
PAPER_WIDTH_DOTS_BY_MM = {58: 384, 80: 576}
FONT_A_HALF_WIDTH = 12
FONT_A_FULL_WIDTH = 24
FONT_A_HEIGHT = 24
DEFAULT_LINE_SPACING = 30  # dots; ESC 2 default on most Chinese models (UNCERTAIN)
# The print head sits behind the cutter, so every page starts with this much blank paper.
HEAD_TO_CUTTER_DOTS = 96  # 12 mm; model-dependent (UNCERTAIN), used only for drawing

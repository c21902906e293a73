"""Raster images (GS v 0 in strips, the logo) and the USB transport's addressing and failure."""

from __future__ import annotations

import pytest
from PIL import Image

from drivers.base import DeviceGone
from drivers.escpos import spec
from drivers.escpos.render import render_escpos
from drivers.escpos.transport import make_transport, open_transport
from drivers.escpos.usb import UsbTransport
from printer_templates.acceptance_receipt import LOGO_PATH
from printer_templates.escpos import EscPosBuilder


def test_raster_image_literal_bytes() -> None:
    img = Image.new("1", (10, 2), 1)  # 10 dots wide: 2 bytes per row, padded with white
    img.putpixel((0, 0), 0)
    img.putpixel((9, 1), 0)
    assert EscPosBuilder().image(img).to_bytes() == bytes.fromhex(
        "1D 76 30 00 02 00 02 00"  # m=0, 2 bytes x 2 rows
        "80 00"  # dot 0 of row 0 is black
        "00 40"  # dot 9 of row 1 is black
    )


def test_tall_image_goes_in_strips_and_prints_whole() -> None:
    img = Image.new("L", (64, 250), 255)
    img.paste(0, (0, 0, 64, 250))  # solid black
    data = EscPosBuilder().image(img).to_bytes()
    rows = spec.RASTER_STRIP_ROWS
    assert data.count(spec.RASTER) == 3  # 96 + 96 + 58 rows
    assert spec.RASTER + bytes([0, 8, 0, rows, 0]) in data
    (page,) = render_escpos(data)
    ink = page.convert("L").point(lambda v: 255 - v).getbbox()
    assert ink is not None and ink[3] - ink[1] == 250  # no gaps, no lost rows


def test_image_wider_than_the_paper_is_scaled_to_fit() -> None:
    data = EscPosBuilder(width_dots=384).image(Image.new("L", (800, 100), 0)).to_bytes()
    assert data[:8] == spec.RASTER + bytes([0, 48, 0, 48, 0])  # 384 dots = 48 bytes, 48 rows


def test_logo_prints_dark_on_light_at_the_top() -> None:
    with Image.open(LOGO_PATH) as logo:
        data = EscPosBuilder().init().align("center").image(logo).cut().to_bytes()
        width = logo.width
        logo_top = logo.convert("L").point(lambda v: 255 - v).getbbox()[1]
    (page,) = render_escpos(data)
    left, top, right, _ = page.convert("L").point(lambda v: 255 - v).getbbox()
    margin = (spec.PAPER_WIDTH_DOTS - width) // 2  # centred as a whole image
    assert margin <= left and right <= margin + width and right - left > width * 0.8
    assert top == spec.HEAD_TO_CUTTER_DOTS + logo_top  # first thing on the paper


@pytest.mark.parametrize(
    ("url", "ids", "eps"),
    [
        ("usb://0416:5011", (0x0416, 0x5011), (None, None)),
        ("usb://04B8:0E15?in=0x82&out=0x01", (0x04B8, 0x0E15), (0x82, 0x01)),
    ],
)
def test_usb_address_forms(url: str, ids: tuple[int, int], eps: tuple) -> None:
    t = make_transport(url, timeout=1.0)
    assert isinstance(t, UsbTransport)
    assert (t.vendor, t.product) == ids and (t.in_ep, t.out_ep) == eps
    assert not t.is_open


@pytest.mark.parametrize("url", ["usb://416:5011", "usb://printer", "usb://0416:5011:1"])
def test_bad_usb_address_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="usb://VID:PID"):
        make_transport(url, timeout=1.0)


def test_absent_usb_printer_is_gone_not_a_crash() -> None:
    # Runs python-escpos's Usb and pyusb for real: no device with this id is attached.
    with pytest.raises(DeviceGone) as err:
        open_transport("usb://ffff:fffe", timeout=1.0)
    assert err.value.code == "printer.gone" and "ffff:fffe" in err.value.tech

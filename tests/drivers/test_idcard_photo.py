"""The WLT photo hook: a vendor library loaded with ctypes, a neutral placeholder without one.

No vendor library can ship with the tests, so each test compiles a stand-in with the same
ABI (drivers/idcard/photo.py: ``int unpack(char *wlt, char *bmp, int bmp_save)``).
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from drivers.idcard.errors import IdCardError
from drivers.idcard.photo import BMP_BYTES, WltDecoder, placeholder_bmp, portrait
from kiosk.config import ConfigError, parse_config
from sim.id_samples import SAMPLE_CARDS
from sim.sam import SamSimulator

STAND_IN = r"""
#include <string.h>
int unpack(const unsigned char *wlt, unsigned char *bmp, int bmp_save) {
    if (wlt[0] == 0xFF || bmp_save != 1) return -1;
    memset(bmp, 0, %(size)d);
    bmp[0] = 'B'; bmp[1] = 'M';
    for (int i = 54; i < %(size)d; i++) bmp[i] = wlt[i %% 1024];
    return 1;
}
"""
PHOTO = SAMPLE_CARDS["resident"].photo


def compile_library(tmp_path: Path, source: str) -> str:
    cc = shutil.which("cc") or shutil.which("gcc")
    assert cc, "a C compiler is needed (scripts/bootstrap.sh installs gcc)"
    src, lib = tmp_path / "wlt.c", tmp_path / "libwlt-standin.so"
    src.write_text(source, encoding="ascii")
    subprocess.run([cc, "-shared", "-fPIC", "-o", str(lib), str(src)], check=True)
    return str(lib)


@pytest.fixture
def library(tmp_path: Path) -> str:
    return compile_library(tmp_path, STAND_IN % {"size": BMP_BYTES})


def bmp_size(bmp: bytes) -> tuple[int, int, int]:
    width, height, _, bits = struct.unpack_from("<iiHH", bmp, 18)
    return width, height, bits


def test_the_vendor_library_decodes_the_photo(library: str) -> None:
    image, decoded = portrait(PHOTO, WltDecoder(library))
    assert decoded and len(image) == BMP_BYTES and image[:2] == b"BM"
    assert image[54 + 700] == PHOTO[(54 + 700) % 1024]  # the bytes went through the library


def test_without_a_decoder_or_when_it_fails_a_placeholder_is_shown(library: str) -> None:
    assert portrait(PHOTO, None) == (placeholder_bmp(), False)
    assert portrait(b"\xff" + PHOTO[1:], WltDecoder(library)) == (placeholder_bmp(), False)
    assert bmp_size(placeholder_bmp()) == (102, 126, 24)
    assert len(placeholder_bmp()) == BMP_BYTES


def test_a_library_that_is_not_a_wlt_decoder_is_refused(tmp_path: Path) -> None:
    other = compile_library(tmp_path, "int something_else(void) { return 0; }\n")
    for path in (other, str(tmp_path / "missing.so")):
        with pytest.raises(IdCardError) as info:
            WltDecoder(path)
        assert info.value.code == "idcard.photo_decoder"


def test_the_config_key_wants_an_existing_library(library: str, tmp_path: Path) -> None:
    assert parse_config(f'[devices.idcard]\nphoto_decoder = "{library}"\n')
    with pytest.raises(ConfigError, match="photo_decoder"):
        parse_config(f'[devices.idcard]\nphoto_decoder = "{tmp_path / "none.so"}"\n')


def test_the_read_command_says_whether_the_photo_decodes(library: str, tmp_path: Path) -> None:
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text(f'[data]\ndir = "{tmp_path / "data"}"\n'
                   f'[devices.idcard]\nphoto_decoder = "{library}"\n', encoding="utf-8")
    with SamSimulator(link_path=str(tmp_path / "sam")) as sim:
        sim.place_card(SAMPLE_CARDS["resident"])
        r = subprocess.run([sys.executable, "-m", "kiosk.cli", "--config", str(cfg), "device",
                            "idcard", "read", "--port", str(sim.link_path)],
                           capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert f"decoded by {library} (102x126)" in r.stdout

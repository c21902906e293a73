"""The native SM4-GCM (offline_cache/_sm4gcm.c) against OpenSSL's, and the derivation of
its S-box constants. Skipped where it is not built or the CPU lacks GFNI (then the kiosk
uses OpenSSL's SM4 and these bytes never differ)."""

from __future__ import annotations

import os
import random
import re
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from offline_cache import crypto
from offline_cache.crypto import Sealer, SealError

_sm4gcm = pytest.importorskip("offline_cache._sm4gcm")
pytestmark = pytest.mark.skipif(not _sm4gcm.supported(), reason="CPU without AVX2/GFNI")

SOURCE = Path(crypto.__file__).with_name("_sm4gcm.c").read_text()


def openssl_seal(key: bytes, nonce: bytes, aad: bytes, data: bytes) -> bytes:
    enc = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    enc.authenticate_additional_data(aad)
    return enc.update(data) + enc.finalize() + enc.tag


def test_the_sm4_gcm_example_of_rfc_8998():
    # RFC 8998 (ShangMi cipher suites for TLS 1.3), appendix A.1.
    key = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
    nonce = bytes.fromhex("00001234567800000000ABCD")
    aad = bytes.fromhex("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2")
    text = bytes.fromhex("AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD"
                         "EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA")
    sealed = bytes.fromhex("17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735"
                           "D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D"
                           "83DE3541E4C2B58177E065A9BF7B62EC")
    assert _sm4gcm.seal(key, nonce, aad, text) == sealed
    assert _sm4gcm.open(key, nonce, aad, sealed) == text


@pytest.mark.parametrize("size", [0, 1, 15, 16, 17, 127, 128, 129, 1000, 65_536, 300_001])
@pytest.mark.parametrize("aad_size", [0, 1, 16, 21, 200])
def test_the_same_bytes_as_openssl(size, aad_size):
    rng = random.Random(size * 1000 + aad_size)
    key, nonce = rng.randbytes(16), rng.randbytes(12)
    aad, data = rng.randbytes(aad_size), rng.randbytes(size)
    sealed = _sm4gcm.seal(key, nonce, aad, data)
    assert sealed == openssl_seal(key, nonce, aad, data)
    assert _sm4gcm.open(key, nonce, aad, sealed) == data


def test_any_change_is_refused():
    key, nonce, aad, data = os.urandom(16), os.urandom(12), b"case/abc", os.urandom(5000)
    sealed = _sm4gcm.seal(key, nonce, aad, data)
    for where in (0, 2500, len(sealed) - 17, len(sealed) - 1):  # text, tag
        bad = bytearray(sealed)
        bad[where] ^= 0x01
        with pytest.raises(ValueError, match="authentication failed"):
            _sm4gcm.open(key, nonce, aad, bytes(bad))
    for k, n, a in ((os.urandom(16), nonce, aad), (key, os.urandom(12), aad),
                    (key, nonce, b"case/abd")):
        with pytest.raises(ValueError, match="authentication failed"):
            _sm4gcm.open(k, n, a, sealed)
    with pytest.raises(ValueError, match="authentication failed"):
        _sm4gcm.open(key, nonce, aad, sealed[:15])
    with pytest.raises(ValueError, match="16-byte key"):
        _sm4gcm.seal(key[:15], nonce, aad, data)


def test_the_store_opens_what_either_implementation_sealed(monkeypatch):
    master = os.urandom(32)
    native = Sealer(master).seal(b"\xe5\xbc\xa0\xe4\xb8\x89 scan" * 1000, b"case-1")
    monkeypatch.setattr(crypto, "NATIVE_SM4", False)
    openssl = Sealer(master)
    assert openssl.open(native, b"case-1") == b"\xe5\xbc\xa0\xe4\xb8\x89 scan" * 1000
    other = openssl.seal(b"form", b"case-2")
    monkeypatch.setattr(crypto, "NATIVE_SM4", True)
    assert Sealer(master).open(other, b"case-2") == b"form"
    with pytest.raises(SealError, match="authentication failed"):
        Sealer(master).open(other, b"case-3")


# --- where the constants come from --------------------------------------------------------
def _gmul(a: int, b: int, poly: int) -> int:
    r = 0
    while b:
        if b & 1:
            r ^= a
        b >>= 1
        a <<= 1
        if a & 0x100:
            a ^= poly
    return r


def _ginv(a: int, poly: int) -> int:
    return next((b for b in range(1, 256) if _gmul(a, b, poly) == 1), 0)


def _apply(rows: list[int], x: int) -> int:
    return sum((bin(rows[i] & x).count("1") & 1) << i for i in range(8))


def _matrix(f) -> list[int]:  # the rows of a GF(2)-linear map on bytes
    cols = [f(1 << j) for j in range(8)]
    return [sum(((cols[j] >> i) & 1) << j for j in range(8)) for i in range(8)]


def test_the_s_box_constants_are_sm4s_s_box_moved_into_aes_field():
    """SM4's S-box is S(x) = A·inv(A·x ⊕ 0xD3) ⊕ 0xD3, the inverse taken in GF(2^8) modulo
    x^8+x^7+x^6+x^5+x^4+x^2+1 (0x1F5). GFNI inverts modulo AES's 0x11B, so the field
    isomorphism T (x ↦ β, β a root of 0x1F5 in AES's field) folds into the two affine maps:
    S(x) = (A·T⁻¹)·inv_AES((T·A)·x ⊕ T·0xD3) ⊕ 0xD3."""
    sbox = [int(b, 16) for b in re.findall(r"0x([0-9a-f]{2})", SOURCE.split("SBOX[256] = {")[1]
                                           .split("};")[0])]
    a_rows = [0xA7, 0x4F, 0x9E, 0x3D, 0x7A, 0xF4, 0xE9, 0xD3]  # circulant: A·x
    assert all(_apply(a_rows, _ginv(_apply(a_rows, x) ^ 0xD3, 0x1F5)) ^ 0xD3 == sbox[x]
               for x in range(256))

    def at(poly: int, beta: int) -> int:  # the polynomial with these coefficient bits at β
        out, power = 0, 1
        for k in range(9):
            if poly >> k & 1:
                out ^= power
            power = _gmul(power, beta, 0x11B)
        return out

    beta = next(b for b in range(2, 256) if at(0x1F5, b) == 0)

    def t(x: int) -> int:  # x as a polynomial of SM4's field, carried to AES's
        return at(x, beta)

    t_inv = {t(x): x for x in range(256)}
    m1 = _matrix(lambda x: t(_apply(a_rows, x)))
    m2 = _matrix(lambda y: _apply(a_rows, t_inv[y]))

    def qword(rows: list[int]) -> int:  # GF2P8AFFINEQB: output bit i uses byte 7 - i
        return sum(rows[i] << 8 * (7 - i) for i in range(8))

    constants = dict(re.findall(r"#define (A1|B1|A2|B2) (0x[0-9a-f]+)", SOURCE))
    assert int(constants["A1"], 16) == qword(m1) and int(constants["B1"], 16) == t(0xD3)
    assert int(constants["A2"], 16) == qword(m2) and int(constants["B2"], 16) == 0xD3

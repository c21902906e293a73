"""Encryption at rest: SM4-GCM by default, AES-GCM selectable, a 0600 key per terminal."""

from __future__ import annotations

import os
import stat

import pytest

from offline_cache.crypto import Sealer, SealError, load_or_create_key

SECRET_TEXT = "王小明 110105194912310021".encode()


@pytest.mark.parametrize("cipher", ["sm4-gcm", "aes-gcm"])
def test_sealed_data_hides_the_plaintext_and_opens_only_in_its_place(cipher):
    s = Sealer(os.urandom(32), cipher)
    sealed = s.seal(SECRET_TEXT, b"case-1")
    assert SECRET_TEXT not in sealed and "王小明".encode() not in sealed
    assert s.open(sealed, b"case-1") == SECRET_TEXT
    with pytest.raises(SealError):
        s.open(sealed, b"case-2")  # copied onto another record: refused, not shown
    tampered = sealed[:-1] + bytes([sealed[-1] ^ 1])
    with pytest.raises(SealError):
        s.open(tampered, b"case-1")
    with pytest.raises(SealError):
        Sealer(os.urandom(32), cipher).open(sealed, b"case-1")  # another terminal's key


def test_switching_cipher_keeps_older_data_readable():
    key = os.urandom(32)
    old = Sealer(key, "sm4-gcm").seal(b"form", b"a")
    assert Sealer(key, "aes-gcm").open(old, b"a") == b"form"


def test_sm4_output_is_real_sm4_gcm():
    """Cross-check the framing against cryptography's SM4-GCM used directly."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    master = os.urandom(32)
    sealed = Sealer(master, "sm4-gcm").seal(b"hello", b"aad")
    key = HKDF(hashes.SHA256(), 16, None, b"gov-kiosk store sm4-gcm").derive(master)
    head, nonce, body = sealed[:16], sealed[4:16], sealed[16:]
    dec = Cipher(algorithms.SM4(key), modes.GCM(nonce, body[-16:])).decryptor()
    dec.authenticate_additional_data(head + b"aad")
    assert dec.update(body[:-16]) + dec.finalize() == b"hello"


def test_key_file_is_made_once_and_only_its_owner_may_read_it(tmp_path):
    path = tmp_path / "keys" / "store.key"
    key = load_or_create_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_key(path) == key  # a second start reads, never replaces
    path.chmod(0o644)
    assert load_or_create_key(path) == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_damaged_key_file_is_an_error_not_a_new_key(tmp_path):
    path = tmp_path / "store.key"
    path.write_bytes(b"short")
    path.chmod(0o600)
    with pytest.raises(SealError, match="damaged"):
        load_or_create_key(path)

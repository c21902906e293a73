"""Encryption at rest: SM4-GCM (GB/T 32907 block cipher in GCM mode) or AES-GCM.

Each terminal has its own 32-byte master key in a key file only the kiosk's user may read
(0600). The cipher key is derived from it with HKDF per cipher, so switching the
configured cipher keeps older data readable: every sealed value starts with a header that
names the cipher it was sealed with.

Sealed format: ``b"KS1" | cipher id (1) | nonce (12) | ciphertext | tag (16)``. The
associated data binds a value to its place (e.g. the case id and the attachment hash), so a
sealed blob copied onto another record fails to open instead of showing the wrong data.

SM4-GCM runs in ``offline_cache/_sm4gcm.c`` where the CPU has GFNI (about 4-5 times
OpenSSL's table-based SM4, and without its cache-timing leak), else through OpenSSL. Both
give the same bytes.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from offline_cache import keystore
from offline_cache.durable import create_exclusive

try:
    from offline_cache import _sm4gcm
except ImportError:  # not built: no C compiler when installed
    _sm4gcm = None

log = logging.getLogger(__name__)
NATIVE_SM4 = _sm4gcm is not None and _sm4gcm.supported()

CIPHERS = ("sm4-gcm", "aes-gcm")
_MAGIC = b"KS1"
_IDS = {"sm4-gcm": 1, "aes-gcm": 2}
_NONCE = 12
_TAG = 16
_HEADER = len(_MAGIC) + 1 + _NONCE
SEAL_OVERHEAD = _HEADER + _TAG  # bytes a sealed value is longer than its plaintext
MASTER_KEY_BYTES = 32


class SealError(Exception):
    """A sealed value could not be opened: wrong key, tampered or truncated data."""


def _derive(master: bytes, cipher: str) -> bytes:
    size = 16 if cipher == "sm4-gcm" else 32
    return HKDF(hashes.SHA256(), size, salt=None, info=f"gov-kiosk store {cipher}".encode()
                ).derive(master)


class Sealer:
    def __init__(self, master: bytes, cipher: str = "sm4-gcm") -> None:
        if cipher not in CIPHERS:
            raise ValueError(f"unknown cipher {cipher!r}; allowed: {', '.join(CIPHERS)}")
        if len(master) != MASTER_KEY_BYTES:
            raise ValueError("the master key must be 32 bytes")
        self.cipher = cipher
        self._keys = {name: _derive(master, name) for name in CIPHERS}
        self._aes = AESGCM(self._keys["aes-gcm"])

    @classmethod
    def from_key_file(cls, path: Path, cipher: str = "sm4-gcm") -> Sealer:
        return cls(load_or_create_key(path), cipher)

    def seal(self, plaintext: bytes, aad: bytes) -> bytes:
        nonce = os.urandom(_NONCE)
        head = _MAGIC + bytes([_IDS[self.cipher]]) + nonce
        if self.cipher == "aes-gcm":
            return head + self._aes.encrypt(nonce, plaintext, head + aad)
        if NATIVE_SM4:
            return head + _sm4gcm.seal(self._keys["sm4-gcm"], nonce, head + aad, plaintext)
        enc = Cipher(algorithms.SM4(self._keys["sm4-gcm"]), modes.GCM(nonce)).encryptor()
        enc.authenticate_additional_data(head + aad)
        return head + enc.update(plaintext) + enc.finalize() + enc.tag

    def open(self, sealed: bytes, aad: bytes) -> bytes:
        if len(sealed) < _HEADER + _TAG or sealed[:3] != _MAGIC:
            raise SealError("not a sealed value (bad header or too short)")
        cid = sealed[3]
        head, nonce, body = sealed[:_HEADER], sealed[4:_HEADER], sealed[_HEADER:]
        try:
            if cid == _IDS["aes-gcm"]:
                return self._aes.decrypt(nonce, body, head + aad)
            if cid != _IDS["sm4-gcm"]:
                raise SealError(f"unknown cipher id {cid}")
            if NATIVE_SM4:
                return _sm4gcm.open(self._keys["sm4-gcm"], nonce, head + aad, body)
            dec = Cipher(algorithms.SM4(self._keys["sm4-gcm"]),
                         modes.GCM(nonce, body[-_TAG:])).decryptor()
            dec.authenticate_additional_data(head + aad)
            return dec.update(body[:-_TAG]) + dec.finalize()
        except (InvalidTag, ValueError):  # ValueError: the native SM4-GCM's refusal
            raise SealError("authentication failed: wrong key or tampered data") from None


def load_or_create_key(path: Path, protection: str = "file") -> bytes:
    """The master key at ``path``; made on first use. With ``protection`` "systemd-creds"
    (or "auto" where it works) it is kept sealed by the OS as ``<path>.cred`` only (a plain
    key found there is sealed and its file removed); else as a 0600 file, wider
    permissions narrowed. A ``.cred`` present is always what is used."""
    cred = keystore.cred_path(path)
    if cred.exists():
        key = keystore.unseal(cred)
        if len(key) != MASTER_KEY_BYTES:
            raise SealError(f"sealed key {cred} is damaged ({len(key)} bytes, expected 32)")
        return key
    if keystore.wanted(protection):
        key = _load_plain(path) if path.exists() else os.urandom(MASTER_KEY_BYTES)
        keystore.seal(key, cred)
        if path.exists():
            path.unlink()  # now only sealed
            log.warning("key file %s sealed with systemd-creds into %s", path, cred.name)
        return key
    if not path.exists():
        create_exclusive(path, os.urandom(MASTER_KEY_BYTES), mode=0o600)
    return _load_plain(path)


def _load_plain(path: Path) -> bytes:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        log.warning("key file %s was readable by others (%o); narrowed to 0600", path, mode)
        path.chmod(0o600)
    key = path.read_bytes()
    if len(key) != MASTER_KEY_BYTES:
        raise SealError(f"key file {path} is damaged ({len(key)} bytes, expected 32)")
    return key

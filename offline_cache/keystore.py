"""The terminal's master key, sealed by the operating system where it can be.

A key file beside the data it protects protects nothing once the folder is copied. Where
``systemd-creds`` works, the key is kept only as ``store.key.cred``: encrypted by systemd
with the TPM2 chip if the machine has one, else with the host's own credential key
(``/var/lib/systemd/credential.secret``, root's alone), so the file opens on this machine
only. Where it does not (no systemd, not root), the key stays a 0600 file, the labelled
fallback that ``kiosk doctor`` warns about.
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import subprocess
from pathlib import Path

log = logging.getLogger(__name__)

CRED_NAME = "kiosk-store-key"  # bound into the credential: it opens under this name only
SECRET_CRED_NAME = "kiosk-terminal-secret"
_TIMEOUT = 20.0


class KeystoreError(Exception):
    """The operating system would not seal or unseal the key."""


def cred_path(key_path: Path) -> Path:
    return key_path.with_name(key_path.name + ".cred")


def _run(args: list[str], data: bytes) -> bytes:
    try:
        done = subprocess.run(["systemd-creds", *args], input=data, capture_output=True,
                              timeout=_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise KeystoreError(f"systemd-creds could not run ({e})") from None
    if done.returncode != 0:
        why = done.stderr.decode(errors="replace").strip().splitlines()
        raise KeystoreError(f"systemd-creds {args[0]} failed: {why[-1] if why else '?'}")
    return done.stdout


def seal(key: bytes, path: Path, name: str = CRED_NAME) -> None:
    """Write ``key`` sealed to ``path`` (0600), through a temporary file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    blob = _run(["encrypt", f"--name={name}", "-", "-"], key)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(blob)
        f.flush()
        os.fsync(f.fileno())
    if unseal(tmp, name) != key:
        tmp.unlink()
        raise KeystoreError("the sealed key does not open to the same key")
    os.replace(tmp, path)


def unseal(path: Path, name: str = CRED_NAME) -> bytes:
    return _run(["decrypt", f"--name={name}", str(path), "-"], b"")


def wanted(protection: str) -> bool:
    """Whether a key or secret under ``protection`` ("auto", "systemd-creds", "file") is to
    be sealed by the OS here."""
    return protection == "systemd-creds" or (protection == "auto" and not why_not())


@functools.cache
def why_not() -> str:
    """Why systemd-creds cannot keep the key here ("" when it can; doctor says it)."""
    if shutil.which("systemd-creds") is None:
        return "systemd-creds is not installed"
    try:
        probe = os.urandom(16)
        sealed = _run(["encrypt", f"--name={CRED_NAME}", "-", "-"], probe)
        tmp = Path(os.environ.get("TMPDIR", "/tmp")) / f"kiosk-creds-probe-{os.getpid()}"
        tmp.write_bytes(sealed)
        try:
            ok = unseal(tmp) == probe
        finally:
            tmp.unlink(missing_ok=True)
    except KeystoreError as e:
        return str(e)
    return "" if ok else "systemd-creds does not give back what it sealed"

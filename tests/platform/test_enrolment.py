"""Enrolment, rotation, revocation (security issue, item 5): a kiosk joins with a one-time
token, a secret is never made silently for a real platform, and a revoked terminal is
refused from its very next request."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.config import parse_config
from kiosk.link import SecretMissing, terminal_secret
from offline_cache.client import PlatformRefused
from tests.platform.harness import SECRET, TERMINAL, cli_db, make_client


def kiosk_config(tmp_path, url: str, terminal: str = "T-0009", extra: str = "") -> str:
    path = tmp_path / "kiosk.toml"
    path.write_text(f'[data]\ndir = "{(tmp_path / "data").as_posix()}"\n[terminal]\n'
                    f'id = "{terminal}"\n[platform]\nurl = "{url}"\n{extra}', encoding="utf-8")
    return str(path)


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kiosk.cli", *args], capture_output=True,
                          text=True, timeout=60)


def test_a_kiosk_enrols_once_with_a_token_and_then_talks_to_its_platform(tmp_path, platform,
                                                                          capsys):
    token = platform.store.issue_token("T-0009")
    cfg = kiosk_config(tmp_path, platform.url)
    assert main(["--config", cfg, "enroll", platform.url, token]) == 0
    path = tmp_path / "data" / "platform.secret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    secret = bytes.fromhex(path.read_text())
    client = make_client(platform.url)
    client.session.auth.terminal, client.session.auth.secret = "T-0009", secret
    assert client.catalog()[1] is not None
    client.close()
    # The token worked once; a secret in place is not replaced by accident.
    path.unlink()
    assert main(["--config", cfg, "enroll", platform.url, token]) == 1
    assert "bad_token" in capsys.readouterr().err and not path.exists()


def test_no_secret_is_made_silently_for_a_real_platform(tmp_path, platform):
    # A typo in the secret's path used to create a folder and a secret nobody knew.
    typo = tmp_path / "etc-kiosk-typo" / "platform.secret"
    cfg = kiosk_config(tmp_path, platform.url, extra=f'secret_file = "{typo.as_posix()}"\n')
    with pytest.raises(SecretMissing, match="kiosk enroll"):
        terminal_secret(parse_config(Path(cfg).read_text(encoding="utf-8"), "t", dev=True))
    r = cli("--config", cfg, "doctor", "--wait", "1")
    assert r.returncode == 2 and "no terminal secret at" in r.stderr
    assert "kiosk platform terminal add T-0009" in r.stderr and "Traceback" not in r.stderr
    assert not typo.parent.exists()


def test_revocation_stops_a_terminal_at_its_next_request(tmp_path, platform):
    client = make_client(platform.url)
    assert client.catalog()[1] is not None
    cfg = kiosk_config(tmp_path, "embedded")
    r = cli("--config", cfg, "platform", "terminal", "revoke", TERMINAL,
            *cli_db(platform))
    assert r.returncode == 0, r.stderr
    with pytest.raises(PlatformRefused) as e:
        client.catalog()
    assert (e.value.status, e.value.error) == (401, "bad_signature")
    client.close()


def test_rotation_keeps_the_old_secret_until_the_new_one_is_taken(tmp_path, platform):
    cfg = kiosk_config(tmp_path, platform.url, terminal=TERMINAL)
    secret_file = tmp_path / "data" / "platform.secret"
    secret_file.parent.mkdir(parents=True)
    secret_file.write_text(SECRET.hex())
    r = cli("--config", cfg, "platform", "terminal", "rotate", TERMINAL,
            *cli_db(platform))
    token = r.stdout.strip()
    assert r.returncode == 0 and len(token) >= 16, r.stderr
    old = make_client(platform.url)
    assert old.catalog()[1] is not None  # still good
    assert main(["--config", cfg, "enroll", platform.url, token]) == 1  # not by accident
    assert main(["--config", cfg, "enroll", platform.url, token, "--replace"]) == 0
    new_secret = bytes.fromhex(secret_file.read_text())
    assert new_secret != SECRET
    with pytest.raises(PlatformRefused):
        old.catalog()
    old.close()
    assert platform.store.secret(TERMINAL) == new_secret


def test_enrolment_over_plain_http_to_another_machine_is_refused(tmp_path, capsys):
    cfg = kiosk_config(tmp_path, "https://zwfw.example.cn")
    assert main(["--config", cfg, "enroll", "http://10.20.0.5:8700", "x" * 32]) == 1
    assert "unencrypted" in capsys.readouterr().err
    assert not (tmp_path / "data" / "platform.secret").exists()


def test_an_enrolment_token_is_never_mistaken_for_an_option(platform):
    # The technician types the token on a command line: one that began with "-" would be
    # refused by the argument parser as an unknown option (it did, 1 time in 64).
    tokens = [platform.store.issue_token(f"T-9{n:03d}") for n in range(400)]
    assert not [t for t in tokens if not t.isalnum()]

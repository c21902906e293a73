"""The key beside the data (security issue, item 7): sealed by systemd-creds where it works,
a plain file only as a fallback doctor warns about; a lost or wrong key never silently
replaced: what it sealed and was not yet sent goes to rejected, "local key lost"."""

from __future__ import annotations

import os

import pytest

from central.store import PlatformStore
from kiosk.cli import key_warning, main
from kiosk.config import parse_config
from kiosk.integrity import check_local_files
from kiosk.link import KEY_LOST, open_outbox, terminal_secret
from offline_cache import keystore
from offline_cache.crypto import load_or_create_key
from offline_cache.outbox import State

needs_creds = pytest.mark.skipif(bool(keystore.why_not()), reason=keystore.why_not())


def config(tmp_path, protection: str = "file"):
    return parse_config(f'[data]\ndir = "{(tmp_path / "data").as_posix()}"\n[store]\n'
                        f'key_protection = "{protection}"\n', "t", dev=True)


@needs_creds
def test_the_key_is_kept_sealed_by_the_os_and_a_plain_one_is_sealed_and_removed(tmp_path):
    path = tmp_path / "store.key"
    key = load_or_create_key(path, "systemd-creds")
    cred = keystore.cred_path(path)
    assert not path.exists() and cred.exists() and key not in cred.read_bytes()
    assert oct(cred.stat().st_mode & 0o777) == "0o600"
    assert load_or_create_key(path, "file") == key  # a .cred present is what is used
    plain = tmp_path / "other.key"
    plain.write_bytes(os.urandom(32))
    plain.chmod(0o600)
    old = plain.read_bytes()
    assert load_or_create_key(plain, "auto") == old and not plain.exists()
    assert keystore.cred_path(plain).exists()


@needs_creds
def test_doctor_warns_only_about_a_plain_key_file(tmp_path):
    plain = config(tmp_path, "file")
    open_outbox(plain).close()
    assert "store.key: plain file(s) beside the data" in key_warning(plain)
    sealed = config(tmp_path / "b", "systemd-creds")
    open_outbox(sealed).close()
    assert key_warning(sealed) == ""


@needs_creds
def test_a_sealed_key_that_does_not_open_here_is_moved_aside(tmp_path):
    cfg = config(tmp_path, "systemd-creds")
    open_outbox(cfg).close()
    cred = cfg.data_dir / "store.key.cred"
    cred.write_bytes(cred.read_bytes()[:40])  # what a copy elsewhere or a damage gives
    [damage] = check_local_files(cfg)
    assert damage.path == cred and "does not open on this machine" in damage.reason


@pytest.mark.parametrize("how", ["lost", "replaced"])
def test_a_lost_or_wrong_key_rejects_what_it_sealed_and_never_silently(tmp_path, how, caplog):
    cfg = config(tmp_path)
    outbox = open_outbox(cfg)
    pending = outbox.create_case("birth", {"name": "王小明"})
    outbox.finalize(pending)
    draft = outbox.create_case("birth", {"name": "李四"})
    outbox.close()
    key = cfg.data_dir / "store.key"
    if how == "lost":
        key.unlink()
    else:
        key.write_bytes(os.urandom(32))
    outbox = open_outbox(cfg)
    for uuid in (pending, draft):
        rec = outbox.record(uuid)
        assert (rec.state, rec.last_error) == (State.REJECTED, KEY_LOST)
    assert "2 record(s) not yet sent cannot be opened" in caplog.text
    assert outbox.claim_next() is None  # nothing unreadable is handed to the sync worker
    fresh = outbox.create_case("birth", {"name": "赵五"})  # and the kiosk serves on
    assert outbox.body(fresh) == {"form": {"name": "赵五"}}
    outbox.close()
    again = open_outbox(cfg)  # said once: the next start finds all in order
    assert again.status().rejected == 2
    again.close()


@needs_creds
def test_the_terminal_secret_and_the_platform_key_are_sealed_too(tmp_path):
    cfg = config(tmp_path, "systemd-creds")
    secret = terminal_secret(cfg)
    path = cfg.data_dir / "platform.secret"
    assert not path.exists() and keystore.cred_path(path).exists()
    assert terminal_secret(cfg) == secret
    assert secret.hex().encode() not in keystore.cred_path(path).read_bytes()
    assert key_warning(cfg) == ""
    store = PlatformStore(tmp_path / "platform" / "platform.sqlite3", "systemd-creds")
    store.register_terminal("T-1", secret)
    store.close()
    assert not (tmp_path / "platform" / "platform.key").exists()
    again = PlatformStore(tmp_path / "platform" / "platform.sqlite3")  # the .cred is used
    assert again.secret("T-1") == secret
    again.close()


@needs_creds
def test_enrolment_keeps_the_secret_sealed_and_a_rotation_replaces_it(tmp_path, platform):
    cfg_path = tmp_path / "kiosk.toml"
    cfg_path.write_text(f'[data]\ndir = "{(tmp_path / "data").as_posix()}"\n[terminal]\n'
                        f'id = "T-0042"\n[platform]\nurl = "{platform.url}"\n[store]\n'
                        'key_protection = "systemd-creds"\n', encoding="utf-8")
    assert main(["--config", str(cfg_path), "enroll", platform.url,
                 platform.store.issue_token("T-0042")]) == 0
    cred = tmp_path / "data" / "platform.secret.cred"
    assert cred.exists() and not (tmp_path / "data" / "platform.secret").exists()
    first = platform.store.secret("T-0042")
    token = platform.store.issue_token("T-0042", rotate=True)
    assert main(["--config", str(cfg_path), "enroll", platform.url, token]) == 1
    assert main(["--config", str(cfg_path), "enroll", platform.url, token, "--replace"]) == 0
    now = terminal_secret(parse_config(cfg_path.read_text(encoding="utf-8"), "t", dev=True))
    assert now == platform.store.secret("T-0042") != first

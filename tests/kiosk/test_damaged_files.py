"""Damaged local files (security issue, item 13): moved aside, never deleted; the kiosk
starts out of service with a plain notice and ``kiosk doctor`` says precisely what.
A config that is not UTF-8 and a relative data folder are refused with a message."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from kiosk.config import ConfigError, load_config, parse_config
from kiosk.integrity import check_local_files
from kiosk.link import open_outbox, terminal_secret
from offline_cache.queue_numbers import QueueNumberStore

GARBAGE = os.urandom(4096)


def config_for(tmp_path):
    return parse_config(f'[data]\ndir = "{(tmp_path / "data").as_posix()}"\n', "test", dev=True)


def healthy(tmp_path):
    """A data folder as a kiosk leaves it: key, secret, outbox with a case, queue store."""
    config = config_for(tmp_path)
    outbox = open_outbox(config)
    outbox.create_case("birth", {"applicant": "测试申请人"})
    outbox.close()
    terminal_secret(config)
    QueueNumberStore(config.data_dir / "queue.sqlite3").close()
    return config


DAMAGE = {
    "outbox": ("outbox/outbox.sqlite3", GARBAGE, "not an SQLite database"),
    "queue": ("queue.sqlite3", GARBAGE, "not an SQLite database"),
    "secret": ("platform.secret", "这不是十六进制\n".encode(), "not hex"),
    "key": ("store.key", b"\x01" * 11, "11 bytes, expected 32"),
}


@pytest.mark.parametrize("what", sorted(DAMAGE))
def test_a_damaged_file_is_moved_aside_byte_for_byte_and_named(tmp_path, what):
    config = healthy(tmp_path)
    rel, data, reason = DAMAGE[what]
    path = config.data_dir / rel
    path.write_bytes(data)
    found = check_local_files(config)
    assert [d.path for d in found] == [path] and reason in found[0].reason
    assert not path.exists() and found[0].moved_to.read_bytes() == data
    assert found[0].moved_to.name.startswith(path.name + ".damaged-")
    # Until staff take it away, every start finds it again (nothing is recreated over it).
    again = check_local_files(config)
    assert [d.moved_to for d in again] == [found[0].moved_to]


def test_healthy_files_are_left_alone(tmp_path):
    assert check_local_files(healthy(tmp_path)) == []


def test_the_kiosk_starts_out_of_service_and_doctor_names_each_file(tmp_path):
    config = healthy(tmp_path)
    for rel, data, _ in DAMAGE.values():
        (config.data_dir / rel).write_bytes(data)
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text(f'[data]\ndir = "{config.data_dir.as_posix()}"\n', encoding="utf-8")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    shot = tmp_path / "shot.png"
    run = subprocess.run([sys.executable, "-m", "kiosk.cli", "--config", str(cfg), "run",
                          "--screenshot", str(shot)], capture_output=True, text=True,
                         timeout=90, env=env)
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr
    assert shot.stat().st_size > 0
    log = (config.data_dir / "logs" / "kiosk.log").read_text(encoding="utf-8")
    assert "out of service: 4 damaged local file(s)" in log
    for rel, data, _ in DAMAGE.values():
        path = config.data_dir / rel
        kept = list(path.parent.glob(path.name + ".damaged-*"))
        assert [p.read_bytes() for p in kept] == [data]
        assert not path.exists()  # nothing new was made in its place
    doctor = subprocess.run([sys.executable, "-m", "kiosk.cli", "--config", str(cfg),
                             "doctor", "--json", "--wait", "2"], capture_output=True,
                            text=True, timeout=60, env=env)
    assert doctor.returncode == 1, doctor.stderr
    out = json.loads(doctor.stdout)
    assert out["ok"] is False and out["outbox"] is None
    assert {os.path.basename(d["path"]) for d in out["damaged"]} == {
        "outbox.sqlite3", "queue.sqlite3", "platform.secret", "store.key"}
    text = subprocess.run([sys.executable, "-m", "kiosk.cli", "--config", str(cfg), "doctor",
                           "--wait", "2"], capture_output=True, text=True, timeout=60, env=env)
    assert "DAMAGED" in text.stdout and "OUT OF SERVICE" in text.stdout
    assert "store.key: moved aside on an earlier start" in text.stdout


def test_the_out_of_service_notice_speaks_chinese_first_then_english(qtbot):
    from screens.out_of_service import OutOfServiceWindow

    win = OutOfServiceWindow(["outbox.sqlite3"])
    qtbot.addWidget(win)
    texts = win.texts()
    assert texts[0] == "本机暂停服务" and "人工窗口" in texts[1]
    assert texts[2] == "This machine is out of service"
    assert texts[4] == "故障代码：store.damaged:outbox.sqlite3"


def test_a_config_that_is_not_utf8_is_refused_with_where(tmp_path):
    cfg = tmp_path / "kiosk.toml"
    cfg.write_bytes('[terminal]\nhall_name = "市民中心"\n'.encode("gb18030"))
    with pytest.raises(ConfigError, match=r"not UTF-8 text \(byte 0x.. on line 2\)"):
        load_config(cfg)
    r = subprocess.run([sys.executable, "-m", "kiosk.cli", "--config", str(cfg), "config",
                        "check"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "not UTF-8" in r.stderr and "Traceback" not in r.stderr


def test_a_relative_data_folder_is_refused():
    with pytest.raises(ConfigError, match="data.dir: must be an absolute path"):
        parse_config('[data]\ndir = "kiosk-data"\n', "test", dev=True)


def test_sync_status_names_damaged_files_and_never_opens_a_damaged_outbox(tmp_path, capsys):
    from kiosk.cli import main

    config = healthy(tmp_path)
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text(f'[data]\ndir = "{config.data_dir.as_posix()}"\n', encoding="utf-8")
    assert main(["--config", str(cfg), "sync", "status"]) == 0
    assert "DAMAGED" not in capsys.readouterr().out

    (config.data_dir / "queue.sqlite3").write_bytes(GARBAGE)  # the outbox still opens
    assert main(["--config", str(cfg), "sync", "status"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("outbox: 0 pending") and "draft" in out
    assert "DAMAGED  " in out and "queue.sqlite3: not an SQLite database" in out
    assert "OUT OF SERVICE" in out

    outbox = config.data_dir / "outbox" / "outbox.sqlite3"
    outbox.write_bytes(GARBAGE)
    assert main(["--config", str(cfg), "sync", "status"]) == 1
    out = capsys.readouterr().out
    assert "outbox: not opened" in out and "outbox.sqlite3: not an SQLite database" in out
    assert "queue.sqlite3: moved aside on an earlier start" in out
    assert not outbox.exists()  # no new outbox was made over the damaged one
    assert main(["--config", str(cfg), "sync", "status", "--json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["outbox"] is None
    assert {os.path.basename(d["path"]) for d in doc["damaged"]} == {"outbox.sqlite3",
                                                                    "queue.sqlite3"}
    for command in ("now", "verify"):
        assert main(["--config", str(cfg), "sync", command]) == 1
        assert "damaged: nothing was done" in capsys.readouterr().out
    assert not outbox.exists()

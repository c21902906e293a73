"""``kiosk platform serve`` and ``kiosk sync status|now|verify`` as a technician uses them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

from central.faultproxy import FaultProxy
from kiosk.cli import main
from kiosk.config import parse_config
from kiosk.link import open_outbox
from offline_cache.outbox import Kind, State
from tests.platform.harness import SECRET, TERMINAL, signed_session


def config_file(tmp_path, extra: str = "") -> str:
    path = tmp_path / "kiosk.toml"
    path.write_text(f'[data]\ndir = "{tmp_path.as_posix()}"\n{extra}', encoding="utf-8")
    return str(path)


def test_platform_serve_runs_the_reference_platform_for_this_terminal(tmp_path):
    cfg = config_file(tmp_path, '[terminal]\nid = "T-0001"\n')
    secret = tmp_path / "platform.secret"
    secret.write_text(signed_session().auth.secret.hex())
    proc = subprocess.Popen([sys.executable, "-m", "kiosk.cli", "--config", cfg, "platform",
                             "serve", "--port", "0", "--db", str(tmp_path / "p" / "db.sqlite3")],
                            stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        line = proc.stdout.readline()
        assert "T-0001 registered" in line
        url = line.split()[3]
        reply = signed_session().get(f"{url}/v1/catalog", timeout=10)
        assert reply.status_code == 200 and reply.headers["ETag"]
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) in (0, -signal.SIGTERM)  # uvicorn re-raises it after a clean stop


def test_sync_now_without_a_kiosk_runs_a_round_with_the_embedded_platform(tmp_path, capsys):
    cfg = config_file(tmp_path)
    outbox = open_outbox(parse_config((tmp_path / "kiosk.toml").read_text(encoding="utf-8")))
    uuid = outbox.create_case("birth", {"applicant": "王小明"})
    outbox.finalize(uuid)
    assert main(["--config", cfg, "sync", "status"]) == 0
    assert "1 pending" in capsys.readouterr().out
    assert main(["--config", cfg, "sync", "now"]) == 0
    assert "1 sent to the platform" in capsys.readouterr().out
    assert outbox.record(uuid).state is State.SYNCED
    assert main(["--config", cfg, "sync", "verify"]) == 0
    outbox.close()


def test_sync_now_asks_the_running_kiosk_and_status_names_it(tmp_path, ctx, capsys):
    cfg = config_file(tmp_path)
    uuid = ctx.outbox.create_case("birth", {"applicant": "王小明"})
    assert main(["--config", cfg, "sync", "status", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["worker_pid"] == os.getpid() and report["draft"] == 1
    ctx.network.set_up(False)
    ctx.outbox.finalize(uuid)
    assert main(["--config", cfg, "sync", "now", "--wait", "30"]) == 1  # link down: not sent
    assert "asked the running sync worker" in capsys.readouterr().out
    main(["--config", cfg, "sync", "status"])
    out = capsys.readouterr().out
    assert "1 failed" in out and f"failed   case {uuid} (birth)" in out
    ctx.network.set_up(True)
    assert main(["--config", cfg, "sync", "now", "--wait", "30"]) == 0
    assert ctx.outbox.record(uuid).state is State.SYNCED


def kiosk_on(tmp_path, url):
    """The config file of a kiosk (not running) whose platform is at ``url``, its outbox."""
    secret = tmp_path / "platform.secret"
    secret.write_text(SECRET.hex())
    cfg = config_file(tmp_path, f'[terminal]\nid = "{TERMINAL}"\n[platform]\nurl = "{url}"\n'
                                f'secret_file = "{secret.as_posix()}"\n')
    return cfg, open_outbox(parse_config((tmp_path / "kiosk.toml").read_text(encoding="utf-8")))


def test_sync_now_without_a_kiosk_tries_a_failed_case_at_once_and_fails_while_it_is_unsent(
        tmp_path, platform, capsys):
    link = FaultProxy(platform.host, platform.port).start()
    cfg, outbox = kiosk_on(tmp_path, link.url)
    uuid = outbox.create_case("birth", {"applicant": "王小明"})
    outbox.finalize(uuid)
    link.set_up(False)  # the platform cannot be reached
    assert main(["--config", cfg, "sync", "now"]) == 1
    out = capsys.readouterr().out
    assert "1 record not sent" in out and "could not be reached" in out
    assert outbox.record(uuid).state is State.FAILED  # and waits out a backoff
    assert main(["--config", cfg, "sync", "now"]) == 1  # still down: tried again, not skipped
    assert outbox.record(uuid).attempts == 2
    assert "1 record not sent" in capsys.readouterr().out

    link.set_up(True)  # the platform is back: the case goes now, not after its backoff
    assert main(["--config", cfg, "sync", "now"]) == 0
    assert "1 sent" in capsys.readouterr().out
    assert outbox.record(uuid).state is State.SYNCED
    assert [r["id"] for r in platform.store.records("case")] == [uuid]
    outbox.close()
    link.stop()


def test_sync_now_fails_and_names_a_record_the_platform_refused(tmp_path, platform, capsys):
    cfg, outbox = kiosk_on(tmp_path, platform.url)
    bad = outbox.add_record(Kind.TICKET, "queue", {"number": "?", "prefix": "A",
                                                   "issued_at": "2026-05-09T10:00:00+08:00"})
    assert main(["--config", cfg, "sync", "now"]) == 1
    out = capsys.readouterr().out
    assert "1 record refused by the platform" in out and bad in out
    assert outbox.record(bad).state is State.REJECTED
    outbox.close()

"""`kiosk doctor` as a technician runs it: a real process, real simulators, real drivers."""

from __future__ import annotations

import json
import os
import subprocess
import sys


def run_doctor(tmp_path, toml: str = "") -> subprocess.CompletedProcess[str]:
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text(f'[data]\ndir = "{(tmp_path / "data").as_posix()}"\n{toml}', encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "kiosk.cli", "--config", str(cfg), "doctor", "--json",
         "--wait", "4"],
        capture_output=True, text=True, timeout=60, env={**os.environ},
    )


def test_doctor_json_lists_every_device_ready_on_simulators(tmp_path):
    r = run_doctor(tmp_path)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["ok"] is True and out["terminal"] == "SIM-0001"
    devices = {d["device"]: d for d in out["devices"]}
    assert {"idcard", "printer", "sscard"} <= set(devices)
    for d in devices.values():
        assert d["state"] == "ready" and d["configured"] == "sim" and d["code"] == ""
    assert devices["printer"]["details"]["paper"] == "ok"


def test_doctor_reports_an_absent_device_and_fails(tmp_path):
    r = run_doctor(tmp_path, '[devices.printer]\nport = "127.0.0.1:9"\n')
    assert r.returncode == 1
    devices = {d["device"]: d for d in json.loads(r.stdout)["devices"]}
    assert devices["idcard"]["state"] == "ready"
    printer = devices["printer"]
    assert printer["state"] == "absent" and printer["code"] == "printer.gone"
    assert "127.0.0.1:9" in printer["reason"]


def test_doctor_reports_the_outbox_and_sends_nothing(tmp_path):
    from kiosk.config import parse_config
    from kiosk.link import open_outbox
    from offline_cache.outbox import State

    config = parse_config(f'[data]\ndir = "{(tmp_path / "data").as_posix()}"\n', "test")
    outbox = open_outbox(config)
    uuid = outbox.create_case("birth", {"applicant": "测试申请人"})
    outbox.finalize(uuid)
    r = run_doctor(tmp_path)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["outbox"]["pending"] == 1
    assert outbox.record(uuid).state is State.FINALIZED  # looking did not upload it
    outbox.close()

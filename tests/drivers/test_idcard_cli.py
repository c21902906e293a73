"""`kiosk device idcard read` as a technician runs it: a real process, a SAM simulator on a pty."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

from sim.id_samples import SAMPLE_CARDS
from sim.sam import SamSimulator


def kiosk(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text(f'[data]\ndir = "{(tmp_path / "data").as_posix()}"\n', encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "kiosk.cli", "--config", str(cfg), *args],
                          capture_output=True, text=True, timeout=60)


def test_reads_the_card_and_prints_json(tmp_path: Path, sim: SamSimulator) -> None:
    sample = SAMPLE_CARDS["hmt_residence"]
    sim.place_card(sample)
    r = kiosk(tmp_path, "device", "idcard", "read", "--port", str(sim.link_path), "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == sample.to_json_dict(date.today())
    # The card is still in the field and no longer "new": it is read all the same.
    again = kiosk(tmp_path, "device", "idcard", "read", "--port", str(sim.link_path))
    assert again.returncode == 0, again.stderr
    assert "陈家豪" in again.stdout and "pass_number" in again.stdout


def test_no_card_no_reader_and_no_port(tmp_path: Path, sim: SamSimulator) -> None:
    empty = kiosk(tmp_path, "device", "idcard", "read", "--port", str(sim.link_path))
    assert empty.returncode == 1 and "no card on the reader" in empty.stderr
    gone = kiosk(tmp_path, "device", "idcard", "read", "--port", str(tmp_path / "ttyNONE"))
    assert gone.returncode == 1 and "idcard.no_reader" in gone.stderr
    sim_port = kiosk(tmp_path, "device", "idcard", "read")
    assert sim_port.returncode == 2 and "--port" in sim_port.stderr

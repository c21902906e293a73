"""`kiosk device sscard read` as a technician runs it: a real process on the real PC/SC stack.

The child process inherits PCSCLITE_CSOCK_NAME, so it talks to this test run's pcscd.
"""

from __future__ import annotations

import json
import subprocess
import sys

from drivers.sscard.reader import SocialSecurityCardReader
from sim.ss_samples import SAMPLE_SSCARDS
from sim.vpcd import VpcdSlot
from tests.sscard.conftest import wait_for_card


def kiosk(tmp_path, *args: str) -> subprocess.CompletedProcess[str]:
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text(f'[data]\ndir = "{(tmp_path / "data").as_posix()}"\n', encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "kiosk.cli", "--config", str(cfg), *args],
                          capture_output=True, text=True, timeout=60)


def test_reads_the_card_and_prints_json(
    tmp_path, slot: VpcdSlot, reader: SocialSecurityCardReader
) -> None:
    sample = SAMPLE_SSCARDS["second_gen_t0"]
    assert sample.card is not None
    slot.insert(sample.virtual())
    wait_for_card(reader)
    r = kiosk(tmp_path, "device", "sscard", "read", "--reader", slot.reader_name, "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == sample.card.to_json_dict()
    text = kiosk(tmp_path, "device", "sscard", "read", "--reader", slot.reader_name)
    assert text.returncode == 0 and "覃德福" in text.stdout and "450100" in text.stdout


def test_no_card_and_no_reader_fail_with_a_clear_message(tmp_path, slot: VpcdSlot) -> None:
    empty = kiosk(tmp_path, "device", "sscard", "read", "--reader", slot.reader_name)
    assert empty.returncode == 1 and "no card in the reader" in empty.stderr
    missing = kiosk(tmp_path, "device", "sscard", "read", "--reader", "No Such Reader")
    assert missing.returncode == 1 and "sscard.no_reader" in missing.stderr
    assert "Virtual PCD" in missing.stderr and missing.stdout == ""

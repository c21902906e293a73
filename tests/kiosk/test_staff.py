"""Staff mode without Qt: the hashes, the PIN lock, the paper gauge, the CLI that writes the
hashes into the configuration."""

from __future__ import annotations

import io
from datetime import datetime

import pytest

from drivers.escpos.profiles import get_profile
from kiosk.cli import main
from kiosk.config import ConfigError, load_config
from kiosk.staff import (
    FIRST_LOCK,
    PinGate,
    ReceiptPaper,
    StaffCards,
    hash_secret,
    printed_length_mm,
    verify_secret,
)
from printer_templates.queue_ticket import QueueTicket, render_queue_ticket

RESIDENT = "110105199003075316"


def test_a_pin_is_kept_as_a_salted_scrypt_hash():
    a, b = hash_secret("246810"), hash_secret("246810")
    assert a != b and "246810" not in a  # a salt of its own each time
    assert verify_secret("246810", a) and not verify_secret("246811", a)


def test_staff_cards_share_a_salt_and_match_by_number():
    first = hash_secret(RESIDENT)
    cards = StaffCards((first,))
    second = hash_secret("640104194910010622", cards.salt)
    cards = StaffCards((first, second))
    assert cards.match(RESIDENT) == 1
    assert cards.match("640104194910010622") == 2
    assert cards.match("110105199003075324") == 0 and cards.match("") == 0
    assert not StaffCards(())


def test_wrong_pins_lock_for_longer_each_time_and_a_restart_keeps_the_count(tmp_path):
    now = [0.0]
    gate = PinGate(tmp_path / "pin.json", lambda: now[0])
    for left in (4, 3, 2, 1):
        assert gate.record(False).tries_left == left
    assert gate.record(False).locked_for == FIRST_LOCK
    now[0] += FIRST_LOCK
    assert gate.locked_for() == 0
    assert gate.record(False).locked_for == 2 * FIRST_LOCK
    again = PinGate(tmp_path / "pin.json", lambda: now[0])  # the kiosk restarted
    assert again.failures == 6 and again.locked_for() == 2 * FIRST_LOCK
    assert again.record(True).ok and again.failures == 0


def test_the_paper_gauge_counts_what_a_ticket_uses_and_a_refill_resets_it(tmp_path):
    profile = get_profile()
    ticket = render_queue_ticket(QueueTicket(
        number="A001", category="社保医保", waiting=3, issued_at=datetime(2026, 1, 5, 9, 0),
        hall_name="某某区政务服务中心", terminal_id="T-1", qr_data="https://q.example/A001",
        offline=False), job_id="j1", profile=profile)
    mm = printed_length_mm(ticket, profile.width_dots)
    assert 60 < mm < 250  # a queue ticket is a hand's length of paper
    paper = ReceiptPaper(tmp_path / "paper.json", 50_000, profile.width_dots)
    paper.printed(ticket)
    paper.printed(ticket)
    assert paper.used_mm == pytest.approx(2 * mm)
    reopened = ReceiptPaper(tmp_path / "paper.json", 50_000, profile.width_dots)
    assert reopened.used_mm == pytest.approx(2 * mm, abs=0.1)
    reopened.refilled()
    assert ReceiptPaper(tmp_path / "paper.json", 50_000, 576).left_mm == 50_000


def test_set_pin_and_add_card_write_hashes_only(tmp_path, monkeypatch, capsys):
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text('[terminal]\nid = "T-1"  # this kiosk\n\n[staff]\nidle_timeout = 60\n',
                   encoding="utf-8")
    monkeypatch.setattr("sys.stdin", io.StringIO("13572468\n"))
    assert main(["--config", str(cfg), "staff", "set-pin", "--stdin"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO(RESIDENT.lower() + "\n"))
    assert main(["--config", str(cfg), "staff", "add-card", "--stdin"]) == 0
    text = cfg.read_text(encoding="utf-8")
    assert "13572468" not in text and RESIDENT not in text and "13572468" not in (
        capsys.readouterr().out)
    assert 'id = "T-1"  # this kiosk' in text  # the other lines as they were
    staff = load_config(cfg).staff
    assert staff.idle_timeout == 60 and verify_secret("13572468", staff.pin_hash)
    assert StaffCards(staff.card_hashes).match(RESIDENT) == 1


def test_a_pin_that_is_too_short_changes_nothing(tmp_path, monkeypatch):
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text("", encoding="utf-8")
    monkeypatch.setattr("sys.stdin", io.StringIO("1234\n"))
    with pytest.raises(ConfigError):
        from kiosk.commands.staff import cmd_set_pin
        cmd_set_pin(type("A", (), {"stdin": True, "config": str(cfg)})(), None)
    assert cfg.read_text() == ""


def test_install_service_renders_a_supervised_unit(tmp_path, capsys):
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text(f'[data]\ndir = "{tmp_path / "data"}"\n', encoding="utf-8")
    assert main(["--config", str(cfg), "install-service", "--print"]) == 0
    unit = capsys.readouterr().out
    for line in ("Type=notify", "WatchdogSec=30", "Restart=always", "User=kiosk",
                 "ProtectSystem=strict", f"ReadWritePaths={tmp_path / 'data'}",
                 "RestartPreventExitStatus=64", f"--config {cfg} run"):
        assert line in unit
    assert "@" not in unit.replace("@…@", "")

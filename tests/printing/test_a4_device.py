"""The A4 printer as the kiosk runs it: configured, simulated, watched and printed to by its
device worker, off the caller's thread."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from drivers.a4printer.cups import A4Code
from drivers.base import DeviceState
from kiosk.config import ConfigError, parse_config
from kiosk.context import KioskContext
from kiosk.i18n import LANGUAGES, catalog
from printer_templates.certificate_pdf import render_certificate

from .test_a4_cups import needs_cups_client

SAMPLE = Path(__file__).parents[2] / "printer_templates" / "samples" / "household_registration.json"


@pytest.fixture
def ctx(tmp_path: Path) -> Iterator[KioskContext]:
    config = parse_config(
        f'[data]\ndir = "{tmp_path.as_posix()}"\n'
        '[devices.sscard]\nport = "none"\n[devices.a4printer]\nport = "sim"\n'
    )
    context = KioskContext.build(config)
    context.start()
    yield context
    context.stop()


def test_a4_printer_is_simulated_by_default_and_accepts_cups_queues() -> None:
    assert parse_config("").devices.a4printer.port == "sim"
    for good in ("none", "HP_LaserJet_M404", "hall-a4@192.168.1.20:631"):
        assert parse_config(f'[devices.a4printer]\nport = "{good}"\n')
    with pytest.raises(ConfigError, match="devices.a4printer.port"):
        parse_config('[devices.a4printer]\nport = "ipp://printer"\n')


@needs_cups_client
def test_simulated_a4_printer_is_watched_and_prints_through_its_worker(
    ctx: KioskContext, tmp_path: Path
) -> None:
    worker = ctx.devices.a4printer
    assert worker is not None and worker.first_status.wait(10)
    assert worker.status.state is DeviceState.READY
    pdf = render_certificate("household_registration", json.loads(SAMPLE.read_text()),
                             terminal_id=ctx.config.terminal.id,
                             printed_at=datetime(2024, 5, 6, 9, 42)).pdf
    assert worker.print_pdf("cert-1", pdf).result(timeout=30) == "kiosk-a4-1"
    assert ctx.sim is not None and ctx.sim.a4printer is not None
    (stored,) = ctx.sim.a4printer.documents
    assert stored.parent == tmp_path / "a4printer" and stored.read_bytes() == pdf


def test_every_a4_error_code_has_a_citizen_message_in_every_language() -> None:
    for lang in LANGUAGES:
        messages = catalog(lang)
        missing = [code for code in A4Code if f"error.{code}" not in messages]
        assert not missing, f"{lang}: {missing}"

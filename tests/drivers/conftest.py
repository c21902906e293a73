"""Shared fixtures for the ID-card driver tests: a SAM simulator on a real pty."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from sim.sam import SamSimulator


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[SamSimulator]:
    simulator = SamSimulator(link_path=str(tmp_path / "idcard-reader"))
    simulator.start()
    yield simulator
    simulator.stop()

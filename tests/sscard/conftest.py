"""The real PC/SC stack for the 社保卡 tests: pcscd + vsmartcard-vpcd + pyscard.

The daemon is this test process's private pcscd (sim/pcscd.py): the machine's
own pcscd, if any, is not touched, and parallel test runs do not share reader slots.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest

from drivers.sscard.errors import SsCardGone
from drivers.sscard.reader import SocialSecurityCardReader
from sim.pcscd import PrivatePcscd, shared_pcscd
from sim.vpcd import VpcdSlot

WAIT = 5.0  # pcscd polls a vpcd slot every 400 ms; generous for a loaded CI machine


@pytest.fixture(scope="session")
def pcsc_stack() -> PrivatePcscd:
    try:
        return shared_pcscd()
    except SsCardGone as exc:
        pytest.fail(f"pcscd with the vpcd driver cannot run here: {exc.tech}")


@pytest.fixture
def pcscd(pcsc_stack: PrivatePcscd) -> PrivatePcscd:
    pcsc_stack.ensure_running()  # started again if an earlier test stopped it
    return pcsc_stack


@pytest.fixture
def slot(pcscd: PrivatePcscd) -> Iterator[VpcdSlot]:
    s = pcscd.claim_slot()
    yield s
    pcscd.release_slot(s)


@pytest.fixture
def reader(slot: VpcdSlot) -> Iterator[SocialSecurityCardReader]:
    r = SocialSecurityCardReader(slot.reader_name)
    r.open()
    yield r
    r.close()


def wait_until(condition: Callable[[], object], timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout} s: {condition}")
        time.sleep(0.02)


def wait_for_card(reader: SocialSecurityCardReader, present: bool = True) -> None:
    deadline = time.monotonic() + WAIT
    while reader.wait_for_change(0.2).card != present:
        assert time.monotonic() < deadline, f"card present={present} not seen in {WAIT} s"

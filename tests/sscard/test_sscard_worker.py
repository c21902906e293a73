"""The kiosk's 社保卡 worker on the real PC/SC stack: one event per placement, and it keeps
going through a pcscd restart and a reader that goes away and comes back."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from drivers.base import DeviceState, DeviceStatus
from kiosk.devices import (
    EVENT_CARD_ERROR,
    EVENT_CARD_PLACED,
    EVENT_CARD_REMOVED,
    EVENT_STATUS,
    SocialSecurityCardWorker,
)
from sim.pcscd import PrivatePcscd
from sim.ss_samples import SAMPLE_SSCARDS
from sim.vpcd import VpcdSlot

WAIT = 15.0  # a pcscd restart plus the worker's reconnect interval, on a busy machine


class Events:
    """What the worker emitted, in order; waits for the one a test expects."""

    def __init__(self) -> None:
        self.items: list[tuple[str, Any]] = []
        self._cond = threading.Condition()

    def __call__(self, _name: str, event: str, payload: Any) -> None:
        with self._cond:
            self.items.append((event, payload))
            self._cond.notify_all()

    def wait_for(self, event: str, match: Callable[[Any], bool] = lambda _: True,
                 after: int = 0) -> int:
        """Index of the first ``event`` after index ``after`` whose payload matches."""
        def found() -> int | None:
            return next((i for i, (e, p) in enumerate(self.items)
                         if i >= after and e == event and match(p)), None)

        with self._cond:
            assert self._cond.wait_for(lambda: found() is not None, WAIT), (event, self.items)
            index = found()
            assert index is not None
            return index

    def count(self, event: str) -> int:
        with self._cond:
            return sum(1 for e, _ in self.items if e == event)


def status_is(state: DeviceState, code: str = "") -> Callable[[DeviceStatus], bool]:
    return lambda s: s.state is state and s.code == code


@pytest.fixture
def events(slot: VpcdSlot) -> Iterator[Events]:
    log = Events()
    worker = SocialSecurityCardWorker("sscard", slot.reader_name, log)
    worker.start()
    log.wait_for(EVENT_STATUS, status_is(DeviceState.READY))
    yield log
    worker.stop()


def card(key: str) -> Callable[[Any], bool]:
    return lambda payload: payload == SAMPLE_SSCARDS[key].card


def test_each_card_is_reported_once_then_its_removal(slot: VpcdSlot, events: Events) -> None:
    slot.insert(SAMPLE_SSCARDS["third_gen"].virtual())
    placed = events.wait_for(EVENT_CARD_PLACED, card("third_gen"))
    slot.remove()
    events.wait_for(EVENT_CARD_REMOVED, after=placed)
    slot.insert(SAMPLE_SSCARDS["needs_auth"].virtual())
    error = events.wait_for(EVENT_CARD_ERROR, lambda e: e.code == "sscard.needs_auth")
    slot.remove()
    events.wait_for(EVENT_CARD_REMOVED, after=error)
    assert events.count(EVENT_CARD_PLACED) == 1 and events.count(EVENT_CARD_ERROR) == 1


def test_a_swapped_card_is_a_new_placement(slot: VpcdSlot, events: Events) -> None:
    slot.insert(SAMPLE_SSCARDS["third_gen"].virtual())
    first = events.wait_for(EVENT_CARD_PLACED, card("third_gen"))
    slot.insert(SAMPLE_SSCARDS["second_gen_t0"].virtual())
    events.wait_for(EVENT_CARD_PLACED, card("second_gen_t0"), after=first)


def test_survives_a_pcscd_restart(pcscd: PrivatePcscd, slot: VpcdSlot, events: Events) -> None:
    slot.insert(SAMPLE_SSCARDS["third_gen"].virtual())
    first = events.wait_for(EVENT_CARD_PLACED, card("third_gen"))
    pcscd.restart()
    lost = events.wait_for(EVENT_STATUS, status_is(DeviceState.ABSENT, "sscard.no_service"),
                           after=first)
    back = events.wait_for(EVENT_STATUS, status_is(DeviceState.READY), after=lost)
    events.wait_for(EVENT_CARD_PLACED, card("third_gen"), after=back)


def test_survives_the_reader_going_away(pcscd: PrivatePcscd, events: Events) -> None:
    try:
        pcscd.restart(readers=False)  # what a client sees when the only reader is unplugged
        gone = events.wait_for(EVENT_STATUS, status_is(DeviceState.ABSENT, "sscard.no_reader"))
    finally:
        pcscd.restart(readers=True)
    events.wait_for(EVENT_STATUS, status_is(DeviceState.READY), after=gone)

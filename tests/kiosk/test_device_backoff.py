"""A device that stays gone is tried less and less often; one that comes back is found."""

from __future__ import annotations

import time

from drivers.base import DeviceGone, DeviceState, DeviceStatus
from kiosk.devices import DeviceWorker


class Flaky(DeviceWorker):
    kind = "flaky"
    reconnect_interval = 0.02
    reconnect_cap = 0.2

    def __init__(self) -> None:
        super().__init__("flaky", "nowhere", lambda *_: None)
        self.present = False
        self.opens: list[float] = []

    def connect(self) -> DeviceStatus:
        self.opens.append(time.monotonic())
        if not self.present:
            raise DeviceGone("flaky.gone", "not plugged in")
        return DeviceStatus(DeviceState.READY)

    def disconnect(self) -> None:
        pass


def test_waits_double_after_five_failures_up_to_the_cap():
    w = Flaky()
    waits = []
    for n in range(10):
        w.failed_opens = n
        waits.append(w.reconnect_wait())
    assert waits == [0.02] * 6 + [0.04, 0.08, 0.16, 0.2]


def test_a_device_gone_for_long_is_opened_less_often_and_found_when_back():
    w = Flaky()
    w.start()
    try:
        time.sleep(1.0)
        gaps = [b - a for a, b in zip(w.opens, w.opens[1:], strict=False)]
        assert gaps[0] < 0.1 and max(gaps) > 0.15  # 20 ms at first, then longer
        assert len(w.opens) < 1.0 / 0.02 / 2  # far fewer than every 20 ms
        w.present = True
        deadline = time.monotonic() + 2
        while w.status.state is not DeviceState.READY and time.monotonic() < deadline:
            time.sleep(0.01)
        assert w.status.state is DeviceState.READY and w.failed_opens == 0
    finally:
        w.stop()

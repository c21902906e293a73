"""Services paused while a device they need is not working: their tiles leave the home
screen and a plain line says what to do instead (打印机暂停服务，取号排队、缴费请到人工窗口).

The devices are checked at start (each worker's first status, logged here as the boot
self-test and sent in the first heartbeat) and re-opened by their workers after that; when a
device works again its services come back by themselves.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from drivers.base import DeviceState, DeviceStatus
from kiosk import devices as dev
from kiosk.flow import Flow
from kiosk.i18n import tr, translator
from screens.home import HomeTile
from screens.theme import AMBER
from screens.widgets import tr_or

if TYPE_CHECKING:
    from kiosk.app import KioskWindow

log = logging.getLogger(__name__)


def working(status: DeviceStatus) -> bool:
    """A device is there to work with. Its errors while there (paper out, cover open) are
    the services' own to say: a queue number is still given, to be remembered."""
    return status.state is not DeviceState.ABSENT


def paused_services(flows: Mapping[str, Flow],
                    statuses: Mapping[str, DeviceStatus]) -> dict[str, tuple[str, ...]]:
    """Each service that cannot work now → the devices it needs that do not work."""
    out = {}
    for fid, flow in sorted(flows.items(), key=lambda f: f[1].tile.order if f[1].tile else 0):
        down = tuple(d for d in flow.needs.devices if d in statuses and not working(statuses[d]))
        if flow.tile is not None and down:
            out[fid] = down
    return out


def notice(paused: Mapping[str, tuple[str, ...]]) -> str:
    """One line per device that is down, naming the services it takes with it."""
    by_device: dict[str, list[str]] = {}
    for fid, devices in paused.items():
        for d in devices:
            by_device.setdefault(d, []).append(tr_or(f"service.{fid}", fid))
    sep = tr("paused.separator")
    return "\n".join(tr("paused.line", device=tr(f"paused.device.{d}"),
                        services=sep.join(names))
                     for d, names in sorted(by_device.items()))


def self_test_line(statuses: Mapping[str, DeviceStatus]) -> str:
    return ", ".join(f"{name} {s.state}" + (f" ({s.code})" if s.code else "")
                     for name, s in statuses.items())


class ServiceHealth(QObject):
    """Keeps the home screen's tiles to the services that can work now."""

    def __init__(self, win: KioskWindow) -> None:
        super().__init__(win)
        self.win = win
        self.paused: dict[str, tuple[str, ...]] = {}
        self._tiles = [HomeTile(fid, t.glyph, t.primary) for _, fid, t in sorted(
            (f.tile.order, fid, f.tile) for fid, f in win.nav.flows.items() if f.tile)]
        log.info("device self-test: %s", self_test_line(win.ctx.devices.statuses()))
        win.bridge.event.connect(self._device_event)
        win.home.notice.setStyleSheet(f"color: {AMBER}; font-weight: bold;")
        self._unsubscribe = translator.on_change(lambda _lang: self._show_notice())
        self.destroyed.connect(lambda: self._unsubscribe())
        self.update()

    def _device_event(self, _device: str, event: str, _payload: object) -> None:
        if event == dev.EVENT_STATUS:
            self.update()

    def update(self) -> None:
        paused = paused_services(self.win.nav.flows, self.win.ctx.devices.statuses())
        if paused == self.paused:
            return
        for fid, devices in paused.items():
            if fid not in self.paused:
                log.warning("service %s paused: %s not working", fid, ", ".join(devices))
        for fid in self.paused.keys() - paused.keys():
            log.info("service %s back", fid)
        self.paused = paused
        self.win.home.set_services([t for t in self._tiles if t.id not in paused])
        self._show_notice()

    def _show_notice(self) -> None:
        self.win.home.set_notice(notice(self.paused))

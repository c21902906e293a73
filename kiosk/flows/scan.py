"""材料拍照: pages under the document camera, each through the quality gates, kept in the
session as JPEG bytearrays (zeroed on wipe), then shown for checking. Nothing keeps them
after the visit: a material for an application is photographed inside 自助申报, which
attaches it to the case."""

from __future__ import annotations

from typing import Any

from kiosk.flow import Flow, IdentityNeed, Needs, Tile
from kiosk.pages import PageTaker


class ScanFlow(Flow):
    id = "scan"
    tile = Tile("拍", order=20)
    needs = Needs(identity=IdentityNeed.ANY_CARD, devices=("camera",))
    steps = {"capture": "screens.capture:CaptureScreen",
             "scan_summary": "screens.capture:ScanSummaryScreen"}

    def __init__(self, host: Any) -> None:
        super().__init__(host)
        self.pages = PageTaker(self, "capture", lambda: self.ctx.sessions.current.scans)

    def bind(self, step: str, screen: Any) -> None:
        if step == "capture":
            self.pages.bind(screen)
            screen.finished.connect(self.finish)
        else:
            screen.finished.connect(lambda: self.host.end_visit("scan_done"))

    def shown(self, step: str) -> None:
        self.pages.shown(step)

    def left(self) -> None:
        self.pages.left()

    def device_changed(self, device: str, status: Any) -> None:
        self.pages.device_changed(device, status)

    def finish(self) -> None:
        pages = [p.image for p in self.host.screen("capture").pages]
        self.host.screen("scan_summary").show_pages(pages)
        self.host.replace("scan_summary")
        self.host.visit_over()  # nothing keeps the pages here: 完成 ends the visit

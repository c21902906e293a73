"""材料拍照: pages under the document camera, each through the quality gates, kept in the
session as JPEG bytearrays (zeroed on wipe), then shown for checking. Nothing keeps them
after the visit yet: the application flow will attach them to a case."""

from __future__ import annotations

import logging
from concurrent.futures import Future
from typing import Any

from drivers.base import DeviceError, DeviceState, DeviceStatus
from drivers.camera.enhance import shrink
from drivers.camera.quality import SAME_PAGE
from kiosk.flow import Flow, IdentityNeed, Needs, Tile

log = logging.getLogger(__name__)

SHOWN_LONG_SIDE = 1280  # px of a taken page as the screens show it


class ScanFlow(Flow):
    id = "scan"
    tile = Tile("拍", order=20)
    needs = Needs(identity=IdentityNeed.ANY_CARD, devices=("camera",))
    steps = {"capture": "screens.capture:CaptureScreen",
             "scan_summary": "screens.capture:ScanSummaryScreen"}

    @property
    def camera(self) -> Any:
        return self.ctx.devices.camera

    def bind(self, step: str, screen: Any) -> None:
        if step == "capture":
            screen.capture_requested.connect(self.capture)
            screen.delete_requested.connect(self.delete)
            screen.finished.connect(self.finish)
            status = self.camera.status
            screen.set_camera(status.state is DeviceState.READY, status.code)
        else:
            screen.finished.connect(lambda: self.host.end_visit("scan_done"))

    def shown(self, step: str) -> None:
        watched = step == "capture"  # the camera streams only while watched
        # Frames go straight to the screen, skipping the event queue.
        self.camera.frame_sink = self.host.screen("capture").relay.push if watched else None
        self.camera.set_streaming(watched)

    def left(self) -> None:
        self.camera.frame_sink = None
        self.camera.set_streaming(False)

    def device_changed(self, device: str, status: DeviceStatus) -> None:
        # A screen not made yet takes the camera's state when it is made (``bind``).
        if device == "camera" and self.host.made("capture"):
            self.host.screen("capture").set_camera(status.state is DeviceState.READY,
                                                   status.code)

    def capture(self, auto: bool) -> None:
        screen = self.host.screen("capture")
        screen.start_capture()
        fut = self.camera.capture("document", screen.earlier_hashes())
        # The page is the session's even if the citizen looked at another screen meanwhile.
        self.host.watch(fut, lambda f: self._captured(f, auto), keep_on_leave=True)

    def _captured(self, fut: Future[Any], auto: bool) -> None:
        screen = self.host.screen("capture")
        session = self.ctx.sessions.current
        try:
            result = fut.result()
        except DeviceError as e:
            screen.page_rejected(e.code)
            return
        except Exception:  # a bug in the pipeline: the citizen still gets a clear message
            log.exception("page capture failed")
            screen.page_rejected("camera.internal")
            return
        if result.page is None:
            if auto and result.verdict.code == SAME_PAGE:
                screen.capture_ignored()  # the same page lying on: nothing new
            else:
                screen.page_rejected(result.verdict.code, result.repeats)
            return
        # Big enough to check the page from a step back on the summary (the 320 px
        # thumbnail is soft there); a few milliseconds of scaling.
        index = screen.show_page(shrink(result.page.image, SHOWN_LONG_SIDE), result.page.phash)
        page = bytearray(result.page.jpeg)
        if index < len(session.scans):
            old = session.scans[index]
            old[:] = bytes(len(old))
            session.scans[index] = page
        else:
            session.scans.append(page)
        log.info("page %d taken (%s, %d bytes)", index + 1, result.page.format, len(page))

    def delete(self, index: int) -> None:
        scans = self.ctx.sessions.current.scans
        scans[index][:] = bytes(len(scans[index]))
        del scans[index]
        self.host.screen("capture").remove_page(index)

    def finish(self) -> None:
        pages = [p.image for p in self.host.screen("capture").pages]
        self.host.screen("scan_summary").show_pages(pages)
        self.host.replace("scan_summary")
        self.host.visit_over()  # nothing keeps the pages yet: 完成 ends the visit

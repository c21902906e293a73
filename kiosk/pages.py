"""Taking pages under the document camera, for any flow with a capture step: the camera
streams only while the step is watched, each still goes through the quality gates, and the
pages a flow keeps are JPEG bytearrays it owns (zeroed when dropped)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from drivers.base import DeviceError, DeviceState, DeviceStatus
from drivers.camera.quality import SAME_PAGE

log = logging.getLogger(__name__)

SHOWN_LONG_SIDE = 1280  # px of a taken page as the screens show it


class PageTaker:
    """The capture step ``step`` of ``flow``; ``pages()`` is where the flow keeps them."""

    def __init__(self, flow: Any, step: str, pages: Callable[[], list[bytearray]]) -> None:
        self.flow, self.step, self.pages = flow, step, pages
        self.mode = "document"  # or "photo": a person's picture, colours kept (证件照)

    @property
    def camera(self) -> Any:
        return self.flow.ctx.devices.camera

    @property
    def screen(self) -> Any:
        return self.flow.host.screen(self.step)

    def bind(self, screen: Any) -> None:
        screen.capture_requested.connect(self.capture)
        screen.delete_requested.connect(self.delete)
        status = self.camera.status
        screen.set_camera(status.state is DeviceState.READY, status.code)

    def shown(self, step: str) -> None:
        watched = step == self.step  # the camera streams only while watched
        # Frames go straight to the screen, skipping the event queue.
        self.camera.frame_sink = self.screen.relay.push if watched else None
        self.camera.set_streaming(watched)

    def left(self) -> None:
        if self.camera is not None:
            self.camera.frame_sink = None
            self.camera.set_streaming(False)

    def device_changed(self, device: str, status: DeviceStatus) -> None:
        # A screen not made yet takes the camera's state when it is made (``bind``).
        if device == "camera" and self.flow.host.made(self.step):
            self.screen.set_camera(status.state is DeviceState.READY, status.code)

    def capture(self, auto: bool) -> None:
        screen = self.screen
        screen.start_capture()
        fut = self.camera.capture(self.mode, screen.earlier_hashes(), SHOWN_LONG_SIDE)
        # The page is the session's even if the citizen looked at another screen meanwhile.
        self.flow.host.watch(fut, lambda f: self._captured(f, auto), keep_on_leave=True)

    def _captured(self, fut: Future[Any], auto: bool) -> None:
        screen = self.screen
        try:
            captured = fut.result()
        except DeviceError as e:
            screen.page_rejected(e.code)
            return
        except Exception:  # a bug in the pipeline: the citizen still gets a clear message
            log.exception("page capture failed")
            screen.page_rejected("camera.internal")
            return
        result = captured.result
        if result.page is None:
            if auto and result.verdict.code == SAME_PAGE:
                screen.capture_ignored()  # the same page lying on: nothing new
            else:
                screen.page_rejected(result.verdict.code, result.repeats)
            return
        # Big enough to check the page from a step back on the summary (the 320 px
        # thumbnail is soft there), scaled on the camera's thread.
        index = screen.show_page(captured.shown, result.page.phash)
        page = bytearray(result.page.jpeg)
        pages = self.pages()
        if index < len(pages):
            old = pages[index]
            old[:] = bytes(len(old))
            pages[index] = page
        else:
            pages.append(page)
        log.info("page %d taken (%s, %d bytes)", index + 1, result.page.format, len(page))

    def delete(self, index: int) -> None:
        pages = self.pages()
        pages[index][:] = bytes(len(pages[index]))
        del pages[index]
        self.screen.remove_page(index)

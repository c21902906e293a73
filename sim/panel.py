"""The simulator control panel: a separate window to play the citizen and the hall.

It places and removes sample cards (ID cards and 社保卡), unplugs the reader, restarts
pcscd, empties the printer, puts sheets under the document camera or clears its desk,
unplugs the camera, cuts the network and calls the next number, all through the
simulators, so the kiosk's real drivers see what a real device would send.
"""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kiosk.context import KioskContext
from kiosk.i18n import tr
from screens.widgets import button, label
from sim.hub import CAMERA_SAMPLES
from sim.ss_samples import SAMPLE_SSCARDS

_SAMPLES = ("resident", "resident_long_term", "foreign_permanent_2017",
            "foreign_permanent_2023", "hmt_residence", "expired_resident")


class _PageRelay(QObject):
    """The virtual printer reports a new page from its own thread, and a call to the queue
    service answers on a worker thread; this hops to the GUI."""

    page = Signal(str)
    called = Signal(object)  # the number called, or None


class SimulatorPanel(QWidget):
    def __init__(self, ctx: KioskContext) -> None:
        super().__init__()
        assert ctx.sim is not None
        self.ctx = ctx
        self.sim = ctx.sim
        self.setWindowTitle(tr("sim.window"))
        self.setStyleSheet("QWidget { font-size: 18px; } QPushButton { min-height: 44px; }")
        # Three columns, so the panel fits a 1080-high screen: the card readers; the camera
        # and the hall; the printer with the last ticket.
        cols = QHBoxLayout(self)
        cards, middle, paper = QVBoxLayout(), QVBoxLayout(), QVBoxLayout()
        for c in (cards, middle, paper):
            cols.addLayout(c)
        self._calls = _PageRelay()
        self._calls.called.connect(self._show_called)
        self.camera_buttons: dict[str, QPushButton] = {}

        if self.sim.sam is not None:
            box, grid = self._group(tr("sim.idcard"))
            for i, key in enumerate(_SAMPLES):
                b = button(tr(f"sim.card.{key}"))
                b.clicked.connect(lambda _=False, k=key: self.sim.place_card(k))
                grid.addWidget(b, i // 2, i % 2)
            row = len(_SAMPLES) // 2 + 1
            self._add(grid, row, 0, tr("sim.remove_card"), self.sim.remove_card)
            self._add(grid, row, 1, tr("sim.unplug"), self.sim.sam.unplug)
            self._add(grid, row + 1, 1, tr("sim.plug"), self.sim.sam.plug)
            cards.addWidget(box)

        if self.sim.sscard_slot is not None:
            box, grid = self._group(tr("sim.sscard"))
            for i, key in enumerate(SAMPLE_SSCARDS):
                self._add(grid, i // 2, i % 2, tr(f"sim.sscard_sample.{key}"),
                          lambda k=key: self.sim.insert_sscard(k))
            row = len(SAMPLE_SSCARDS) // 2 + 1
            self._add(grid, row, 0, tr("sim.remove_sscard"), self.sim.remove_sscard)
            # Restarting pcscd takes a moment: not on the GUI thread.
            self._add(grid, row, 1, tr("sim.restart_pcscd"), lambda: threading.Thread(
                target=self.sim.restart_pcscd, name="sim-pcscd-restart", daemon=True).start())
            cards.addWidget(box)

        if self.sim.printer is not None:
            pr = self.sim.printer
            box, grid = self._group(tr("sim.printer"))
            self._add(grid, 0, 0, tr("sim.paper_ok"), lambda: pr.set_paper("ok"))
            self._add(grid, 0, 1, tr("sim.paper_low"), lambda: pr.set_paper("near_end"))
            self._add(grid, 0, 2, tr("sim.paper_out"), lambda: pr.set_paper("out"))
            self._add(grid, 1, 0, tr("sim.cover_open"), lambda: pr.set_cover_open(True))
            self._add(grid, 1, 1, tr("sim.cover_closed"), lambda: pr.set_cover_open(False))
            self._add(grid, 2, 0, tr("sim.unplug"), pr.unplug)
            self._add(grid, 2, 1, tr("sim.plug"), pr.plug)
            self.last_ticket = QLabel()
            self.last_ticket.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.last_path = label("")
            self.last_path.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            grid.addWidget(self.last_ticket, 3, 0, 1, 3)
            grid.addWidget(self.last_path, 4, 0, 1, 3)
            self._relay = _PageRelay()
            self._relay.page.connect(self._show_page)
            pr.on_page = lambda path: self._relay.page.emit(str(path))
            paper.addWidget(box)

        if self.sim.camera is not None:
            cam = self.sim.camera
            box, grid = self._group(tr("sim.camera"))
            for i, key in enumerate(CAMERA_SAMPLES):
                self.camera_buttons[key] = self._add(
                    grid, i // 2, i % 2, tr(f"sim.page.{key}"),
                    lambda k=key: self.sim.place_page(k))
            row = len(CAMERA_SAMPLES) // 2 + 1
            self.camera_buttons["clear"] = self._add(grid, row, 0, tr("sim.clear_desk"),
                                                     self.sim.clear_desk)
            self.camera_buttons["unplug"] = self._add(grid, row + 1, 0, tr("sim.unplug"),
                                                      cam.unplug)
            self.camera_buttons["plug"] = self._add(grid, row + 1, 1, tr("sim.plug"), cam.plug)
            middle.addWidget(box)

        box, grid = self._group(tr("sim.hall"))
        self._add(grid, 0, 0, tr("sim.network_cut"), lambda: self.sim.network.set_up(False))
        self._add(grid, 0, 1, tr("sim.network_up"), lambda: self.sim.network.set_up(True))
        for i, c in enumerate(ctx.config.queue.categories):
            self._add(grid, 1 + i // 3, i % 3, tr("sim.call_next", prefix=c.prefix),
                      lambda p=c.prefix: self._call(p))
        self.pay_btn = self._add(grid, 7, 0, tr("payment.sim_pay"), self._pay_shown)
        self.paid = label("")
        grid.addWidget(self.paid, 8, 0, 1, 3)
        self.called = label("")
        grid.addWidget(self.called, 9, 0, 1, 3)
        middle.addWidget(box)
        for c in (cards, middle, paper):
            c.addStretch(1)

    def _group(self, title: str) -> tuple[QGroupBox, QGridLayout]:
        box = QGroupBox(title)
        return box, QGridLayout(box)

    def _add(self, grid: QGridLayout, row: int, col: int, text: str,
             fn: object) -> QPushButton:
        b = button(text)
        b.clicked.connect(lambda _=False: fn())  # type: ignore[operator]
        grid.addWidget(b, row, col)
        return b

    def _call(self, prefix: str) -> None:
        threading.Thread(target=lambda: self._calls.called.emit(self.ctx.call_next(prefix)),
                         name="sim-call", daemon=True).start()

    def _show_called(self, number: str | None) -> None:
        self.called.setText(tr("sim.called", number=number) if number else tr("sim.none_waiting"))

    def _pay_shown(self) -> None:
        """模拟支付: the simulated payment channel pays the order whose QR is on screen
        (the embedded platform's; a platform elsewhere is paid with ``kiosk platform pay``)."""
        from central.payments import PaymentBook
        from central.store import Refusal
        from kiosk.payment import shown_order

        order = shown_order()
        server = self.ctx.link.server if self.ctx.link is not None else None
        if order is None or server is None:
            self.paid.setText(tr("payment.sim_no_order"))
            return
        book = PaymentBook.beside(server.store.root)
        try:
            book.pay(order)
            self.paid.setText(tr("payment.sim_paid", order=order))
        except Refusal as e:
            self.paid.setText(e.detail)
        finally:
            book.close()

    def _show_page(self, path: str) -> None:
        pix = QPixmap(path).scaledToWidth(280, Qt.TransformationMode.SmoothTransformation)
        self.last_ticket.setPixmap(pix)
        self.last_path.setText(Path(path).name)

"""The simulated devices a kiosk runs on when a device is configured as ``sim``.

Each simulator speaks the device's real bytes on a real transport, so the real drivers run:
the ID-card SAM on a pseudo-terminal (reached through a stable link, like a udev by-id
link, that survives simulated unplugging), the receipt printer on a TCP socket on the
loopback, saving every ticket it receives as a PNG under ``<data>/printer/``, the A4
printer as a CUPS-speaking IPP server on the loopback (PDFs under ``<data>/a4printer/``),
and the 社保卡 in a vpcd slot of a private pcscd (``sim.pcscd``). The document
camera is the exception: it hands rendered frames to the driver in-process
(``sim.camera``), because a virtual UVC device needs a kernel module.
"""

from __future__ import annotations

import logging
from pathlib import Path

from drivers.sscard.errors import SsCardGone
from kiosk.network import NetworkSwitch
from sim.a4_printer import VirtualA4Printer
from sim.camera import SimulatedCamera
from sim.id_samples import SAMPLE_CARDS
from sim.pcscd import FRIENDLY_NAME, PrivatePcscd, shared_pcscd
from sim.receipt_printer import VirtualPrinter
from sim.sam import SamSimulator
from sim.scene import Pose
from sim.spool import RETENTION
from sim.ss_samples import SAMPLE_SSCARDS
from sim.vpcd import VpcdSlot

log = logging.getLogger(__name__)

# What can be put under the simulated camera: each paper it renders, and a letter put down
# the two ways citizens get wrong (partly off the camera area, under a lamp's glare).
CAMERA_SAMPLES = ("letter", "form", "idcard_front", "idcard_back", "photo", "blank",
                  "cut_off", "glare")


class SimulatorHub:
    def __init__(self, data_dir: Path, idcard: bool = True, printer: bool = True,
                 sscard: bool = True, a4printer: bool = False,
                 printer_width_dots: int = 576, camera: bool = False,
                 spool_retention: float = RETENTION) -> None:
        self.dir = data_dir / "sim"
        self.printer_dir = data_dir / "printer"
        link = str(self.dir / "idcard-sam")
        self.sam = SamSimulator(link_path=link, delay=0.002) if idcard else None
        self.printer = (
            VirtualPrinter(output_dir=self.printer_dir, width_dots=printer_width_dots,
                           retention=spool_retention)
            if printer else None
        )
        # A CUPS-speaking A4 printer; each printed PDF lands in <data>/a4printer/.
        self.a4printer = (VirtualA4Printer(data_dir / "a4printer", retention=spool_retention)
                          if a4printer else None)
        # The document camera over a desk; in-process, as OpenCV has no virtual UVC device
        # to feed without a kernel module (v4l2loopback).
        self.camera = SimulatedCamera(auto=True) if camera else None
        self.simulate_sscard = sscard
        self.pcscd: PrivatePcscd | None = None
        self.sscard_slot: VpcdSlot | None = None  # where the virtual 社保卡 goes
        self.network = NetworkSwitch()
        self.ports: dict[str, str] = {}

    def start(self) -> dict[str, str]:
        """Start the simulators; returns the port each device driver should open."""
        self.dir.mkdir(parents=True, exist_ok=True)
        if self.sam is not None:
            self.sam.start()
            self.ports["idcard"] = str(self.dir / "idcard-sam")
        if self.printer is not None:
            port = self.printer.start("127.0.0.1", 0)
            self.ports["printer"] = f"127.0.0.1:{port}"
        if self.simulate_sscard:
            self.ports["sscard"] = self._start_sscard()
        if self.a4printer is not None:
            self.a4printer.start("127.0.0.1", 0)
            self.ports["a4printer"] = self.a4printer.address
        log.info("simulators started: %s", self.ports)
        return self.ports

    def _start_sscard(self) -> str:
        """A vpcd slot of this process's private pcscd; its reader name is the port."""
        try:
            self.pcscd = shared_pcscd()
            self.sscard_slot = self.pcscd.claim_slot()
        except (SsCardGone, RuntimeError) as e:
            # The kiosk still starts; the 社保卡 reader shows as absent and doctor says why.
            log.error("simulated 社保卡 reader unavailable: %s", e)
            return FRIENDLY_NAME
        return self.sscard_slot.reader_name

    def stop(self) -> None:
        if self.sam is not None:
            self.sam.stop()
        if self.printer is not None:
            self.printer.stop()
        if self.a4printer is not None:
            self.a4printer.stop()
        if self.camera is not None:
            self.camera.shutdown()
        if self.pcscd is not None and self.sscard_slot is not None:
            self.pcscd.release_slot(self.sscard_slot)
            self.sscard_slot = None

    # --- what the simulator panel (and tests) can do ------------------------------------
    def place_card(self, sample: str) -> None:
        assert self.sam is not None, "the ID-card reader is not simulated"
        self.sam.place_card(SAMPLE_CARDS[sample])

    def remove_card(self) -> None:
        assert self.sam is not None, "the ID-card reader is not simulated"
        self.sam.remove_card()

    def insert_sscard(self, sample: str) -> None:
        assert self.sscard_slot is not None, "the 社保卡 reader is not simulated"
        self.sscard_slot.insert(SAMPLE_SSCARDS[sample].virtual())

    def remove_sscard(self) -> None:
        assert self.sscard_slot is not None, "the 社保卡 reader is not simulated"
        self.sscard_slot.remove()

    def place_page(self, sample: str) -> None:
        """Put a sheet (one of ``CAMERA_SAMPLES``) under the camera, replacing any there;
        each is a new sheet, so two letters in a row are two different pages."""
        assert self.camera is not None, "the camera is not simulated"
        if sample == "cut_off":
            self.camera.place("letter", pose=Pose(scale=0.86, rz=-3.0, cx=0.82, cy=0.5))
        elif sample == "glare":
            self.camera.place("letter", glare=True)
        else:
            assert sample in CAMERA_SAMPLES, f"no camera sample {sample!r}"
            self.camera.place(sample)

    def clear_desk(self) -> None:
        """Take every sheet away: the camera sees the empty desk."""
        assert self.camera is not None, "the camera is not simulated"
        self.camera.remove()

    def restart_pcscd(self) -> None:
        """Restart the PC/SC service, as an update or a crash would."""
        assert self.pcscd is not None, "the 社保卡 reader is not simulated"
        self.pcscd.restart()

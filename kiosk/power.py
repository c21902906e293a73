"""Restarting the machine (no Qt): one function for staff mode's 重启设备 and the platform's
``restart_machine`` command, which a test replaces (``kiosk.power.reboot``).

``systemctl reboot`` queues the reboot and returns; a kiosk in development (``--dev``,
``KIOSK_DEV=1``) only logs that it would. Whether reboots are allowed at all is config
``staff.allow_reboot`` (the callers ask it). Blocks for a moment: never on the GUI thread.
"""

from __future__ import annotations

import logging
import subprocess
from collections.abc import Sequence

from kiosk.config import dev_mode

log = logging.getLogger(__name__)

REBOOT_COMMAND = ("systemctl", "reboot")
REBOOTING, WOULD_REBOOT = "rebooting", "would_reboot"


class RebootFailed(Exception):
    """The reboot command did not run (its words say why)."""


def run_reboot(command: Sequence[str] = REBOOT_COMMAND) -> str:
    """Run ``command`` (development too); REBOOTING, or RebootFailed."""
    shown = " ".join(command)
    log.warning("rebooting the machine (%s)", shown)
    try:
        subprocess.run(list(command), check=True, timeout=30, capture_output=True)
    except (OSError, subprocess.SubprocessError) as e:
        raise RebootFailed(f"{shown} did not run: {e}") from e
    return REBOOTING


def reboot_machine() -> str:
    """The machine restarts (REBOOTING), or, in development, is only said to (WOULD_REBOOT).
    RebootFailed if the system refused."""
    if dev_mode():
        log.warning("development kiosk: would reboot the machine now (%s); not rebooting",
                    " ".join(REBOOT_COMMAND))
        return WOULD_REBOOT
    return run_reboot(REBOOT_COMMAND)


reboot = reboot_machine  # what callers use (looked up when called: tests replace it)

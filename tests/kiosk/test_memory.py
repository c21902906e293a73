"""The kiosk's allocator settings (kiosk/memory.py): a freed camera frame goes back to the
system instead of staying in a heap arena, so months of frames do not fragment the heap."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# In a fresh process (the allocator's state is per process): free one frame, take another,
# and look at how many bytes glibc holds in mappings of their own (mallinfo2's hblkhd).
_PROBE = """
import sys
import numpy as np
sys.path.insert(0, {root!r})
from kiosk.memory import mallinfo, tune_allocator
if {tuned}:
    assert tune_allocator()
frame = np.ones((1944, 2592, 3), np.uint8)  # one full frame, 15 MB
del frame
frame = np.ones((1944, 2592, 3), np.uint8)  # the next
print(mallinfo().hblkhd)
"""


def _mapped_after_a_second_frame(tuned: bool) -> int:
    out = subprocess.run([sys.executable, "-c", _PROBE.format(root=str(ROOT), tuned=tuned)],
                         capture_output=True, text=True, timeout=60, check=True)
    return int(out.stdout)


def test_every_camera_frame_gets_its_own_mapping_that_is_returned_when_freed():
    frame = 1944 * 2592 * 3
    assert _mapped_after_a_second_frame(tuned=True) >= frame
    # glibc's default: after the first free the threshold rises, and the second frame is cut
    # from the heap, where it fragments (what the soak bench saw as creeping RSS).
    assert _mapped_after_a_second_frame(tuned=False) < frame

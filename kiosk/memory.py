"""How the kiosk process asks the C allocator to behave over months of camera frames.

glibc's malloc raises its mmap threshold each time a large block is freed, up to 32 MB:
after the first camera frame (2.7 MB in preview, 7 MB at full size, on worker threads) every
later frame is carved from a heap arena instead of its own mapping, and the arenas fragment
and keep what they once held. In a 400-session soak (bench/bench_soak.py) RSS wandered
610-770 MB; with a fixed 4 MB threshold and two arenas (not eight per core) it stayed at
540-550 MB, +0.8 MB from start to end after a trim. 4 MB, not 1 MB: a full-size frame
or a scan gets a mapping of its own, returned when freed, while preview frames (2.7 MB,
many a second) are reused from the heap; mapping those cost 1.6 ms of page faults a frame
for 30 MB less RSS.

Done with ``mallopt`` in the process rather than MALLOC_* variables in the unit file, so
it holds however the kiosk is started. Not glibc (musl): nothing to tune, nothing done.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging

log = logging.getLogger(__name__)

_M_MMAP_THRESHOLD = -3  # from glibc's malloc.h
_M_ARENA_MAX = -8
MMAP_THRESHOLD = 4 << 20  # a full frame or a scan is mapped; a preview frame is not
ARENA_MAX = 2


def tune_allocator() -> bool:
    """Fixed mmap threshold and at most two arenas; True when glibc took both. Call it
    before the worker threads start (arenas are made as threads first allocate)."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    done = bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        mallopt(_M_ARENA_MAX, ARENA_MAX))
    if not done:
        log.warning("the C allocator refused the kiosk's settings; memory may creep")
    return done


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
        "fordblks", "keepcost")]


def mallinfo() -> _MallInfo2 | None:
    """glibc's own account of the heap (mallinfo2): ``uordblks`` handed out from arenas,
    ``hblkhd`` in mappings of their own. None when not glibc ≥ 2.33."""
    try:
        fn = ctypes.CDLL(None).mallinfo2
    except (OSError, AttributeError):
        return None
    fn.restype = _MallInfo2
    return fn()


def trim() -> None:
    """Hand the heap's free pages back to the system (after a visit: a citizen's freed
    scans and photo are not left in pages the process keeps, and RSS is what it holds).
    A few milliseconds; nothing done where it is not glibc."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).malloc_trim(0)

"""Nothing lost, nothing duplicated: through injected faults and through SIGKILLed sync
processes, the platform ends with exactly the finalized cases, once each, byte-identical.
(Bounded here; ``bench/bench_sync.py soak`` runs the long version.)"""

from __future__ import annotations

import random

from central.faultproxy import Fault
from central.soak import (
    ALL_FAULTS,
    crash_loop,
    delivery_problems,
    drain_through_faults,
    fill,
)
from central.soak import make_terminal as terminal
from tests.platform.harness import SECRET, TERMINAL


def test_faults_on_the_link_neither_lose_nor_duplicate(tmp_path, platform):
    rng = random.Random(20260509)
    term = terminal(tmp_path / "t", "http://127.0.0.1:9", TERMINAL, SECRET, chunk_kb=64,
                    deadline=2)
    fill(term, cases=12, files_per_case=2, size=150_000, rng=rng)
    # A trickle costs a whole deadline each: the soak has them; a dedicated test here too.
    kinds = tuple(f for f in ALL_FAULTS if f is not Fault.TRICKLE)
    injected = drain_through_faults(term, platform.host, platform.port, rate=0.35, rng=rng,
                                    kinds=kinds, max_delay=0.05)
    print(f"faults injected: {sum(injected.values())} {dict(injected)}")
    assert sum(injected.values()) >= 20 and set(injected) == set(kinds)
    assert delivery_problems(term, platform.store) == []


def test_sync_process_killed_at_random_points_neither_loses_nor_duplicates(tmp_path, platform):
    rng = random.Random(7)
    term = terminal(tmp_path / "t", platform.url, TERMINAL, SECRET, chunk_kb=16)
    fill(term, cases=8, files_per_case=2, size=120_000, rng=rng)
    report = crash_loop(term, platform.store, kills=6, rng=rng, max_requests=15)
    print(f"sync processes: {report.runs} started, {report.kills} killed mid-upload")
    assert report.kills == 6
    assert delivery_problems(term, platform.store) == []

"""远程咨询: the time from the kiosk starting a call to the staff console seeing it ring,
on loopback (not part of the test run; target ≤ 2 s).

    python bench/bench_remote_help.py [--calls 10] [--poll 0.05]

The reference platform on a loopback port; each call is a real ``RemoteHelpCall`` (the
simulated document camera, aiortc's offer with its ICE candidates gathered, the signed
POST) and a staff poller asking ``/console/calls`` every ``--poll`` seconds as the console
page does (the page polls every 0.5 s: add up to that). Reported: each call's time from
``start()`` to the first poll that lists it, then the median and the worst.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aioice.ice
import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from central import remote_help as platform_calls  # noqa: E402
from central.server import PlatformServer  # noqa: E402
from kiosk.remote_help import CallSignalling, RemoteHelpCall  # noqa: E402
from sim.camera import SimulatedCamera  # noqa: E402

TERMINAL = "T-BENCH"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--calls", type=int, default=10)
    ap.add_argument("--poll", type=float, default=0.05, help="staff poll interval, s")
    args = ap.parse_args()
    # ICE on loopback only: the bench's traffic stays on this machine.
    aioice.ice.get_host_addresses = lambda **_: ["127.0.0.1"]
    secret = os.urandom(32)
    camera = SimulatedCamera(size=(1280, 960), fps=30.0)
    camera.open()
    with tempfile.TemporaryDirectory() as tmp:
        server = PlatformServer(Path(tmp) / "platform.sqlite3").start()
        server.store.register_terminal(TERMINAL, secret)
        staff = requests.Session()
        staff.trust_env = False
        staff.headers["Authorization"] = (
            f"Bearer {platform_calls.console_token(server.store.root)}")
        times = []
        try:
            for _ in range(args.calls):
                call = RemoteHelpCall(CallSignalling(server.url, TERMINAL, secret), camera.preview)
                t0 = time.perf_counter()
                call.start()
                while True:
                    ringing = staff.get(f"{server.url}/console/calls", timeout=5).json()["calls"]
                    if any(c["id"] == call.call_id for c in ringing) and call.call_id:
                        break
                    if time.perf_counter() - t0 > 10:
                        raise SystemExit(f"a call did not ring in 10 s (state {call.state})")
                    time.sleep(args.poll)
                times.append(time.perf_counter() - t0)
                call.hang_up()
                call.wait(10)
        finally:
            server.stop()
            camera.shutdown()
    for i, t in enumerate(times, 1):
        print(f"call {i:2d}: ringing at the console after {t * 1000:6.0f} ms")
    print(f"start → staff sees it ringing: median {statistics.median(times) * 1000:.0f} ms, "
          f"worst {max(times) * 1000:.0f} ms over {len(times)} calls (staff poll "
          f"{args.poll * 1000:.0f} ms; target ≤ 2000 ms)")


if __name__ == "__main__":
    main()

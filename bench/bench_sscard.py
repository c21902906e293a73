"""社保卡 reader benchmarks: a read over the real PC/SC stack, parse time, and a response fuzz.

    .venv/bin/python bench/bench_sscard.py [--n 30] [--fuzz 100000] [--json]

Card inserted -> parsed: ``SocialSecurityCardReader.read_card()`` (connect, SELECT SSSE,
SELECT EF05/EF06, READ RECORD by tag, parse) through pyscard, this process's private pcscd
and vpcd to the virtual card, for a T=1 card and a T=0 card (which also needs GET RESPONSE
and Le corrections), as the median time per read and per APDU. The virtual card answers at
once: the figures are the host's cost (pyscard + pcscd + vpcd), not a real card's.
Parsing: the same read against the virtual card called directly, without PC/SC.
Fuzz: reads in which one response APDU is mangled (bits flipped, cut, SW replaced, bytes
added); only the driver's typed errors may come out. Needs what the tests need: root, pcscd
and vsmartcard-vpcd. Exit status 1 if anything but a typed error escapes the fuzz.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from drivers.sscard.card import read_card  # noqa: E402
from drivers.sscard.errors import SsCardError  # noqa: E402
from drivers.sscard.reader import SocialSecurityCardReader  # noqa: E402
from sim.pcscd import shared_pcscd  # noqa: E402
from sim.ss_samples import SAMPLE_SSCARDS  # noqa: E402
from sim.sscard_virtual import VirtualSsCard  # noqa: E402

SAMPLES = ("third_gen", "second_gen_t0")  # T=1 and T=0


def time_pcsc_reads(key: str, n: int) -> tuple[list[float], int]:
    """Seconds per read over PC/SC, and the APDUs one read takes."""
    daemon = shared_pcscd()
    slot = daemon.claim_slot()
    card = SAMPLE_SSCARDS[key].virtual()
    try:
        slot.insert(card)
        with SocialSecurityCardReader(slot.reader_name) as reader:
            deadline = time.monotonic() + 10
            while not reader.wait_for_change(0.2).card:
                assert time.monotonic() < deadline, "the virtual card did not show up"
            times = []
            for _ in range(n):
                card.trace.clear()
                start = time.perf_counter()
                reader.read_card()
                times.append(time.perf_counter() - start)
    finally:
        daemon.release_slot(slot)
    return times, len(card.trace)


def parse_time(key: str, rounds: int) -> float:
    """Microseconds per read against the virtual card, without PC/SC."""
    card = SAMPLE_SSCARDS[key].virtual()
    start = time.perf_counter()
    for _ in range(rounds):
        card.power_on()
        read_card(card.process)
    return (time.perf_counter() - start) / rounds * 1e6


def mangle(rng: random.Random, rapdu: bytes) -> bytes:
    kind = rng.randrange(4)
    out = bytearray(rapdu)
    if kind == 0 and out:
        for _ in range(rng.randrange(1, 4)):
            out[rng.randrange(len(out))] ^= 1 << rng.randrange(8)
    elif kind == 1:
        out = out[: rng.randrange(len(out) + 1)]
    elif kind == 2:
        out[-2:] = rng.randbytes(2)
    else:
        out += rng.randbytes(rng.randrange(1, 8))
    return bytes(out)


def fuzz(count: int, seed: int = 3) -> dict[str, object]:
    rng = random.Random(seed)
    cards = [s.virtual() for s in SAMPLE_SSCARDS.values()]
    apdus = {}  # responses in one clean read of each card: the one mangled is among them
    for card in cards:
        # A card that refuses (needs_auth, not_ssse) stops early: fewer APDUs.
        with contextlib.suppress(SsCardError):
            read_card(card.process)
        apdus[id(card)] = len(card.trace)
    counts = {"reads": count, "typed_errors": 0, "cards": 0, "escaped": 0}
    examples: list[str] = []
    for _ in range(count):
        card = rng.choice(cards)
        card.power_on()
        card.trace.clear()  # it would keep every APDU of the run
        target = rng.randrange(apdus[id(card)])  # which response of the read to mangle
        calls = 0

        def transmit(capdu: bytes, card: VirtualSsCard = card, target: int = target) -> bytes:
            nonlocal calls
            calls += 1
            rapdu = card.process(capdu)
            return mangle(rng, rapdu) if calls - 1 == target else rapdu

        try:
            read_card(transmit)
            counts["cards"] += 1
        except SsCardError:
            counts["typed_errors"] += 1
        except Exception as exc:  # noqa: BLE001 - exactly what the fuzz looks for
            counts["escaped"] += 1
            examples.append(f"{type(exc).__name__}: {exc}")
    return {**counts, "examples": examples[:5]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=30, help="reads per timing")
    ap.add_argument("--fuzz", type=int, default=100_000, help="mangled reads")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    result: dict[str, object] = {}
    for key in SAMPLES:
        times, apdus = time_pcsc_reads(key, args.n)
        read = statistics.median(times)
        result[key] = {
            "protocol": f"T={SAMPLE_SSCARDS[key].protocol}",
            "apdus": apdus,
            "pcsc_read_ms": round(read * 1000, 2),
            "per_apdu_ms": round(read / apdus * 1000, 3),
            "parse_us": round(parse_time(key, 2000), 1),
        }
    fuzzed = fuzz(args.fuzz)
    result["fuzz"] = fuzzed
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        for key in SAMPLES:
            r = result[key]
            assert isinstance(r, dict)
            print(f"{key} ({r['protocol']}): {r['apdus']} APDUs, read over PC/SC "
                  f"{r['pcsc_read_ms']} ms ({r['per_apdu_ms']} ms per APDU); "
                  f"without PC/SC {r['parse_us']} µs")
        print(f"fuzz: {fuzzed['reads']} reads with a mangled response -> {fuzzed['cards']} "
              f"read anyway, {fuzzed['typed_errors']} typed errors; escaped: "
              f"{fuzzed['escaped']}")
        for example in fuzzed["examples"]:
            print(f"  escaped: {example}")
    return 0 if not fuzzed["escaped"] else 1


if __name__ == "__main__":
    sys.exit(main())

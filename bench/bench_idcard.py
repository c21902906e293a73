"""ID-card reader benchmarks: read latency against the wire, parse time, and a decoder fuzz.

    .venv/bin/python bench/bench_idcard.py [--n 30] [--fuzz 100000] [--json]

Card placed -> parsed identity: the driver's ``poll()`` (find, select, read text+photo, read
the appended address, parse) over a pty at 115200 baud against a SAM simulator with no
per-command delay that shifts its bytes no faster than a real 115200-baud UART (``paced``).
Reported as the median ratio to the wire time of every byte exchanged (10 bits a byte, 8N1).
Target: ratio <= 1.15. The same read against an unpaced simulator shows the driver's own
cost. Frame parsing: decoding the 1295-byte read reply frame and parsing its text block, per
card, for each layout. Fuzz: random and mutated frames fed to the streaming decoder and every
frame it accepts on to the parsers; only the typed protocol errors may come out.

Timings depend on the machine's load: run it on an idle machine for figures to compare.
Exit status 1 if a target is missed or anything but a typed error escapes the fuzz.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from drivers.idcard.card import (  # noqa: E402
    IdentityCard,
    encode_appended_address,
    encode_text_block,
    parse_text_block,
)
from drivers.idcard.errors import IdCardDataError, IdCardFrameError  # noqa: E402
from drivers.idcard.protocol import (  # noqa: E402
    FIND,
    HEADER_BYTES,
    READ,
    READ_ADDRESS,
    SELECT,
    FrameDecoder,
    Response,
    Sw3,
    checksum,
    encode_command,
    encode_read_data,
    encode_response,
    parse_read_data,
)
from drivers.idcard.reader import IdCardReader  # noqa: E402
from sim.id_samples import SAMPLE_CARDS  # noqa: E402
from sim.sam import (  # noqa: E402
    BITS_PER_BYTE,
    FIND_REPLY_DATA,
    SELECT_REPLY_DATA,
    SamSimulator,
)

BAUD = 115200
TARGET_RATIO = 1.15
SAMPLE = "resident"  # has an appended address: all four commands carry data


def read_reply(card: IdentityCard) -> bytes:
    return encode_response(Sw3.OK, encode_read_data(encode_text_block(card), card.photo))


def wire_bytes(card: IdentityCard) -> int:
    """Every byte of one placed-card read, both directions."""
    commands = sum(len(encode_command(c.cmd, c.para)) for c in (FIND, SELECT, READ, READ_ADDRESS))
    replies = (
        len(encode_response(Sw3.CARD_FOUND, FIND_REPLY_DATA))
        + len(encode_response(Sw3.OK, SELECT_REPLY_DATA))
        + len(read_reply(card))
        + len(encode_response(Sw3.OK, encode_appended_address(card.appended_address)))
    )
    return commands + replies


def time_reads(paced: bool, n: int) -> list[float]:
    card = SAMPLE_CARDS[SAMPLE]
    with tempfile.TemporaryDirectory() as tmp:
        link = str(Path(tmp) / "sam")
        with SamSimulator(link_path=link, delay=0.0, baud=BAUD, paced=paced) as sim, \
                IdCardReader(link, BAUD) as reader:
            reader.sam_status()
            times = []
            for _ in range(n):
                sim.place_card(card)  # a new placement: find answers 9F once
                start = time.perf_counter()
                got = reader.poll()
                times.append(time.perf_counter() - start)
                assert got is not None and got.id_number == card.id_number
    return times


def parse_time_per_card(rounds: int) -> dict[str, float]:
    """Microseconds to decode a read reply frame and parse its text block."""
    out = {}
    for key, card in SAMPLE_CARDS.items():
        frame = read_reply(card)
        start = time.perf_counter()
        for _ in range(rounds):
            reply = Response.from_frame(FrameDecoder().feed(frame)[0])
            parse_text_block(parse_read_data(reply.data, with_fingerprint=False).text)
        out[key] = (time.perf_counter() - start) / rounds * 1e6
    return out


def _frame(payload: bytes) -> bytes:
    body = (len(payload) + 1).to_bytes(2, "big") + payload
    return b"\xaa\xaa\xaa\x96\x69" + body + bytes((checksum(body),))


def fuzz_inputs(rng: random.Random, valid: list[bytes]) -> bytes:
    """One input: random bytes, a mutated good frame, or a well-checksummed bad payload."""
    kind = rng.randrange(5)
    if kind == 0:
        return rng.randbytes(rng.randrange(1, 64)) + b"\xaa\xaa\xaa\x96\x69" + rng.randbytes(
            rng.randrange(0, 40))
    frame = bytearray(rng.choice(valid))
    if kind == 1:  # flip bits anywhere
        for _ in range(rng.randrange(1, 6)):
            frame[rng.randrange(len(frame))] ^= 1 << rng.randrange(8)
    elif kind == 2:  # cut, or drop bytes from the middle
        cut = rng.randrange(1, len(frame))
        frame = frame[:cut] if rng.random() < 0.5 else frame[:cut] + frame[cut + 3:]
    elif kind == 3:  # a wrong LEN
        frame[5:7] = rng.randrange(0x10000).to_bytes(2, "big")
    else:  # a valid frame around a mangled payload: reaches the parsers
        payload = bytearray(frame[HEADER_BYTES:-1])
        for _ in range(rng.randrange(1, 20)):
            payload[rng.randrange(len(payload))] = rng.randrange(256)
        if rng.random() < 0.3 and len(payload) > 3:
            payload = payload[: rng.randrange(3, len(payload))]
        return _frame(bytes(payload))
    return bytes(frame)


def fuzz(count: int, seed: int = 467) -> dict[str, object]:
    rng = random.Random(seed)
    valid = [read_reply(c) for c in SAMPLE_CARDS.values()]
    valid += [encode_response(Sw3.CARD_FOUND, FIND_REPLY_DATA), encode_response(Sw3.NO_CARD)]
    decoder = FrameDecoder()  # one streaming decoder: garbage must not wedge it
    counts = {"frames": 0, "frame_errors": 0, "data_errors": 0, "cards": 0, "escaped": 0}
    escaped: list[str] = []
    for _ in range(count):
        data = fuzz_inputs(rng, valid)
        try:
            for item in decoder.events(data):
                if isinstance(item, IdCardFrameError):
                    counts["frame_errors"] += 1
                    continue
                counts["frames"] += 1
                try:
                    reply = Response.from_frame(item)
                    parse_text_block(parse_read_data(reply.data, with_fingerprint=False).text)
                    counts["cards"] += 1
                except IdCardDataError:
                    counts["data_errors"] += 1
        except Exception as exc:  # noqa: BLE001 - exactly what the fuzz looks for
            counts["escaped"] += 1
            escaped.append(f"{type(exc).__name__}: {exc}")
    decoder.reset()
    # A good frame still decodes after everything the fuzz threw at the decoder.
    recovered = len(decoder.feed(valid[0])) == 1
    return {**counts, "inputs": count, "recovered": recovered, "examples": escaped[:5]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=30, help="card reads per timing")
    ap.add_argument("--fuzz", type=int, default=100_000, help="fuzz inputs")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    card = SAMPLE_CARDS[SAMPLE]
    nbytes = wire_bytes(card)
    wire_s = nbytes * BITS_PER_BYTE / BAUD
    paced = statistics.median(time_reads(True, args.n))
    unpaced = statistics.median(time_reads(False, args.n))
    parse_us = parse_time_per_card(2000)
    fuzzed = fuzz(args.fuzz)
    result = {
        "wire_bytes": nbytes,
        "wire_ms": round(wire_s * 1000, 2),
        "paced_read_ms": round(paced * 1000, 2),
        "ratio": round(paced / wire_s, 3),
        "unpaced_read_ms": round(unpaced * 1000, 2),
        "parse_us_per_card": {k: round(v, 1) for k, v in parse_us.items()},
        "fuzz": fuzzed,
    }
    ok = result["ratio"] <= TARGET_RATIO and not fuzzed["escaped"] and fuzzed["recovered"]
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print(f"card placed -> parsed identity at {BAUD} baud ({nbytes} bytes on the wire, "
              f"{result['wire_ms']} ms): {result['paced_read_ms']} ms, ratio "
              f"{result['ratio']} (target <= {TARGET_RATIO})")
        print(f"  the same read with an unpaced simulator (driver cost): "
              f"{result['unpaced_read_ms']} ms")
        for key, us in result["parse_us_per_card"].items():
            print(f"  parse a read reply frame, {key}: {us} µs")
        print(f"fuzz: {fuzzed['inputs']} inputs -> {fuzzed['frames']} frames, "
              f"{fuzzed['frame_errors']} frame errors, {fuzzed['data_errors']} data errors, "
              f"{fuzzed['cards']} cards parsed; escaped: {fuzzed['escaped']}; "
              f"decoder recovered: {fuzzed['recovered']}")
        for example in fuzzed["examples"]:
            print(f"  escaped: {example}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

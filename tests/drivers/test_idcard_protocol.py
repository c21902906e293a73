"""GA/T 467 frames, the streaming decoder and the SW3 table, from literal bytes."""

from __future__ import annotations

import random

import pytest

from drivers.idcard.errors import IdCardDataError, IdCardFrameError, IdCardStatusError
from drivers.idcard.protocol import (
    MAX_FRAME_BYTES,
    SW3_INFO,
    Frame,
    FrameDecoder,
    Request,
    Response,
    Sw3,
    encode_command,
    encode_read_data,
    encode_response,
    format_sam_id,
    parse_read_data,
    status_error,
)

PREAMBLE = bytes.fromhex("AAAAAA9669")


def frame_by_hand(payload: bytes) -> bytes:
    """The XOR rule written out independently of the driver."""
    length = len(payload) + 1
    body = bytes([length >> 8, length & 0xFF]) + payload
    chk = 0
    for b in body:
        chk ^= b
    return PREAMBLE + body + bytes([chk])


def test_find_card_literal_frame() -> None:
    assert encode_command(0x20, 0x01) == bytes.fromhex("AA AA AA 96 69 00 03 20 01 22")


@pytest.mark.parametrize(
    ("cmd", "para"),
    [(0x10, 0xFF), (0x11, 0xFF), (0x12, 0xFF), (0x20, 0x01), (0x20, 0x02), (0x30, 0x01),
     (0x30, 0x10), (0x30, 0x03), (0x60, 0x00), (0x60, 0x01), (0x60, 0x02), (0x60, 0x03),
     (0x60, 0x04)],
)  # fmt: skip
def test_command_frames_follow_xor_rule(cmd: int, para: int) -> None:
    assert encode_command(cmd, para) == frame_by_hand(bytes([cmd, para]))


def test_response_frames() -> None:
    # find-card success with the 4 zero data bytes: 08 ^ 9F = 97
    assert encode_response(0x9F, bytes(4)) == bytes.fromhex(
        "AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97"
    )
    assert encode_response(0x41, b"\x01\x02", sw1=3, sw2=4) == frame_by_hand(
        bytes([3, 4, 0x41, 1, 2])
    )


def test_read_reply_sizes_match_spec() -> None:
    plain = encode_response(0x90, encode_read_data(bytes(256), bytes(1024)))
    with_fp = encode_response(0x90, encode_read_data(bytes(256), bytes(1024), bytes(1024)))
    assert len(plain) == 1295
    assert len(with_fp) == 2321 == MAX_FRAME_BYTES


def test_read_data_round_trip() -> None:
    text, photo, fp = b"t" * 256, b"p" * 1024, b"f" * 512
    assert parse_read_data(encode_read_data(text, photo), False) == (text, photo, b"")
    assert parse_read_data(encode_read_data(text, photo, fp), True) == (text, photo, fp)
    assert parse_read_data(encode_read_data(text, photo, b""), True) == (text, photo, b"")


@pytest.mark.parametrize(
    ("data", "with_fp"),
    [(b"\x01", False), (encode_read_data(bytes(256), bytes(1024))[:-1], False),
     (encode_read_data(bytes(256), bytes(1024)) + b"x", False),
     (encode_read_data(bytes(256), bytes(1024)), True)],
)  # fmt: skip
def test_read_data_bad_lengths(data: bytes, with_fp: bool) -> None:
    with pytest.raises(IdCardDataError) as err:
        parse_read_data(data, with_fp)
    assert err.value.code == "idcard.bad_data"


def test_response_and_request_views() -> None:
    frames = FrameDecoder().feed(encode_response(0x90, b"abc", sw1=1, sw2=2))
    assert Response.from_frame(frames[0]) == (1, 2, 0x90, b"abc")
    assert Request.from_frame(Frame(bytes([0x30, 0x01, 9]))) == (0x30, 0x01, b"\x09")


# -- SW3 table ---------------------------------------------------------------------------------

SPEC_SW3 = [0x90, 0x9F, 0x91, 0x10, 0x11, 0x21, 0x23, 0x24, 0x31, 0x32, 0x33, 0x40, 0x41,
            0x47, 0x60, 0x66, 0x80, 0x81]  # fmt: skip


def test_every_spec_status_has_a_distinct_code() -> None:
    assert sorted(int(s) for s in Sw3) == sorted(SPEC_SW3)
    codes = [SW3_INFO[Sw3(s)].code for s in SPEC_SW3]
    assert len(set(codes)) == len(codes)
    assert all(c.startswith("idcard.") and " " not in c for c in codes)


def test_status_error_is_typed() -> None:
    err = status_error(0x80, "find card")
    assert isinstance(err, IdCardStatusError)
    assert (err.code, err.sw3) == ("idcard.no_card", 0x80)
    assert "SW3=80" in err.tech and "find card" in err.tech
    assert status_error(0x41, "x").code == "idcard.read_failed"
    assert status_error(0x32, "x").code == "idcard.sam_auth_card_failed"
    assert status_error(0x55, "x").code == "idcard.sw_unknown"


def test_sam_id_format() -> None:
    data = bytes([0x05, 0xEE, 0x01, 0xEE])
    data += (1).to_bytes(4, "little") + (12345).to_bytes(4, "little")
    data += (4294967295).to_bytes(4, "little")
    assert format_sam_id(data) == "05.01-1-0000012345-4294967295"
    with pytest.raises(IdCardDataError):
        format_sam_id(bytes(15))


# -- decoder -----------------------------------------------------------------------------------

A = encode_response(0x90, b"first")
B = encode_response(0x9F, bytes(4))
C = encode_response(0x91)


def payloads(frames: list[Frame]) -> list[bytes]:
    return [f.payload for f in frames]


def test_decoder_whole_and_byte_by_byte() -> None:
    assert payloads(FrameDecoder().feed(A + B)) == [A[7:-1], B[7:-1]]
    dec = FrameDecoder()
    out: list[Frame] = []
    for i in range(len(A + B)):
        out += dec.feed((A + B)[i : i + 1])
    assert payloads(out) == [A[7:-1], B[7:-1]]
    assert dec.buffered == 0


def test_decoder_skips_garbage_and_split_preamble() -> None:
    dec = FrameDecoder()
    assert dec.feed(b"\x00\x13garbage\xaa\xaa") == []
    assert dec.feed(b"\xaa\x96\x69" + A[5:]) == [Frame(A[7:-1])]
    assert dec.discarded == 9
    assert payloads(dec.feed(b"\xaa\x96noise" + B + b"\xaa")) == [B[7:-1]]


def test_decoder_bad_checksum_then_next_frame() -> None:
    bad = A[:-1] + bytes([A[-1] ^ 0x01])
    dec = FrameDecoder()
    with pytest.raises(IdCardFrameError) as err:
        dec.feed(bad + B)
    assert err.value.code == "idcard.frame_checksum"
    assert dec.feed(b"") == [Frame(B[7:-1])]


def test_decoder_keeps_frames_before_and_after_an_error() -> None:
    bad = B[:-1] + bytes([B[-1] ^ 0xFF])
    dec = FrameDecoder()
    assert dec.feed(A + bad + C) == [Frame(A[7:-1])]
    with pytest.raises(IdCardFrameError):
        dec.feed(b"")
    assert dec.feed(b"") == [Frame(C[7:-1])]
    events = FrameDecoder().events(A + bad + C)
    assert [type(e) for e in events] == [Frame, IdCardFrameError, Frame]


@pytest.mark.parametrize("length", [0x0000, 0x0001, 0x0003, MAX_FRAME_BYTES - 6, 0xFFFF])
def test_decoder_impossible_len(length: int) -> None:
    dec = FrameDecoder()
    with pytest.raises(IdCardFrameError) as err:
        dec.feed(PREAMBLE + length.to_bytes(2, "big") + b"\x00\x00" + A)
    assert err.value.code == "idcard.frame_length"
    assert dec.feed(b"") == [Frame(A[7:-1])]


def test_decoder_truncated_frame_followed_by_good_one() -> None:
    # A frame that lost bytes swallows the start of the next; the next must still come out.
    truncated = A[:9] + A[12:]
    events = FrameDecoder().events(truncated + B)
    assert isinstance(events[0], IdCardFrameError)
    assert events[-1] == Frame(B[7:-1])


def test_decoder_partial_frame_waits() -> None:
    dec = FrameDecoder()
    big = encode_response(0x90, encode_read_data(bytes(256), bytes(1024)))
    assert dec.feed(big[:700]) == []
    assert dec.buffered == 700
    assert len(dec.feed(big[700:])[0].payload) == 1295 - 8
    dec.feed(big[:100])
    dec.reset()
    assert dec.buffered == 0


def _mutate(rng: random.Random, data: bytearray) -> bytearray:
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(5)
        pos = rng.randrange(len(data) + 1)
        if op == 0 and data:
            data[min(pos, len(data) - 1)] ^= 1 << rng.randrange(8)
        elif op == 1:
            del data[pos : pos + rng.randint(1, 8)]
        elif op == 2:
            data[pos:pos] = rng.randbytes(rng.randint(1, 8))
        elif op == 3:
            data[pos:pos] = PREAMBLE + rng.randbytes(rng.randint(0, 4))
        else:
            data[pos:pos] = rng.choice((A, B, C))
    return data


def test_fuzz_only_typed_errors_escape() -> None:
    rng = random.Random(20240467)
    seeds = [A, B, C, encode_command(0x20, 0x01), encode_response(0x90, rng.randbytes(300))]
    errors = frames = 0
    for i in range(5000):
        if i % 3 == 0:
            data = bytearray(rng.randbytes(rng.randint(0, 200)))
        else:
            data = _mutate(rng, bytearray(b"".join(rng.choices(seeds, k=rng.randint(1, 3)))))
        dec = FrameDecoder(min_len=rng.choice((3, 4)))
        pos = 0
        while pos <= len(data):
            step = rng.randint(1, 64)
            try:
                frames += len(dec.feed(bytes(data[pos : pos + step])))
            except IdCardFrameError:
                errors += 1
            pos += step
            assert dec.buffered <= MAX_FRAME_BYTES + 64
        while True:  # drain deferred errors and frames queued behind them
            try:
                got = dec.feed(b"")
            except IdCardFrameError:
                errors += 1
                continue
            frames += len(got)
            if not got:
                break
    assert errors > 500 and frames > 1000  # both paths were exercised


def test_clean_stream_decodes_every_frame() -> None:
    rng = random.Random(7)
    sent = [encode_response(rng.choice(list(Sw3)), rng.randbytes(rng.randint(0, 40)))
            for _ in range(300)]  # fmt: skip
    # Garbage without 0xAA cannot contain a preamble.
    stream = b"".join(bytes(rng.choice(range(0xAA)) for _ in range(rng.randint(0, 9))) + f
                      for f in sent)  # fmt: skip
    dec = FrameDecoder()
    out: list[Frame] = []
    for i in range(0, len(stream), 17):
        out += dec.feed(stream[i : i + 17])
    assert payloads(out) == [f[7:-1] for f in sent]
